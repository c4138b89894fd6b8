"""Every resource sits in a component and is named from it, so two instances never collide and the tree reads well."""

from __future__ import annotations

# Workload components are named for the workload (the README's "Add a workload" shows them so).
NAMED_FOR_THE_WORKLOAD = {
    "ecs": {"agents", "backend", "frontend", "reddit", "cryptopanic", "defillama", "sec-api", "coinspot-announcements"}
}


def misplaced(plan) -> list[str]:
    by_urn = {r.urn: r for r in plan.resources}
    found = []
    for resource in plan.resources:
        if resource.type.startswith("pulumi:providers:"):
            continue
        parent = by_urn.get(resource.parent)
        if parent is None:
            if not resource.is_component:
                found.append(f"{resource.type} {resource.name}: not inside a component")
        elif not resource.name.startswith(f"{parent.name}-") and resource.name not in NAMED_FOR_THE_WORKLOAD.get(parent.name, ()):
            found.append(f"{resource.type} {resource.name}: not named from its parent {parent.name}")
    return found


def test_every_resource_of_both_stacks_is_inside_a_component_named_from_it(any_plan):
    assert misplaced(any_plan) == []


def test_and_with_the_apps_on_eks(eks_apps_plan):
    assert misplaced(eks_apps_plan) == []
