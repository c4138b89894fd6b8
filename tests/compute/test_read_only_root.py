"""Read-only root filesystems on both platforms, with the same writable directories from the catalog."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from components.compute.workloads import CATALOG, catalog_problems, workload

# What each workload may write (besides nothing else): the catalog's scratch directories and its shared storage.
WRITABLE = {
    "backend": ["/tmp"],
    "frontend": ["/tmp", "/var/cache/nginx", "/var/run"],
    "defillama": ["/tmp"],
    "sec-api": ["/tmp"],
    "coinspot-announcements": ["/tmp"],
    "reddit": ["/tmp"],
    "cryptopanic": ["/tmp"],
    "agents": ["/tmp", "/app/artifacts"],
}
# ECS Exec's agent (staging turns Exec on; only long-running tasks are exec'd into).
EXEC_AGENT = ["/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"]
JOBS = {"defillama", "sec-api", "coinspot-announcements"}


def ecs_containers(plan) -> dict[str, tuple[dict, dict]]:
    """Workload -> (its container definition, its task definition)."""
    found = {}
    for task in plan.all("aws:ecs/taskDefinition:TaskDefinition"):
        [container] = json.loads(task.inputs["containerDefinitions"])
        found[container["name"]] = (container, task)
    return found


@pytest.mark.parametrize("stack, ecs_exec", [("staging", True), ("production", False)])
def test_every_ecs_container_has_a_read_only_root_and_only_its_declared_writable_paths(request, stack, ecs_exec):
    plan = request.getfixturevalue(f"{stack}_plan")
    containers = ecs_containers(plan)
    assert set(containers) == set(WRITABLE)
    for name, (container, task) in containers.items():
        assert container["readonlyRootFilesystem"] is True, name
        exec_paths = EXEC_AGENT if ecs_exec and name not in JOBS else []
        mounts = container["mountPoints"]
        assert sorted(m["containerPath"] for m in mounts) == sorted(WRITABLE[name] + exec_paths), name
        volumes = {v["name"]: v for v in task.inputs["volumes"]}
        for mount in mounts:
            volume = volumes[mount["sourceVolume"]]
            if mount["containerPath"] != "/app/artifacts":
                # No host path and no file system: Fargate's own, task-local storage that goes with the task.
                assert set(volume) == {"name"}, (name, volume)
        assert len(volumes) == len(mounts), name


def test_kubernetes_pods_write_exactly_where_ecs_tasks_do(eks_apps_plan):
    pods = {}
    for kind, path in (
        ("kubernetes:apps/v1:Deployment", ("template",)),
        ("kubernetes:batch/v1:CronJob", ("jobTemplate", "spec", "template")),
    ):
        for obj in eks_apps_plan.all(kind):
            template = obj.inputs["spec"]
            for key in path:
                template = template[key]
            pods[obj.inputs["metadata"]["name"]] = template["spec"]
    assert set(pods) == set(WRITABLE)
    for name, spec in pods.items():
        [container] = spec["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert sorted(m["mountPath"] for m in container["volumeMounts"]) == sorted(WRITABLE[name]), name
        volumes = {v["name"]: v for v in spec["volumes"]}
        for mount in container["volumeMounts"]:
            if mount["mountPath"] != "/app/artifacts":
                assert "emptyDir" in volumes[mount["name"]], name


@pytest.mark.parametrize(
    "paths, problem",
    [
        (("tmp",), "scratch path 'tmp' must be an absolute directory other than /"),
        (("/",), "scratch path '/' must be an absolute directory other than /"),
        (("/var/../etc",), "scratch path '/var/../etc' must be an absolute directory other than /"),
        (("/tmp", "/tmp"), "a scratch path repeats, or is also the shared storage's mount path"),
        (("/app/artifacts",), "a scratch path repeats, or is also the shared storage's mount path"),
    ],
)
def test_the_catalog_refuses_unusable_scratch_paths(paths, problem):
    broken = tuple(replace(w, scratch_paths=paths) if w.name == "agents" else w for w in CATALOG)
    assert f"workload 'agents': {problem}" in catalog_problems(broken)
    assert workload("agents").scratch_paths == ("/tmp",)
