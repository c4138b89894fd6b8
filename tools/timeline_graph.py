"""The wait graph of a plan and its schedule: what each resource waits for, and when it can start.

Pulumi starts a resource as soon as everything it waits for is done, with no other limit
(`--parallel` is unbounded by default). What a resource waits for, as the Python SDK computes it
before it sends the registration (pulumi/runtime/resource.py `prepare_resource`):
- every resource whose output one of its inputs carries, and everything in its `depends_on`; a
  local component stands for all its children (the engine capture has them expanded already);
- its provider (the Kubernetes provider waits for the cluster's kubeconfig);
- its parent's registration: a custom parent must be created first; a component parent registers
  once its own `depends_on`, inputs and providers are done, so its children inherit those waits.
A remote component (eks:index:Cluster) is one step: its outputs resolve when all of its children
are done. Local components take no time.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from .plan_model import Plan, PlannedResource


@dataclass(frozen=True)
class Edge:
    """One reason a resource cannot start before `dependency` (a URN) is done."""

    dependency: str
    kind: str  # "input", "depends_on", "provider" or "parent"
    detail: str = ""  # for inputs: which ones carry the dependency's outputs
    via: tuple[str, ...] = ()  # the components it is inherited through, nearest first

    def describe(self, names: Callable[[str], str] = lambda urn: urn) -> str:
        what = {"input": f"input {self.detail}", "depends_on": "depends_on", "provider": "provider", "parent": "parent"}[self.kind]
        if self.via:
            what += " of component " + names(self.via[-1]) + (f" (parent of {names(self.via[0])})" if len(self.via) > 1 else "")
        return what


def is_node(resource: PlannedResource) -> bool:
    """A step of the deployment: custom resources, providers and remote components."""
    return resource.custom or resource.remote


def _own_edges(resource: PlannedResource, nodes: Mapping[str, PlannedResource]) -> list[Edge]:
    inputs: dict[str, list[str]] = {}
    for key, urns in resource.propertyDependencies.items():
        for urn in urns:
            inputs.setdefault(urn, []).append(key)
    edges = [Edge(urn, "input", ", ".join(sorted(keys))) for urn, keys in sorted(inputs.items()) if urn in nodes]
    edges += [Edge(urn, "depends_on") for urn in resource.dependencies if urn not in inputs and urn in nodes]
    providers = sorted({p for p in [resource.provider, *resource.providers] if p in nodes and p not in inputs})
    edges += [Edge(urn, "provider") for urn in providers]
    return edges


def wait_edges(plan: Plan) -> dict[str, list[Edge]]:
    """Every step's waits: its own, then those it inherits from its component parents."""
    by_urn = {r.urn: r for r in plan.resources}
    nodes = {urn: r for urn, r in by_urn.items() if is_node(r)}
    graph: dict[str, list[Edge]] = {}
    for urn, resource in nodes.items():
        edges = _own_edges(resource, nodes)
        via: list[str] = []
        parent = by_urn.get(resource.parent)
        while parent is not None:
            if is_node(parent):
                edges.append(Edge(parent.urn, "parent", via=tuple(via)))
                break
            via.append(parent.urn)
            edges += [replace(edge, via=tuple(via)) for edge in _own_edges(parent, nodes)]
            parent = by_urn.get(parent.parent)
        graph[urn] = edges
    return graph


# Scheduling.


@dataclass(frozen=True)
class Step:
    urn: str
    start: float
    minutes: float
    waited_on: Edge | None  # the wait that ended last; None when it started at once

    @property
    def done(self) -> float:
        return self.start + self.minutes


@dataclass(frozen=True)
class Schedule:
    steps: dict[str, Step]

    @property
    def minutes(self) -> float:
        return max((s.done for s in self.steps.values()), default=0.0)

    @cached_property
    def critical_path(self) -> list[Step]:
        """From the first step to the one that finishes last, following what each waited on."""
        if not self.steps:
            return []
        # Of the steps that end last, one that does something (not one that merely waits).
        last = max(self.steps.values(), key=lambda s: (s.done, s.minutes > 0, s.urn))
        path = [last]
        while path[-1].waited_on is not None:
            path.append(self.steps[path[-1].waited_on.dependency])
        return path[::-1]


def schedule(
    minutes: Mapping[str, float], edges: Mapping[str, Sequence[Edge]], preferred: Callable[[str, Edge], bool] = lambda urn, edge: False
) -> Schedule:
    """Earliest start of every step: when the last thing it waits for is done.

    On a tie, the wait `preferred(urn, edge)` accepts is the one recorded, so a critical path shows
    a needless wait only where it really adds time.
    """
    order = graphlib.TopologicalSorter({urn: {e.dependency for e in edges.get(urn, ())} for urn in minutes})
    steps: dict[str, Step] = {}
    for urn in order.static_order():
        if urn not in minutes:
            raise KeyError(f"{urn} is waited for but is not a step")
        # Rounded: two chains of the same minutes summed in another order must tie.
        waits = sorted(edges.get(urn, ()), key=lambda e: (-round(steps[e.dependency].done, 6), not preferred(urn, e), e.dependency, e.kind))
        start = max((steps[e.dependency].done for e in waits), default=0.0)
        steps[urn] = Step(urn, start, minutes[urn], waits[0] if waits and start > 0 else None)
    return Schedule(steps)
