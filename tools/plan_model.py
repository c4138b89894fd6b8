"""A captured plan: every resource the program registered, with its inputs and options."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"
SECRET = "[secret]"
UNKNOWN = "[unknown]"


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    # Every resource it waits for (inputs and depends_on), components expanded to their children.
    dependencies: list[str] = field(default_factory=list)
    # input -> the resources whose outputs that input carries
    propertyDependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retainOnDelete: bool = False
    ignoreChanges: list[str] = field(default_factory=list)
    provider: str = ""
    custom: bool = True
    # A component implemented by a provider (eks:index:Cluster): one node whose children are opaque.
    remote: bool = False
    providers: list[str] = field(default_factory=list)
    # Where the program registers it: project `file:line` frames, innermost first.
    source: list[str] = field(default_factory=list)
    # The id Pulumi imports this resource by (`import` option); empty when it is created.
    importId: str = ""

    @property
    def is_component(self) -> bool:
        return not self.custom and not self.type.startswith("pulumi:providers:")

    @property
    def imported(self) -> bool:
        return bool(self.importId)


@dataclass(frozen=True)
class Plan:
    stack: str
    project: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    # Id or ARN -> the logical name of the resource the offline run gave it (not in the JSON: the
    # values are the mocks' own, only good for saying which resource an input refers to).
    references: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> str:
        """Byte-for-byte deterministic: resources sorted by URN, keys sorted."""
        document = {
            "stack": self.stack,
            "project": self.project,
            "resources": [asdict(r) for r in sorted(self.resources, key=lambda r: r.urn)],
            "outputs": self.outputs,
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        document = json.loads(text)
        return cls(
            stack=document["stack"],
            project=document["project"],
            resources=[PlannedResource(**r) for r in document["resources"]],
            outputs=document["outputs"],
        )

    @classmethod
    def load(cls, path: Path) -> Plan:
        return cls.from_json(path.read_text())

    # Queries used by the CLI, the cost report and the tests.

    def all(self, type_: str) -> list[PlannedResource]:
        return sorted((r for r in self.resources if r.type == type_), key=lambda r: r.urn)

    def one(self, type_: str, name: str | None = None) -> PlannedResource:
        found = [r for r in self.all(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_}{f' named {name}' if name else ''}, found {len(found)}")
        return found[0]

    def named(self, name: str) -> PlannedResource:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one resource named {name}, found {len(found)}")
        return found[0]

    @cached_property
    def _by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def by_urn(self, urn: str) -> PlannedResource:
        return self._by_urn[urn]

    def children(self, parent: PlannedResource) -> list[PlannedResource]:
        return sorted((r for r in self.resources if r.parent == parent.urn), key=lambda r: r.urn)

    def component_of(self, resource: PlannedResource) -> PlannedResource | None:
        """The top-level component (the child of the stack) that a resource belongs to."""
        current = resource
        while current.parent in self._by_urn:
            current = self._by_urn[current.parent]
        return current if current.is_component else None

    def type_counts(self) -> Counter[str]:
        return Counter(r.type for r in self.resources)
