"""What differs between two plans, grouped by component: resources only one has, and changed inputs.

Used for `--compare STACK STACK` (names normalised, so only real differences show) and by the
plan diff of a change to one stack.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .plan_model import Plan, PlannedResource

STACK_COMPONENT = "(stack)"


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """{'tags': {'Name': 'x'}} -> {'tags.Name': 'x'}; JSON documents in strings (policies) are opened."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return flatten(json.loads(value), path)
        except ValueError:
            pass
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key in sorted(value):
            flat.update(flatten(value[key], f"{path}.{key}" if path else str(key)))
        return flat
    if isinstance(value, list) and value:
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{path}[{index}]"))
        return flat
    return {path: value}


def resource_key(resource: PlannedResource) -> str:
    """A resource's identity without the stack: its type chain and name from the URN."""
    return resource.urn.split("::", 2)[2]


def component_label(plan: Plan, resource: PlannedResource) -> str:
    component = plan.component_of(resource)
    return f"{component.type} {component.name}" if component else STACK_COMPONENT


@dataclass
class ComponentDifference:
    added: list[PlannedResource] = field(default_factory=list)
    removed: list[PlannedResource] = field(default_factory=list)
    # (old resource, new resource, {path: (old, new)})
    changed: list[tuple[PlannedResource, PlannedResource, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _normaliser(plan: Plan):
    """Replaces the stack's own names (`ohmycoins-staging`, `staging`) so two stacks compare by substance."""
    prefix = f"{plan.project}-{plan.stack}"

    def normalise(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(prefix, f"{plan.project}-<stack>").replace(f"urn:pulumi:{plan.stack}::", "urn:pulumi:<stack>::")
        return value

    return normalise


def compare_plans(old: Plan, new: Plan, normalise_names: bool) -> dict[str, ComponentDifference]:
    old_norm = _normaliser(old) if normalise_names else (lambda v: v)
    new_norm = _normaliser(new) if normalise_names else (lambda v: v)
    old_by_key = {resource_key(r): r for r in old.resources}
    new_by_key = {resource_key(r): r for r in new.resources}
    groups: dict[str, ComponentDifference] = {}

    def group(plan: Plan, resource: PlannedResource) -> ComponentDifference:
        return groups.setdefault(component_label(plan, resource), ComponentDifference())

    for key in sorted(old_by_key.keys() | new_by_key.keys()):
        before, after = old_by_key.get(key), new_by_key.get(key)
        if before is None:
            group(new, after).added.append(after)
        elif after is None:
            group(old, before).removed.append(before)
        else:
            changes = _changed_inputs(before, after, old_norm, new_norm)
            if changes:
                group(new, after).changed.append((before, after, changes))

    for label, difference in groups.items():
        old_counts = Counter(r.type for r in old.resources if component_label(old, r) == label)
        new_counts = Counter(r.type for r in new.resources if component_label(new, r) == label)
        difference.counts = {
            t: (old_counts[t], new_counts[t]) for t in sorted(old_counts.keys() | new_counts.keys()) if old_counts[t] != new_counts[t]
        }
    return {label: groups[label] for label in sorted(groups) if not groups[label].empty()}


def _changed_inputs(before: PlannedResource, after: PlannedResource, old_norm, new_norm) -> dict[str, tuple[Any, Any]]:
    old_flat = {k: old_norm(v) for k, v in flatten(before.inputs).items()}
    new_flat = {k: new_norm(v) for k, v in flatten(after.inputs).items()}
    changes = {
        path: (old_flat.get(path), new_flat.get(path))
        for path in sorted(old_flat.keys() | new_flat.keys())
        if old_flat.get(path) != new_flat.get(path)
    }
    for option in ("protect", "retainOnDelete", "importId"):
        if getattr(before, option) != getattr(after, option):
            changes[f"(option) {option}"] = (getattr(before, option), getattr(after, option))
    return changes


def availability_zones(plan: Plan) -> list[str]:
    return sorted({z for r in plan.resources if isinstance(z := r.inputs.get("availabilityZone"), str)})


def render_comparison(old: Plan, new: Plan) -> str:
    groups = compare_plans(old, new, normalise_names=True)
    lines = [f"Comparing stack '{old.stack}' with stack '{new.stack}'", ""]
    lines.append(f"  resources:          {len(old.resources)} -> {len(new.resources)}")
    old_zones, new_zones = availability_zones(old), availability_zones(new)
    lines.append(f"  availability zones: {len(old_zones)} ({', '.join(old_zones)}) -> {len(new_zones)} ({', '.join(new_zones)})")
    for label, difference in groups.items():
        lines += ["", label]
        for type_, (a, b) in difference.counts.items():
            lines.append(f"  count  {type_}: {a} -> {b}")
        for resource in difference.removed:
            lines.append(f"  only in {old.stack}: {resource.type} {resource.name}")
        for resource in difference.added:
            lines.append(f"  only in {new.stack}: {resource.type} {resource.name}")
        for before, _after, changes in difference.changed:
            lines.append(f"  differs {before.type} {before.name}")
            for path, (a, b) in changes.items():
                lines.append(f"      {path}: {_show(a)} -> {_show(b)}")
    return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value) if not isinstance(value, str) else value
