"""How long `pulumi up` takes: the plan's wait graph (tools/timeline_graph.py) scheduled with
typical durations per type and operation (tools/timeline_durations.yaml).

The estimate is the longest chain of that graph; the floor is the longest chain of the waits a
resource really needs (tools/timeline_needs.py).
"""

from __future__ import annotations

import fnmatch
import graphlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .compare import compare_plans, resource_key
from .diff import replacing_inputs, top_input
from .plan_model import Plan, PlannedResource
from .timeline_graph import Edge, Schedule, Step, is_node, schedule, wait_edges
from .timeline_needs import Needs, unmet_needs

DURATIONS_FILE = Path(__file__).resolve().parent / "timeline_durations.yaml"
OPERATIONS = ("create", "update", "delete")


@dataclass(frozen=True)
class Duration:
    create: float
    update: float
    delete: float
    basis: str
    source: str
    known: bool = True  # False: the type has no entry and got the default

    def of(self, operation: str) -> float:
        return getattr(self, operation)


@dataclass(frozen=True)
class DurationTable:
    """Typical minutes per type and operation, refined by inputs (`when`), with a flagged default."""

    entries: Mapping[str, Mapping[str, Any]]
    default: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path = DURATIONS_FILE) -> DurationTable:
        document = yaml.safe_load(path.read_text())
        entries: dict[str, Mapping[str, Any]] = dict(document.get("types", {}))
        for group in ("api_call", "local"):
            shared = {k: v for k, v in document[group].items() if k != "types"}
            for type_ in document[group]["types"]:
                if type_ in entries:
                    raise ValueError(f"{path.name}: {type_} is listed twice")
                entries[type_] = shared
        return cls(entries=entries, default=document["default"])

    def knows(self, type_: str) -> bool:
        return type_ in self.entries

    def lookup(self, resource: PlannedResource) -> Duration:
        entry = self.entries.get(resource.type)
        if entry is None:
            return _duration(self.default, known=False)
        for variant in entry.get("when", ()):
            if all(_matches(_input(resource.inputs, path), want) for path, want in variant["inputs"].items()):
                return _duration({**entry, **{k: v for k, v in variant.items() if k != "inputs"}})
        return _duration(entry)

    def replaced_by(self, type_: str) -> frozenset[str]:
        return frozenset(self.entries.get(type_, {}).get("replaced_by", ()))


def _duration(entry: Mapping[str, Any], known: bool = True) -> Duration:
    return Duration(*(float(entry[op]) for op in OPERATIONS), basis=entry["basis"], source=entry["source"], known=known)


def _input(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _matches(value: Any, want: Any) -> bool:
    if isinstance(want, str) and isinstance(value, str):
        return fnmatch.fnmatchcase(value, want)
    return value == want


# A first deploy, from nothing.


@dataclass(frozen=True)
class NeedlessWait:
    """A wait on the critical path that no real need imposes, and the code that declares it."""

    step: Step
    edge: Edge
    where: str


@dataclass(frozen=True)
class Estimate:
    """A deployment's estimated wall time and its floor, with the needless waits on its critical path."""

    stack: str
    title: str
    schedule: Schedule
    floor: Schedule
    resources: Mapping[str, PlannedResource]
    operations: Mapping[str, str]  # URN -> create, update, replace or same
    durations: Mapping[str, Duration]
    needless: list[NeedlessWait] = field(default_factory=list)
    # URN -> why its recorded wait is a real need, for the steps of both critical paths
    reasons: Mapping[str, str] = field(default_factory=dict)
    delete_minutes: float = 0.0  # deletions run after every create and update
    unmet: list[str] = field(default_factory=list)  # required orderings the plan lacks (timeline_needs.unmet_needs)

    @property
    def minutes(self) -> float:
        return self.schedule.minutes + self.delete_minutes

    @property
    def floor_minutes(self) -> float:
        return self.floor.minutes + self.delete_minutes

    @property
    def over_floor(self) -> float:
        """How much longer than the floor, as a fraction of it (0.1 = 10 %)."""
        return self.minutes / self.floor_minutes - 1 if self.floor_minutes else 0.0

    @property
    def defaulted(self) -> list[str]:
        """Types that had no duration entry and got the default."""
        return sorted({self.resources[urn].type for urn, d in self.durations.items() if not d.known and self.operations[urn] != "same"})

    def changed(self) -> list[Step]:
        """The steps that do something, slowest first."""
        steps = [s for s in self.schedule.steps.values() if self.operations[s.urn] != "same"]
        return sorted(steps, key=lambda s: (-s.minutes, self.resources[s.urn].name, s.urn))

    def slowest(self, count: int = 10) -> list[Step]:
        return self.changed()[:count]


def first_deploy(plan: Plan, table: DurationTable | None = None) -> Estimate:
    """`pulumi up` of the whole plan into an empty account."""
    table = table or DurationTable.load()
    operations = {r.urn: "create" for r in plan.resources if is_node(r)}
    return _estimate(plan, f"first `pulumi up` of stack '{plan.stack}' from nothing", operations, table)


def change_deploy(old: Plan, new: Plan, table: DurationTable | None = None) -> Estimate:
    """`pulumi up` from OLD to NEW: creates, updates and replacements first, then the deletions.

    A replacement creates the new resource before the old one goes (Pulumi's default), and the new
    one has new ids and ARNs: a resource whose inputs carry them is updated too, or replaced when
    that input forces a replacement.
    """
    table = table or DurationTable.load()
    operations = {r.urn: "same" for r in new.resources if is_node(r)}
    old_of: dict[str, PlannedResource] = {}
    removed: list[PlannedResource] = []
    for difference in compare_plans(old, new, normalise_names=False).values():
        operations.update({r.urn: "create" for r in difference.added if is_node(r)})
        removed += [r for r in difference.removed if is_node(r)]
        for before, after, inputs in difference.changed:
            paths = [p for p in inputs if not p.startswith("(option)")]
            if is_node(after) and paths:
                operations[after.urn] = "replace" if _replaces(table, after.type, paths) else "update"
                old_of[after.urn] = before
    edges = wait_edges(new)
    for urn in graphlib.TopologicalSorter({u: {e.dependency for e in edges[u]} for u in operations}).static_order():
        carried = [e.detail for e in edges[urn] if e.kind == "input" and not e.via and operations[e.dependency] == "replace"]
        if carried and operations[urn] in ("same", "update"):
            resource = new.by_urn(urn)
            operations[urn] = "replace" if _replaces(table, resource.type, ", ".join(carried).split(", ")) else "update"
            old_of.setdefault(urn, next(r for r in old.resources if resource_key(r) == resource_key(resource)))
    gone = removed + [old_of[urn] for urn, op in operations.items() if op == "replace"]
    return _estimate(
        new, f"`pulumi up` of the change to stack '{new.stack}'", operations, table, delete_minutes=_deletions(old, gone, table).minutes
    )


def _replaces(table: DurationTable, type_: str, paths: list[str]) -> bool:
    forcing = table.replaced_by(type_)
    return bool(replacing_inputs(type_, paths)) or any(top_input(p) in forcing for p in paths)


def _deletions(old: Plan, gone: list[PlannedResource], table: DurationTable) -> Schedule:
    """Deletes run last, each after everything that waited for it is gone (the wait graph reversed)."""
    urns = {r.urn for r in gone}
    reverse: dict[str, list[Edge]] = {urn: [] for urn in urns}
    for urn, waits in wait_edges(old).items():
        for edge in waits:
            if urn in urns and edge.dependency in urns:
                reverse[edge.dependency].append(Edge(urn, edge.kind, edge.detail, edge.via))
    return schedule({r.urn: table.lookup(r).delete for r in gone}, reverse)


def _estimate(plan: Plan, title: str, operations: Mapping[str, str], table: DurationTable, delete_minutes: float = 0.0) -> Estimate:
    needs = Needs(plan)
    resources = {r.urn: r for r in plan.resources}
    durations = {urn: table.lookup(resources[urn]) for urn in operations}
    minutes = {urn: 0.0 if op == "same" else durations[urn].of("create" if op == "replace" else op) for urn, op in operations.items()}
    edges = wait_edges(plan)
    real = {urn: [e for e in waits if needs.why(urn, e)] for urn, waits in edges.items()}
    estimate = schedule(minutes, edges, preferred=lambda urn, e: needs.why(urn, e) is not None)
    needless = [
        NeedlessWait(step, step.waited_on, where_from(plan, step.urn, step.waited_on))
        for step in estimate.critical_path
        if step.waited_on is not None and needs.why(step.urn, step.waited_on) is None
    ]
    floor = schedule(minutes, real)
    reasons = {
        step.urn: why
        for step in [*estimate.critical_path, *floor.critical_path]
        if step.waited_on is not None and (why := needs.why(step.urn, step.waited_on))
    }
    return Estimate(
        plan.stack, title, estimate, floor, resources, operations, durations, needless, reasons, delete_minutes, unmet_needs(plan)
    )


def where_from(plan: Plan, urn: str, edge: Edge) -> str:
    """The program's frames that declare a wait: the resource's registration, or its component's."""
    declared_by = plan.by_urn(edge.via[-1] if edge.via else urn)
    return " <- ".join(declared_by.source[:3]) or "(no source position captured)"
