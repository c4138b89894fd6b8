"""Every IAM policy document the plans hold has the shape AWS accepts (IAM JSON policy grammar).

A statement that loses its Effect, its Action or its Resource is refused by AWS at `pulumi up`
(MalformedPolicyDocument); a resource policy without a Principal grants nothing. The documents
are found wherever they sit in a resource's inputs, so a new role, bucket or key is covered
without being listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

IDENTITY_POLICIES = {("aws:iam/policy:Policy", "policy"), ("aws:iam/rolePolicy:RolePolicy", "policy")}
TRUST_POLICIES = {("aws:iam/role:Role", "assumeRolePolicy")}
ACTION = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*]+)$")


def documents(value, path=()) -> Iterator[tuple[tuple, dict]]:
    """(input path, document) of every JSON policy document inside an input value."""
    if isinstance(value, str) and '"Statement"' in value:
        yield path, json.loads(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from documents(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from documents(item, (*path, index))


def problems(kind: str, document: dict) -> list[str]:
    found = [] if document.get("Version") == "2012-10-17" else ["Version is not 2012-10-17"]
    statements = document.get("Statement")
    if not isinstance(statements, list) or not statements:
        return [*found, "no statements"]
    sids = [s["Sid"] for s in statements if "Sid" in s]
    if len(sids) != len(set(sids)):
        found.append(f"repeated Sid in {sids}")
    for index, statement in enumerate(statements):
        keys = set(statement)
        where = f"Statement[{index}]"
        if statement.get("Effect") not in ("Allow", "Deny"):
            found.append(f"{where}: Effect is {statement.get('Effect')!r}")
        if len(keys & {"Action", "NotAction"}) != 1:
            found.append(f"{where}: needs exactly one of Action, NotAction")
        actions = statement.get("Action", statement.get("NotAction", []))
        if not all(isinstance(a, str) and ACTION.match(a) for a in ([actions] if isinstance(actions, str) else actions)) or not actions:
            found.append(f"{where}: actions {actions!r} are not service:Action names")
        has_principal = bool(keys & {"Principal", "NotPrincipal"})
        has_resource = len(keys & {"Resource", "NotResource"}) == 1
        if kind == "identity" and (has_principal or not has_resource):
            found.append(f"{where}: an identity policy names a resource and no principal")
        if kind == "trust" and (not has_principal or keys & {"Resource", "NotResource"}):
            found.append(f"{where}: a trust policy names a principal and no resource")
        if kind == "resource" and not (has_principal and has_resource):
            found.append(f"{where}: a resource policy names a principal and a resource")
    return found


def kind_of(type_: str, key: str) -> str:
    if (type_, key) in IDENTITY_POLICIES:
        return "identity"
    return "trust" if (type_, key) in TRUST_POLICIES else "resource"


@pytest.mark.parametrize("plan_fixture", ["staging_plan", "production_plan", "eks_apps_plan", "paused_plan"])
def test_every_policy_document_is_one_aws_accepts(request, plan_fixture):
    plan = request.getfixturevalue(plan_fixture)
    bad, count = {}, 0
    for resource in plan.resources:
        for path, document in documents(resource.inputs):
            count += 1
            found = problems(kind_of(resource.type, path[0]), document)
            if found:
                bad[f"{resource.name}.{'.'.join(map(str, path))}"] = found
    assert count >= 30 and not bad, bad


@pytest.mark.parametrize(
    "kind, statement, problem",
    [
        ("identity", {"Action": "s3:GetObject", "Resource": "*"}, "Effect is None"),
        ("identity", {"Effect": "Allow", "Resource": "*"}, "needs exactly one of Action, NotAction"),
        ("identity", {"Effect": "Allow", "Action": "", "Resource": "*"}, "are not service:Action names"),
        ("identity", {"Effect": "Allow", "Action": "s3:GetObject"}, "an identity policy names a resource"),
        ("trust", {"Effect": "Allow", "Action": "sts:AssumeRole"}, "a trust policy names a principal"),
        ("resource", {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}, "a resource policy names a principal"),
    ],
)
def test_a_malformed_statement_is_found(kind, statement, problem):
    found = problems(kind, {"Version": "2012-10-17", "Statement": [statement]})
    assert any(problem in line for line in found), found
