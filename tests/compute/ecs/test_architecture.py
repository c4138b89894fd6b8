"""Graviton Fargate tasks where they run on-demand; Fargate Spot (x86 only) where it saves more."""

from __future__ import annotations

import dataclasses

from components.compute.ecs.task import capacity_strategy, task_architecture, uses_spot
from components.compute.workloads import CATALOG

TASK = "aws:ecs/taskDefinition:TaskDefinition"


def _workload(name):
    return next(w for w in CATALOG if w.name == name)


def _architectures(plan):
    return {t.inputs["family"].split("-", 2)[2]: t.inputs["runtimePlatform"]["cpuArchitecture"] for t in plan.all(TASK)}


def test_staging_runs_its_on_demand_tasks_on_graviton_and_its_spot_tasks_on_x86(staging_plan, production_plan):
    assert _architectures(staging_plan) == {
        "agents": "ARM64",
        "backend": "ARM64",
        "frontend": "ARM64",
        "cryptopanic": "X86_64",
        "reddit": "X86_64",
        "defillama": "X86_64",
        "sec-api": "X86_64",
        "coinspot-announcements": "X86_64",
    }
    assert set(_architectures(production_plan).values()) == {"X86_64"}


def test_a_service_runs_on_spot_only_beyond_its_on_demand_base():
    backend = _workload("backend")
    assert not uses_spot(backend, prefer_spot=True)
    assert uses_spot(dataclasses.replace(backend, desired_count=2), prefer_spot=True)
    assert uses_spot(_workload("reddit"), prefer_spot=True)
    assert not uses_spot(_workload("reddit"), prefer_spot=False)


def test_graviton_tasks_never_ask_for_fargate_spot():
    agents = dataclasses.replace(_workload("agents"), desired_count=1)
    assert task_architecture(agents, prefer_spot=True, architecture="arm64") == "ARM64"
    assert capacity_strategy(agents, True, "ARM64") == [{"capacity_provider": "FARGATE", "weight": 1}]
    two = _workload("agents")
    assert task_architecture(two, prefer_spot=True, architecture="arm64") == "X86_64"
    assert capacity_strategy(two, True, "X86_64")[1] == {"capacity_provider": "FARGATE_SPOT", "weight": 1}
    assert task_architecture(two, prefer_spot=False, architecture="x86_64") == "X86_64"
