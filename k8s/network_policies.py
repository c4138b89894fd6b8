"""NetworkPolicies of the app namespace: deny everything, then allow exactly the flows the apps need.

Enforced by the VPC CNI's network policy agent (`enableNetworkPolicy`, components/compute/eks/addons.py).
Pods are selected by the labels k8s/manifests.py puts on them; traffic that leaves the cluster
(database, cache, internet) is written as ipBlocks, since namespace selectors only match pods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components.compute.workloads import Workload

from .manifests import metadata, selector
from .reloader import RELOADER_NAME

DNS_PORT = 53
POSTGRES_PORT = 5432
REDIS_PORT = 6379
HTTPS_PORT = 443
MONITORING_NAMESPACE = "monitoring"

# Which workloads call which over HTTP inside the namespace (caller -> callees).
CALLS = {
    "collectors": ("backend",),
    "agents": ("backend",),
    "backend": ("agents",),
}


def _group(item: Workload) -> str:
    """The catalog's `app` label: collectors share one group."""
    return item.labels.get("app", item.name)


@dataclass(frozen=True)
class NetworkContext:
    namespace: str
    vpc_cidr: str
    load_balancer_cidrs: Sequence[str]  # the ALB's (public) subnets
    data_cidrs: Sequence[str]  # database and cache subnets
    smtp_port: int | None = None  # the SMTP server's port, for the workloads that send mail


def _ip_blocks(cidrs: Sequence[str]) -> list[dict]:
    return [{"ipBlock": {"cidr": cidr}} for cidr in cidrs]


def _tcp(*ports: int) -> list[dict]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def default_deny(ctx: NetworkContext) -> dict:
    return {"metadata": metadata("default-deny", ctx.namespace), "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}


def allow_dns(ctx: NetworkContext) -> dict:
    return {
        "metadata": metadata("allow-dns", ctx.namespace),
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
                }
            ],
        },
    }


def workload_policy(item: Workload, catalog: Sequence[Workload], ctx: NetworkContext) -> dict:
    """Ingress to the workload's port from its callers (and the ALB, and Prometheus); egress where it must go."""
    group = _group(item)
    ingress: list[dict] = []
    if item.port is not None:
        callers = [w for w in catalog if item.name in CALLS.get(_group(w), ()) or group in CALLS.get(_group(w), ())]
        sources: list[dict] = [{"podSelector": {"matchLabels": selector(w)}} for w in callers if w.name != item.name]
        if item.route is not None:
            sources += _ip_blocks(ctx.load_balancer_cidrs)
        if sources:
            ingress.append({"from": sources, "ports": _tcp(item.port)})
        if item.metrics_path:
            ingress.append(
                {
                    "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}],
                    "ports": _tcp(item.port),
                }
            )
    egress: list[dict] = []
    data_ports = [port for name, port in (("database", POSTGRES_PORT), ("cache", REDIS_PORT)) if name in item.connections]
    if data_ports:
        egress.append({"to": _ip_blocks(ctx.data_cidrs), "ports": _tcp(*data_ports)})
    callees = [w for w in catalog if w.port is not None and (w.name in CALLS.get(group, ()) or _group(w) in CALLS.get(group, ()))]
    for callee in callees:
        egress.append({"to": [{"podSelector": {"matchLabels": selector(callee)}}], "ports": _tcp(callee.port)})  # type: ignore[arg-type]
    if "mail" in item.connections and ctx.smtp_port is not None and ctx.smtp_port != HTTPS_PORT:
        egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [ctx.vpc_cidr]}}], "ports": _tcp(ctx.smtp_port)})
    if item.internet_https:
        egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [ctx.vpc_cidr]}}], "ports": _tcp(HTTPS_PORT)})
    spec: dict[str, Any] = {"podSelector": {"matchLabels": selector(item)}, "policyTypes": ["Ingress", "Egress"]}
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {"metadata": metadata(item.name, ctx.namespace), "spec": spec}


def reloader_policy(ctx: NetworkContext) -> dict:
    """Reloader talks to the Kubernetes API only: the private endpoint's network interfaces in the VPC, on 443."""
    return {
        "metadata": metadata(RELOADER_NAME, ctx.namespace),
        "spec": {
            "podSelector": {"matchLabels": {"app": RELOADER_NAME}},
            "policyTypes": ["Ingress", "Egress"],
            "egress": [{"to": _ip_blocks([ctx.vpc_cidr]), "ports": _tcp(HTTPS_PORT)}],
        },
    }


def network_policies(catalog: Sequence[Workload], ctx: NetworkContext) -> dict[str, dict]:
    """Policy name -> object."""
    policies = {"default-deny": default_deny(ctx), "allow-dns": allow_dns(ctx), RELOADER_NAME: reloader_policy(ctx)}
    for item in catalog:
        policies[item.name] = workload_policy(item, catalog, ctx)
    return policies
