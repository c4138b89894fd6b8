"""The stack's IAM permissions boundary: the most any role of this stack may ever do, and the one
place that puts it on every role.

`bound_every_role` registers a stack transformation: every `aws.iam.Role` the program registers
afterwards, in any component, gets `permissions_boundary` set to this stack's boundary policy (and
must be named `<prefix>-...`, the only names the CI deploy role may manage). Roles never set the
boundary themselves. The policy pack's `iam-role-permissions-boundary` rule refuses any role that
escapes it (created before the transformation, or inside a component package such as pulumi-eks,
whose children no Python transformation reaches).

The boundary caps, it grants nothing: each role still gets only its own least-privilege policy.
It removes the ways out: IAM writes only on this stack's roles and only while they keep this
boundary, no change to the boundary policy, no removal of a boundary, no administrator grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.shared.iam_documents import policy_document

ROLE_TYPE = "aws:iam/role:Role"
BOUNDARY_NAME_SUFFIX = "permissions-boundary"
ADMINISTRATOR_POLICIES = ("arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess")

# Role changes AWS authorizes with the role's current (or requested) boundary in
# `iam:PermissionsBoundary` (Service Authorization Reference, IAM actions table).
BOUNDED_ROLE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
# Role changes whose request carries no boundary key: allowed on the stack's own role names only.
ROLE_TAG_ACTIONS = ("iam:TagRole", "iam:UntagRole")
# Changes to a managed policy (AWS gives these no boundary key: they are fenced by the policy's ARN).
POLICY_WRITE_ACTIONS = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
INSTANCE_PROFILE_ACTIONS = (
    "iam:AddRoleToInstanceProfile",
    "iam:CreateInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
)
# What ReadOnlyAccess grants of IAM, Organizations and account: reading only.
IDENTITY_READ_ACTIONS = (
    "account:Get*",
    "account:List*",
    "iam:Generate*",
    "iam:Get*",
    "iam:List*",
    "iam:Simulate*",
    "organizations:Describe*",
    "organizations:List*",
)


def boundary_policy_name(name_prefix: str) -> str:
    return f"{name_prefix}-{BOUNDARY_NAME_SUFFIX}"


def boundary_policy_arn(account: str, name_prefix: str) -> str:
    """The boundary's ARN, known before the policy exists (IAM ARNs follow from account and name)."""
    return f"arn:aws:iam::{account}:policy/{boundary_policy_name(name_prefix)}"


def _own(account: str, kind: str, name_prefix: str) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name_prefix}-*"


def role_management_statements(account: str, region: str, name_prefix: str, stack: str) -> list[dict[str, Any]]:
    """IAM writes `pulumi up` needs, fenced to this stack's names and to roles that keep its boundary."""
    boundary = boundary_policy_arn(account, name_prefix)
    own_roles = _own(account, "role", name_prefix)
    cluster_providers = f"arn:aws:iam::{account}:oidc-provider/oidc.eks.{region}.amazonaws.com/*"
    return [
        {"Sid": "ReadIdentity", "Effect": "Allow", "Action": list(IDENTITY_READ_ACTIONS), "Resource": "*"},
        {
            "Sid": "BoundedRoles",
            "Effect": "Allow",
            "Action": list(BOUNDED_ROLE_ACTIONS),
            "Resource": own_roles,
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}},
        },
        {"Sid": "TagOwnRoles", "Effect": "Allow", "Action": list(ROLE_TAG_ACTIONS), "Resource": own_roles},
        {"Sid": "PassOwnRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": own_roles},
        {"Sid": "OwnPolicies", "Effect": "Allow", "Action": list(POLICY_WRITE_ACTIONS), "Resource": _own(account, "policy", name_prefix)},
        {
            "Sid": "OwnInstanceProfiles",
            "Effect": "Allow",
            "Action": list(INSTANCE_PROFILE_ACTIONS),
            "Resource": _own(account, "instance-profile", name_prefix),
        },
        {
            # Services create their own roles (EKS, Auto Scaling, ELB, ECS, RDS, ...); AWS puts no
            # boundary on those and lets only the owning service change them.
            "Sid": "ServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": f"arn:aws:iam::{account}:role/aws-service-role/*",
        },
        # This stack's clusters' IRSA providers, told apart from other stacks' by the provider's
        # default Stack tag (their ARNs carry no name). The GitHub provider, which the CI roles
        # trust, is changed by an administrator only.
        {
            "Sid": "CreateClusterOidcProviders",
            "Effect": "Allow",
            "Action": ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"],
            "Resource": cluster_providers,
            "Condition": {"StringEquals": {"aws:RequestTag/Stack": stack}},
        },
        {
            "Sid": "OwnClusterOidcProviders",
            "Effect": "Allow",
            "Action": "iam:*OpenIDConnectProvider*",
            "Resource": cluster_providers,
            "Condition": {"StringEquals": {"aws:ResourceTag/Stack": stack}},
        },
    ]


def guardrail_statements(account: str, name_prefix: str) -> list[dict[str, Any]]:
    """Denies that hold whatever else a policy allows: the boundary stays, and stays on every role."""
    boundary = boundary_policy_arn(account, name_prefix)
    return [
        {"Sid": "KeepTheBoundaryPolicy", "Effect": "Deny", "Action": list(POLICY_WRITE_ACTIONS), "Resource": boundary},
        {
            "Sid": "KeepEveryBoundary",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            "Resource": "*",
        },
        {
            # An absent key also matches StringNotEquals: a role created without a boundary is refused.
            "Sid": "NoRoleWithoutThisBoundary",
            "Effect": "Deny",
            "Action": ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": boundary}},
        },
        {
            "Sid": "NoAdministratorGrants",
            "Effect": "Deny",
            "Action": ["iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy"],
            "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": list(ADMINISTRATOR_POLICIES)}},
        },
    ]


def boundary_document(account: str, region: str, name_prefix: str, stack: str) -> str:
    """Everything but IAM, Organizations and account settings (as PowerUserAccess), reading those,
    and the fenced IAM writes; then the guardrails."""
    return policy_document(
        {"Sid": "Services", "Effect": "Allow", "NotAction": ["account:*", "iam:*", "organizations:*"], "Resource": "*"},
        *role_management_statements(account, region, name_prefix, stack),
        *guardrail_statements(account, name_prefix),
    )


@dataclass(frozen=True)
class PermissionsBoundaryArgs:
    name_prefix: str
    stack: str  # the provider's default Stack tag
    region: str
    account_id: pulumi.Input[str]
    protect: bool


class PermissionsBoundary(pulumi.ComponentResource):
    """The managed policy `<prefix>-permissions-boundary`; `bound_every_role` puts it on every role."""

    arn: pulumi.Output[str]
    name_prefix: str

    def __init__(self, name: str, args: PermissionsBoundaryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:security:PermissionsBoundary", name, None, opts)
        policy_name = boundary_policy_name(args.name_prefix)
        policy = aws.iam.Policy(
            f"{name}-policy",
            name=policy_name,
            description=f"The most any IAM role of {args.name_prefix} may do; changed by an administrator only",
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: boundary_document(account, args.region, args.name_prefix, args.stack)
            ),
            tags={"Name": policy_name},
            # Every role of the stack names it: IAM refuses to delete a policy in use anyway.
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.arn = policy.arn
        self.name_prefix = args.name_prefix
        self.register_outputs({"arn": self.arn})


def boundary_transformation(boundary_arn: pulumi.Input[str], name_prefix: str) -> pulumi.ResourceTransformation:
    """Sets the boundary on every IAM role; refuses a role that brings its own or that the deploy role could not manage."""

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if args.type_ != ROLE_TYPE:
            return None
        props = dict(args.props)
        if props.get("permissions_boundary") is not None:
            raise ValueError(f"IAM role '{args.name}' sets its own permissions boundary; every role gets the stack's")
        role_name = props.get("name")
        if not isinstance(role_name, str) or not role_name.startswith(f"{name_prefix}-"):
            raise ValueError(
                f"IAM role '{args.name}' must have a name starting with '{name_prefix}-' (the CI deploy role manages only those roles)"
            )
        props["permissions_boundary"] = boundary_arn
        return pulumi.ResourceTransformationResult(props=props, opts=args.opts)

    return transform


def bound_every_role(boundary: PermissionsBoundary) -> None:
    """From here on, every IAM role the program registers carries `boundary`. Call it before any role exists."""
    pulumi.runtime.register_stack_transformation(boundary_transformation(boundary.arn, boundary.name_prefix))
