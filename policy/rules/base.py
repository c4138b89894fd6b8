"""What every rule sees and returns, independent of where it runs (CrossGuard or the offline plan)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Enforcement = Literal["mandatory", "advisory"]

# What an unresolved value looks like in an offline plan; CrossGuard leaves it out or None.
UNKNOWN = "[unknown]"


@dataclass(frozen=True)
class Resource:
    """One planned resource: its Pulumi type, name, inputs as the provider receives them (camelCase)."""

    type: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    urn: str = ""
    protect: bool = False
    # URNs of the resources this one's inputs came from.
    dependencies: tuple[str, ...] = ()

    def get(self, *path: str | int, default: Any = None) -> Any:
        value: Any = self.inputs
        for part in path:
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and len(value) > part else None
            else:
                value = value.get(part) if isinstance(value, Mapping) else None
            if value is None:
                return default
        return value


@dataclass(frozen=True)
class Context:
    """Which stack the resources belong to; production-only rules read `environment`."""

    stack: str
    environment: str

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


@dataclass(frozen=True)
class Finding:
    rule: str
    enforcement: Enforcement
    control: str
    resource_type: str
    resource_name: str
    urn: str
    message: str


ResourceCheck = Callable[[Resource, Context], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], Context], Iterable[tuple[Resource, str]]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    # The AWS Foundational Security Best Practices control, Pod Security Standard or CIS item.
    control: str
    category: str
    enforcement: Enforcement
    types: tuple[str, ...] = ()
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    production_only: bool = False

    def applies(self, context: Context) -> bool:
        return context.is_production or not self.production_only

    def evaluate(self, resources: Sequence[Resource], context: Context) -> list[Finding]:
        if not self.applies(context):
            return []
        found: list[tuple[Resource, str]] = []
        if self.check is not None:
            for resource in resources:
                if resource.type in self.types:
                    found += [(resource, message) for message in self.check(resource, context)]
        if self.stack_check is not None:
            found += list(self.stack_check(resources, context))
        return [Finding(self.id, self.enforcement, self.control, r.type, r.name, r.urn, message) for r, message in found]


RULES: list[Rule] = []


def resource_rule(
    id: str, title: str, control: str, category: str, enforcement: Enforcement, types: Sequence[str], production_only: bool = False
) -> Callable[[ResourceCheck], ResourceCheck]:
    def register(check: ResourceCheck) -> ResourceCheck:
        RULES.append(Rule(id, title, control, category, enforcement, tuple(types), check=check, production_only=production_only))
        return check

    return register


def stack_rule(
    id: str, title: str, control: str, category: str, enforcement: Enforcement, production_only: bool = False
) -> Callable[[StackCheck], StackCheck]:
    def register(check: StackCheck) -> StackCheck:
        RULES.append(Rule(id, title, control, category, enforcement, stack_check=check, production_only=production_only))
        return check

    return register


# Helpers shared by the rule modules.


def is_unknown(value: Any) -> bool:
    return value is None or value == UNKNOWN


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse_json(value: Any) -> Any:
    """Policy documents and container definitions arrive as JSON text or as objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def of_type(resources: Iterable[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.type in types]


def refers_to(resource: Resource, target: Resource, *keys: str) -> bool:
    """Whether `resource` points at `target`: through a dependency, or an input equal to its name/id."""
    if target.urn and target.urn in resource.dependencies:
        return True
    names = {target.name, target.inputs.get("bucket"), target.inputs.get("name")} - {None, UNKNOWN}
    return any(resource.inputs.get(key) in names for key in keys)
