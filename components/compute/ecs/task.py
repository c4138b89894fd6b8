"""A catalog workload as an ECS container definition and capacity strategy: pure functions, no resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.compute.workloads import Probe, SecretRef, Workload

# Where each task writes its logs inside its group.
LOG_STREAM_PREFIX = "ecs"
# The name of the EFS volume in a task definition with shared storage.
SHARED_VOLUME = "shared"
# Task-local writable directories (Fargate task storage) are volumes `scratch-<n>`.
SCRATCH_VOLUME = "scratch"
# ECS Exec's agent writes its state, logs and binaries' work files here. AWS documents Exec as
# unsupported with a read-only root filesystem; these writable paths are what its agent needs to run
# in one (aws/containers-roadmap#1359, aws-containers/amazon-ecs-exec-checker#71).
EXEC_AGENT_PATHS = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")


@dataclass(frozen=True)
class SecretArns:
    """The Secrets Manager secrets a task may reference."""

    app: str
    database: str
    cache: str


def value_from(ref: SecretRef, arns: SecretArns) -> str:
    """ECS `valueFrom` of one secret variable: `<arn>:<json key>::` (AWSCURRENT)."""
    if ref.source == "app":
        return f"{arns.app}:{ref.key}::"
    if ref.source == "database-password":
        return f"{arns.database}:password::"
    return f"{arns.cache}:REDIS_PASSWORD::"


def secret_arns_used(refs: tuple[SecretRef, ...], arns: SecretArns) -> list[str]:
    """The secrets (whole-secret ARNs) these references read."""
    by_source = {"app": arns.app, "database-password": arns.database, "cache-auth-token": arns.cache}
    return sorted({by_source[ref.source] for ref in refs})


def scratch_mounts(item: Workload, exec_agent: bool) -> list[tuple[str, str]]:
    """(volume, container path) of each writable task-local directory: the catalog's, and ECS Exec's when on."""
    paths = [*item.scratch_paths, *(EXEC_AGENT_PATHS if exec_agent else ())]
    return [(f"{SCRATCH_VOLUME}-{index}", path) for index, path in enumerate(paths)]


def health_check(probe: Probe) -> dict:
    """The container check from the liveness probe, within ECS's limits."""
    return {
        "command": ["CMD-SHELL", f"curl -fsS http://localhost:{probe.port}{probe.path} > /dev/null || exit 1"],
        "interval": min(max(probe.period_seconds, 5), 300),
        "timeout": min(max(probe.timeout_seconds, 2), 60),
        "retries": min(max(probe.failure_threshold, 1), 10),
        "startPeriod": min(max(probe.initial_delay_seconds, 0), 300),
    }


def container_definition(
    item: Workload,
    image: str,
    environment: Mapping[str, object],
    secrets: tuple[SecretRef, ...],
    arns: SecretArns,
    log_group: str,
    region: str,
    exec_agent: bool = False,
) -> dict:
    """The one container of the workload's task: plain values in `environment`, secrets only as `valueFrom`,
    a read-only root filesystem with the catalog's scratch directories (and ECS Exec's, with `exec_agent`) writable."""
    plain_names = set(environment)
    clash = plain_names & {ref.env for ref in secrets}
    if clash:
        raise ValueError(f"workload '{item.name}' has {', '.join(sorted(clash))} both as plain environment and as a secret")
    definition: dict = {
        "name": item.name,
        "image": image,
        "essential": True,
        "environment": [{"name": key, "value": str(value)} for key, value in sorted(environment.items())],
        "secrets": [{"name": ref.env, "valueFrom": value_from(ref, arns)} for ref in sorted(secrets, key=lambda r: r.env)],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": LOG_STREAM_PREFIX},
        },
        # An init process reaps zombies and lets ECS Exec sessions start cleanly.
        "linuxParameters": {"initProcessEnabled": True},
        # AWS FSBP ECS.5: nothing in the image can be changed at run time.
        "readonlyRootFilesystem": True,
    }
    if item.command:
        definition["command"] = list(item.command)
    if item.port is not None:
        definition["portMappings"] = [{"name": "http", "containerPort": item.port, "protocol": "tcp"}]
    if item.liveness is not None:
        definition["healthCheck"] = health_check(item.liveness)
    mounts = [{"sourceVolume": volume, "containerPath": path, "readOnly": False} for volume, path in scratch_mounts(item, exec_agent)]
    if item.storage is not None:
        mounts.append({"sourceVolume": SHARED_VOLUME, "containerPath": item.storage.mount_path, "readOnly": False})
    if mounts:
        definition["mountPoints"] = mounts
    return definition


# Services keep this many tasks on on-demand Fargate when the stack prefers Spot.
ON_DEMAND_BASE = 1


def uses_spot(item: Workload, prefer_spot: bool) -> bool:
    """Whether any task the workload normally runs is on Fargate Spot."""
    if not prefer_spot:
        return False
    return item.kind != "service" or item.desired_count > ON_DEMAND_BASE


def task_architecture(item: Workload, prefer_spot: bool, architecture: str) -> str:
    """The task definition's CPU architecture: Graviton where the stack asks and the task runs on-demand.

    Fargate Spot runs X86_64 tasks only (AWS's Fargate capacity provider considerations), and Spot
    saves about 70 % where Graviton saves 20 %: a workload with Spot tasks stays X86_64.
    """
    if architecture == "arm64" and not uses_spot(item, prefer_spot):
        return "ARM64"
    return "X86_64"


def capacity_strategy(item: Workload, prefer_spot: bool, cpu_architecture: str = "X86_64") -> list[dict]:
    """Where the tasks run: on-demand Fargate, or Spot with one on-demand task kept for services."""
    if not prefer_spot or cpu_architecture == "ARM64":
        return [{"capacity_provider": "FARGATE", "weight": 1}]
    if item.kind == "service":
        # The first task is on-demand, so a Spot reclaim never takes the whole service away.
        return [
            {"capacity_provider": "FARGATE", "base": ON_DEMAND_BASE, "weight": 0},
            {"capacity_provider": "FARGATE_SPOT", "weight": 1},
        ]
    return [{"capacity_provider": "FARGATE_SPOT", "weight": 1}]
