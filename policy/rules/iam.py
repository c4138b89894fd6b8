"""IAM: no administrator grants, a permissions boundary on every role, and CI roles trusted by exactly one repository subject."""

from __future__ import annotations

from .base import as_list, parse_json, resource_rule
from .types import IAM_ATTACHMENTS, IAM_POLICY_DOCUMENTS, IAM_ROLE, IAM_USER_POLICIES

CATEGORY = "iam"
ADMIN_POLICIES = {"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"}
GITHUB = "token.actions.githubusercontent.com"


def _documents(r):
    """Every policy document a resource carries, with where it is."""
    key = IAM_POLICY_DOCUMENTS.get(r.type)
    if key:
        yield key, parse_json(r.get(key))
    if r.type == IAM_ROLE:
        for index, inline in enumerate(as_list(r.get("inlinePolicies"))):
            if isinstance(inline, dict):
                yield f"inlinePolicies[{index}]", parse_json(inline.get("policy"))


def _allows_everything(statement) -> bool:
    actions = set(as_list(statement.get("Action")))
    resources = set(as_list(statement.get("Resource")))
    return statement.get("Effect") == "Allow" and bool(actions & {"*", "*:*"}) and "*" in resources


@resource_rule(
    "iam-no-star-on-star",
    "No policy allows every action on every resource",
    "AWS FSBP IAM.1 / CIS AWS v1.4 1.16",
    CATEGORY,
    "mandatory",
    [*IAM_POLICY_DOCUMENTS, IAM_ROLE],
)
def no_star_star(r, ctx):
    for where, document in _documents(r):
        for index, statement in enumerate(as_list((document or {}).get("Statement") if isinstance(document, dict) else None)):
            if isinstance(statement, dict) and _allows_everything(statement):
                yield f"{where} Statement[{index}] allows Action '*' on Resource '*'"


@resource_rule(
    "iam-no-admin-attachment",
    "No role, user or group gets AdministratorAccess or IAMFullAccess",
    "AWS FSBP IAM.1 / CIS AWS v1.4 1.16",
    CATEGORY,
    "mandatory",
    [*IAM_ATTACHMENTS, IAM_ROLE],
)
def no_admin_attachment(r, ctx):
    arns = set(as_list(r.get("managedPolicyArns"))) if r.type == IAM_ROLE else {r.get("policyArn")}
    for arn in sorted(arns & ADMIN_POLICIES):
        yield f"attaches {arn}"


@resource_rule(
    "iam-no-user-policies",
    "Policies attach to roles, never to IAM users",
    "AWS FSBP IAM.2 / CIS AWS v1.4 1.15",
    CATEGORY,
    "mandatory",
    IAM_USER_POLICIES,
)
def no_user_policies(r, ctx):
    yield "attach policies to roles (or groups), not to IAM users"


@resource_rule(
    "github-oidc-trust-pinned",
    "GitHub OIDC trusts pin aud and one exact sub",
    "AWS IAM guidance for GitHub OIDC trust (no FSBP control)",
    CATEGORY,
    "mandatory",
    [IAM_ROLE],
)
def github_trust(r, ctx):
    document = parse_json(r.get("assumeRolePolicy"))
    if not isinstance(document, dict):
        return
    for index, statement in enumerate(as_list(document.get("Statement"))):
        federated = as_list((statement.get("Principal") or {}).get("Federated")) if isinstance(statement.get("Principal"), dict) else []
        if statement.get("Effect") != "Allow" or not any(GITHUB in str(f) for f in federated):
            continue
        condition = statement.get("Condition") or {}
        equals = condition.get("StringEquals") or {}
        others = {op: body for op, body in condition.items() if op != "StringEquals" and any(GITHUB in k for k in body)}
        if equals.get(f"{GITHUB}:aud") != "sts.amazonaws.com":
            yield f"Statement[{index}] must pin {GITHUB}:aud to sts.amazonaws.com with StringEquals"
        subjects = as_list(equals.get(f"{GITHUB}:sub"))
        if not subjects or any("*" in s or "?" in s for s in subjects):
            yield f"Statement[{index}] must pin {GITHUB}:sub with StringEquals to exact subjects (no wildcard)"
        if others:
            yield f"Statement[{index}] uses {', '.join(sorted(others))} on GitHub claims; only StringEquals pins a subject"


@resource_rule(
    "iam-role-permissions-boundary",
    "Every IAM role carries a permissions boundary",
    "AWS IAM permissions boundaries for delegated role creation (no FSBP control)",
    CATEGORY,
    "mandatory",
    [IAM_ROLE],
)
def role_boundary(r, ctx):
    # Unknown during a first preview (the boundary policy is created in the same run): still set.
    if not r.get("permissionsBoundary"):
        yield "permissionsBoundary must be the stack's boundary policy (components/security/permissions_boundary.py)"
