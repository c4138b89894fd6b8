"""CI roles: each trusts exactly one subject of exactly one repository."""

from __future__ import annotations

import json

import pytest

from components.settings import SettingsError

GH = "token.actions.githubusercontent.com"
REPO = "MarkLimmage/ohmycoins"


def trust(plan, name):
    document = json.loads(plan.one("aws:iam/role:Role", f"ci-{name}").inputs["assumeRolePolicy"])
    assert len(document["Statement"]) == 1
    return document["Statement"][0]


@pytest.mark.parametrize(
    "role, subject",
    [
        ("preview", [f"repo:{REPO}:pull_request", f"repo:{REPO}:ref:refs/heads/main"]),
        ("deploy", f"repo:{REPO}:environment:{{stack}}"),
        ("image-push", f"repo:{REPO}:ref:refs/heads/main"),
    ],
)
def test_trust_pins_audience_and_exact_subjects(any_plan, role, subject):
    statement = trust(any_plan, role)
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": any_plan.outputs["githubOidcProviderArn"]}
    expected = subject.format(stack=any_plan.stack) if isinstance(subject, str) else subject
    assert statement["Condition"] == {"StringEquals": {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": expected}}


def test_production_creates_the_github_provider_and_staging_looks_it_up(production_plan, staging_plan):
    provider = production_plan.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == f"https://{GH}"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert provider.protect and provider.retainOnDelete
    assert staging_plan.all("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert staging_plan.outputs["githubOidcProviderArn"] == production_plan.outputs["githubOidcProviderArn"]


def _attached(plan, role):
    return {
        a.inputs["policyArn"] for a in plan.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if a.name.startswith(f"ci-{role}-")
    }


def _inline(plan, name):
    return json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])["Statement"]


def test_preview_reads_everything_and_only_locks_the_state(any_plan):
    assert _attached(any_plan, "preview") == {"arn:aws:iam::aws:policy/ReadOnlyAccess"}
    statements = {s["Sid"]: s for s in _inline(any_plan, "ci-preview-state")}
    assert statements["StateLock"]["Resource"] == "arn:aws:s3:::ohmycoins-pulumi-state/.pulumi/locks/*"
    key = statements["SecretsProviderKey"]
    assert set(key["Action"]) == {"kms:Decrypt", "kms:DescribeKey"}
    assert key["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/ohmycoins-pulumi-secrets"}}


def test_deploy_is_power_user_with_iam_fenced_to_the_stack(any_plan):
    # Its IAM statements: tests/security/test_permissions_boundary.py.
    assert _attached(any_plan, "deploy") == {"arn:aws:iam::aws:policy/PowerUserAccess"}
    statements = {s["Sid"]: s for s in _inline(any_plan, "ci-deploy-state-and-iam")}
    assert statements["StateWrite"]["Resource"] == "arn:aws:s3:::ohmycoins-pulumi-state/*"
    own = [arn for s in statements.values() if s["Effect"] == "Allow" for arn in [s["Resource"]] if ":role/" in str(arn)]
    assert own and all(arn.endswith(f":role/ohmycoins-{any_plan.stack}-*") or ":role/aws-service-role/" in arn for arn in own)


def test_image_push_role_reaches_only_this_stacks_repositories(any_plan):
    policies = [p for p in any_plan.all("aws:iam/rolePolicy:RolePolicy") if p.name == "ci-image-push-ecr"]
    repositories = [r for r in any_plan.all("aws:ecr/repository:Repository")]
    if not repositories:
        assert policies == []
        return
    statements = {s["Sid"]: s for s in json.loads(policies[0].inputs["policy"])["Statement"]}
    assert statements["RegistryLogin"] == {
        "Sid": "RegistryLogin",
        "Effect": "Allow",
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }
    pushed = statements["PushToThisStacksRepositories"]["Resource"]
    assert pushed and all(f":repository/ohmycoins-{any_plan.stack}-" in arn for arn in pushed)
    # Each repository's ARN, by its dependency on it.
    role_policy = policies[0]
    assert all(r.urn in role_policy.dependencies for r in repositories)
    assert statements["PushToThisStacksRepositories"]["Action"] == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
    ]


@pytest.mark.parametrize(
    "key, value, reason",
    [
        ("githubRepository", "MarkLimmage/*", "is not a GitHub repository"),
        ("deployBranch", "refs/heads/main", "is not a branch name"),
        ("secretsProviderKeyAlias", "alias/aws/s3", "is not a customer KMS key alias"),
        ("oidcProvider", "maybe", "Input should be 'create' or 'existing'"),
    ],
)
def test_bad_ci_settings_are_refused(plan_variant, key, value, reason):
    def change(config):
        config["ohmycoins:ci"][key] = value

    with pytest.raises(SettingsError) as caught:
        plan_variant("staging", change)
    assert any(k == f"ohmycoins:ci.{key}" and reason in why for k, why in caught.value.problems), caught.value.problems
