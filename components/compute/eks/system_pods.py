"""What runs on the system nodes, and whether it fits them when there is no apps node group.

Without an apps group (the apps run on ECS), the monitoring pods tolerate the system nodes' taint
and run there beside CoreDNS and the cluster's controllers. The scheduler places pods by their
requests, so the system group's minimum size must hold every request counted here: the ones this
program sets (k8s/chart_values.py reads them from this module) and the defaults of the EKS add-ons
and charts that set their own. Pods that request nothing (several controllers' defaults) are not
counted; they still need room, which the cluster autoscaler adds up to the group's maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.compute.eks.eks_settings import EksSettings
from components.compute.eks.node_sizing import INSTANCE_TYPES, allocatable, cpu_millicores, daemonset_overhead, memory_mib
from components.shared.settings_model import Problem

# Requests of the monitoring stack's pods (k8s/chart_values.py gives each chart these).
PROMETHEUS_REQUESTS = {"cpu": "500m", "memory": "1Gi"}
ALERTMANAGER_REQUESTS = {"cpu": "100m", "memory": "128Mi"}
GRAFANA_REQUESTS = {"cpu": "100m", "memory": "256Mi"}
KUBE_STATE_METRICS_REQUESTS = {"cpu": "50m", "memory": "128Mi"}
LOKI_REQUESTS = {"cpu": "200m", "memory": "256Mi"}
MONITORING_PODS: dict[str, dict[str, str]] = {
    "prometheus": PROMETHEUS_REQUESTS,
    "alertmanager": ALERTMANAGER_REQUESTS,
    "grafana": GRAFANA_REQUESTS,
    "kube-state-metrics": KUBE_STATE_METRICS_REQUESTS,
    "loki": LOKI_REQUESTS,
}
# The runner scale-set controller (k8s/chart_values.py arc_controller_values).
ARC_CONTROLLER_REQUESTS = {"cpu": "50m", "memory": "128Mi"}
# The EKS CoreDNS add-on's default (two replicas) and metrics-server 3.13.0's chart default (per replica).
COREDNS_REQUESTS = {"cpu": "100m", "memory": "70Mi"}
COREDNS_REPLICAS = 2
METRICS_SERVER_REQUESTS = {"cpu": "100m", "memory": "200Mi"}


@dataclass(frozen=True)
class PodRequests:
    name: str
    cpu_m: float
    memory_mib: float


def _pod(name: str, requests: dict[str, str]) -> PodRequests:
    return PodRequests(name, cpu_millicores(requests["cpu"]), memory_mib(requests["memory"]))


def system_pods(eks: EksSettings, monitoring: bool, runners: bool) -> list[PodRequests]:
    """The counted pods on the system nodes of a stack (monitoring only when it has no apps group)."""
    pods = [_pod(f"coredns-{index}", COREDNS_REQUESTS) for index in range(COREDNS_REPLICAS)]
    pods += [_pod(f"metrics-server-{index}", METRICS_SERVER_REQUESTS) for index in range(eks.controller_replicas)]
    if runners:
        pods.append(_pod("arc-controller", ARC_CONTROLLER_REQUESTS))
    if monitoring and eks.node_groups.apps is None:
        pods += [_pod(name, requests) for name, requests in MONITORING_PODS.items()]
    return pods


def system_fit_problems(eks: EksSettings, monitoring: bool, runners: bool) -> list[Problem]:
    """Why the system group's minimum nodes cannot hold its pods (paths inside `ohmycoins:eks`)."""
    system = eks.node_groups.system
    unknown = [
        Problem(
            ("nodeGroups", "system", "instanceTypes", i), f"'{t}' is not in the node sizing table (components/compute/eks/node_sizing.py)"
        )
        for i, t in enumerate(system.instance_types)
        if t not in INSTANCE_TYPES
    ]
    if unknown:
        return unknown
    known = system.instance_types
    pods = system_pods(eks, monitoring, runners)
    ds_cpu, ds_memory = daemonset_overhead()
    # Any of the types may be launched: the smallest one decides.
    node_cpu = min(allocatable(t).cpu_millicores for t in known) - ds_cpu
    node_memory = min(allocatable(t).memory_mib for t in known) - ds_memory
    need_cpu = sum(p.cpu_m for p in pods)
    need_memory = sum(p.memory_mib for p in pods)
    where = "the monitoring stack, CoreDNS and the controllers" if eks.node_groups.apps is None else "CoreDNS and the controllers"
    problems = []
    for kind, need, per_node, unit in (("cpu", need_cpu, node_cpu, "m"), ("memory", need_memory, node_memory, "Mi")):
        if need > per_node * system.min_size:
            problems.append(
                Problem(
                    ("nodeGroups", "system", "minSize"),
                    f"{where} request {need:g}{unit} {kind} but {system.min_size} system node(s) of the smallest listed type hold "
                    f"{per_node * system.min_size:g}{unit} after the DaemonSets; raise minSize or choose larger instanceTypes",
                )
            )
    largest = max(pods, key=lambda p: p.memory_mib)
    if largest.memory_mib > node_memory or max(p.cpu_m for p in pods) > node_cpu:
        problems.append(Problem(("nodeGroups", "system", "instanceTypes"), f"a {largest.name} pod does not fit one system node"))
    return problems
