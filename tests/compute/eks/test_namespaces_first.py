"""Every Kubernetes object the program puts in a namespace it creates waits for that namespace.

Namespaces are named by constants, not by outputs, so nothing but an explicit dependency (direct
or through another object) orders them: without it the API server refuses the object on a first
`pulumi up` ("namespaces ... not found").
"""

from __future__ import annotations

import pytest

NAMESPACE = "kubernetes:core/v1:Namespace"


def waits_for(plan, urn: str) -> set[str]:
    """Every resource `urn` waits for, directly or through others."""
    by_urn = {r.urn: r for r in plan.resources}
    seen: set[str] = set()
    stack = list(by_urn[urn].dependencies)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(by_urn[current].dependencies if current in by_urn else ())
    return seen


@pytest.mark.parametrize("plan_fixture", ["staging_plan", "production_plan", "eks_apps_plan"])
def test_namespaced_objects_wait_for_their_namespace(request, plan_fixture):
    plan = request.getfixturevalue(plan_fixture)
    namespaces = {r.inputs["metadata"]["name"]: r.urn for r in plan.all(NAMESPACE)}
    checked = 0
    for resource in plan.resources:
        if not resource.type.startswith("kubernetes:") or resource.type == NAMESPACE:
            continue
        space = (resource.inputs.get("metadata") or {}).get("namespace") or resource.inputs.get("namespace")
        if space in namespaces:
            checked += 1
            assert namespaces[space] in waits_for(plan, resource.urn), (resource.name, space)
    assert checked >= 5
