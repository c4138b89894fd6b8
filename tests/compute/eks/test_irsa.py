"""Every service account that claims an IAM role (IRSA) gets one the role itself trusts: that service account, in that namespace."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

ANNOTATION = "eks.amazonaws.com/role-arn"


def claims(value, holder: dict | None = None) -> Iterator[tuple[str, dict]]:
    """(role ARN, the mapping that holds the annotations: a chart's `serviceAccount` or an object's `metadata`)."""
    if isinstance(value, dict):
        if ANNOTATION in value:
            yield value[ANNOTATION], holder
        for item in value.values():
            yield from claims(item, value)
    elif isinstance(value, list):
        for item in value:
            yield from claims(item, holder)


@pytest.mark.parametrize("plan_fixture", ["staging_plan", "production_plan", "eks_apps_plan"])
def test_each_claimed_role_trusts_exactly_the_service_account_that_claims_it(request, plan_fixture):
    plan = request.getfixturevalue(plan_fixture)
    roles = {r.inputs["name"]: r for r in plan.all("aws:iam/role:Role")}
    found = []
    for resource in plan.resources:
        if not resource.type.startswith("kubernetes:"):
            continue
        for arn, holder in claims(resource.inputs):
            namespace = holder.get("namespace") or resource.inputs["namespace"]
            prefix, name = arn.rsplit(":role/", 1)
            assert prefix == "arn:aws:iam::123456789012" and name in roles, (resource.name, arn)
            [trust] = json.loads(roles[name].inputs["assumeRolePolicy"])["Statement"]
            subjects = [v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub")]
            assert subjects == [f"system:serviceaccount:{namespace}:{holder['name']}"], (resource.name, arn)
            found.append(name)
    # Load balancer controller, autoscaler, External Secrets, Alertmanager, Grafana (and the
    # CloudWatch exporter where jobs run on ECS); no role is claimed twice.
    assert len(found) >= 5 and len(found) == len(set(found)), found
