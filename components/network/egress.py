"""What the private-app subnets must reach outside the VPC, against the stack's NAT strategy and endpoints.

With `natStrategy: none` the private-app subnets have no route out of the VPC: only the S3 gateway
endpoint and the interface endpoints the stack lists answer. A stack whose workloads need more
plans fine and then fails when its tasks start, so these combinations are refused before anything
is registered, naming what to add.
"""

from __future__ import annotations

from collections.abc import Sequence

from components.compute.apps_settings import AppsSettings
from components.compute.eks.eks_settings import EksSettings
from components.compute.workloads import Workload
from components.network.vpc_settings import NetworkSettings
from components.shared.settings_model import Path

# What a Fargate task's own network interface calls before its app starts: the image (the ECR API
# and registry, when it comes from the stack's ECR; layers come through the S3 gateway endpoint),
# the awslogs driver and the secrets injected into its environment.
FARGATE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")

# (area, key path, reason)
EgressProblem = tuple[str, Path, str]


def egress_problems(network: NetworkSettings, apps: AppsSettings, eks: EksSettings, catalog: Sequence[Workload]) -> list[EgressProblem]:
    """Why the stack's workloads could not run with its NAT strategy; empty when they can (or nothing needs out)."""
    if network.nat_strategy != "none":
        return []
    problems: list[EgressProblem] = []
    why_nat = "choose natStrategy single or per-az"
    if eks.enabled:
        problems.append(
            (
                "network",
                ("natStrategy",),
                "is none, but the EKS nodes pull the controllers', monitoring's and runners' images from public registries "
                f"(registry.k8s.io, quay.io, ghcr.io, docker.io) and the runners reach GitHub: {why_nat}, or set ohmycoins:eks.enabled false",
            )
        )
    internet = [w.name for w in catalog if w.internet_https]
    if internet:
        problems.append(
            (
                "network",
                ("natStrategy",),
                f"is none, but {', '.join(internet)} call services on the internet (LLM providers, exchanges, news, mail), "
                f"which no VPC endpoint reaches: {why_nat}",
            )
        )
    if apps.platform != "ecs":
        return problems
    if apps.image_registry is not None:
        problems.append(("apps", ("imageRegistry",), f"'{apps.image_registry}' is outside the VPC and natStrategy is none: {why_nat}"))
    needed = [e for e in FARGATE_ENDPOINTS if apps.image_registry is None or not e.startswith("ecr.")]
    missing = [endpoint for endpoint in needed if endpoint not in network.interface_endpoints]
    if missing:
        problems.append(
            (
                "network",
                ("interfaceEndpoints",),
                f"natStrategy is none, so Fargate tasks pull images, write logs and read secrets through interface endpoints: "
                f"add {', '.join(missing)}",
            )
        )
    if apps.ecs_exec:
        problems.append(
            ("apps", ("ecsExec",), f"ECS Exec sessions reach Systems Manager (ssmmessages), which no endpoint here provides: {why_nat}")
        )
    return problems
