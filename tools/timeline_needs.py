"""Which waits a resource really needs: the floor of a deployment is the longest chain of these.

A wait is a real need when the resource cannot be created, or cannot become ready, before the
other one exists:
- one of its own inputs carries the other's output (a node group's `clusterName`, a role ARN in a
  Helm release's values): it is created with that value;
- its provider is configured from the other (the Kubernetes provider from the cluster's kubeconfig);
- its parent is a custom resource (it must exist first);
- an ordering the services impose without passing a value, listed below with the reason (nodes
  need the CNI, a Helm release needs nodes and add-ons to run its pods, a custom resource needs the
  chart that installs its CRD, CloudTrail checks its bucket policy, ...).
Any other wait (a `depends_on`, or a component's `depends_on` or providers inherited by every
child) only serialises the deployment: it is reported with where in the code it comes from.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from .plan_model import Plan, PlannedResource
from .timeline_graph import Edge, is_node, wait_edges

ROLE_GRANTS = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
# Kubernetes objects whose creation Pulumi awaits until their pods run.
RUNS_PODS = (
    "kubernetes:helm.sh/v3:Release",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job",
)
# The EKS add-ons nodes need before they turn Ready (the cluster bootstraps none itself).
NODE_ADDONS = ("vpc-cni", "kube-proxy")
# CRD API group -> the chart that installs it.
CRD_CHARTS = {
    "external-secrets.io": "external-secrets",
    "elbv2.k8s.aws": "aws-load-balancer-controller",
    "monitoring.coreos.com": "kube-prometheus-stack",
}


@dataclass(frozen=True)
class OrderingNeed:
    """`dependent` cannot be created (or become ready) before `dependency`, though no value passes."""

    dependent: Callable[[PlannedResource], bool]
    dependency: Callable[[PlannedResource], bool]
    why: str
    # Every such dependent must wait, directly or not, for every such dependency in the plan
    # (`unmet_needs`); the others only say which existing waits are needed.
    required: bool = False
    # When set, only the pairs it accepts are needs (an object needs its own namespace, not any).
    related: Callable[[PlannedResource, PlannedResource], bool] | None = None

    def holds(self, dependent: PlannedResource, dependency: PlannedResource) -> bool:
        return self.dependent(dependent) and self.dependency(dependency) and (self.related is None or self.related(dependent, dependency))


def of_type(*patterns: str, **inputs: str) -> Callable[[PlannedResource], bool]:
    """A resource whose type matches one pattern and whose inputs match each `inputs` pattern."""

    def matches(resource: PlannedResource) -> bool:
        return any(fnmatch.fnmatchcase(resource.type, p) for p in patterns) and all(
            isinstance(resource.inputs.get(k), str) and fnmatch.fnmatchcase(resource.inputs[k], v) for k, v in inputs.items()
        )

    return matches


def _addon(names: tuple[str, ...], among: bool) -> Callable[[PlannedResource], bool]:
    return lambda r: r.type == "aws:eks/addon:Addon" and (r.inputs.get("addonName") in names) == among


def _in_its_namespace(dependent: PlannedResource, namespace: PlannedResource) -> bool:
    """Whether `dependent` (a Kubernetes object or a Helm release) lives in `namespace`."""
    own = (dependent.inputs.get("metadata") or {}).get("namespace") or dependent.inputs.get("namespace")
    return own is not None and own == (namespace.inputs.get("metadata") or {}).get("name")


def _custom_resource_of(group: str) -> Callable[[PlannedResource], bool]:
    return lambda r: r.type.startswith(f"kubernetes:{group}/")


ORDERING_NEEDS: tuple[OrderingNeed, ...] = (
    OrderingNeed(
        of_type("*"),
        of_type("aws:cloudwatch/logGroup:LogGroup"),
        "the service creates a log group of that name itself on its first write; created first, it keeps its retention and key",
    ),
    OrderingNeed(
        of_type("aws:eks/nodeGroup:NodeGroup"),
        _addon(NODE_ADDONS, among=True),
        "nodes turn Ready only once the CNI and kube-proxy run; EKS fails a node group whose nodes never do",
        required=True,
    ),
    OrderingNeed(
        _addon(NODE_ADDONS, among=False),
        of_type("aws:eks/nodeGroup:NodeGroup"),
        "the add-on's pods need nodes; EKS reports it ACTIVE only once they run",
        required=True,
    ),
    OrderingNeed(
        of_type(*RUNS_PODS),
        of_type("aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"),
        "its pods need nodes, and the networking, DNS and storage drivers the add-ons run, to become ready",
        required=True,
    ),
    OrderingNeed(
        of_type(*RUNS_PODS),
        of_type("kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:PersistentVolumeClaim"),
        "its pods mount it",
    ),
    OrderingNeed(
        of_type(*RUNS_PODS),
        of_type("kubernetes:external-secrets.io/*:ExternalSecret"),
        "its pods read the Secret it syncs",
    ),
    OrderingNeed(
        of_type("kubernetes:apps/v1:Deployment"),
        of_type("kubernetes:helm.sh/v3:Release", chart="*aws-load-balancer-controller"),
        "pods behind a TargetGroupBinding carry a readiness gate only the load balancer controller clears",
    ),
    OrderingNeed(
        of_type("kubernetes:external-secrets.io/*:ExternalSecret"),
        of_type("kubernetes:external-secrets.io/*:ClusterSecretStore"),
        "it syncs through the store",
    ),
    # Namespaces are named by constants, not outputs: only a wait orders them before their objects,
    # and without it the API server refuses the object on a first `pulumi up`.
    OrderingNeed(
        of_type("kubernetes:*"),
        of_type("kubernetes:core/v1:Namespace"),
        "a namespaced object needs its namespace",
        required=True,
        related=_in_its_namespace,
    ),
    OrderingNeed(
        of_type("kubernetes:core/v1:PersistentVolumeClaim"),
        of_type("kubernetes:core/v1:PersistentVolume", "kubernetes:storage.k8s.io/v1:StorageClass"),
        "the claim binds to it",
    ),
    *(
        OrderingNeed(
            _custom_resource_of(group),
            of_type("kubernetes:helm.sh/v3:Release", chart=f"*{chart}"),
            f"its kind is a CRD the {chart} chart installs, served through that chart's webhook",
            required=True,
        )
        for group, chart in CRD_CHARTS.items()
    ),
    OrderingNeed(
        of_type("kubernetes:helm.sh/v3:Release", chart="*prometheus-cloudwatch-exporter"),
        of_type("kubernetes:helm.sh/v3:Release", chart="*kube-prometheus-stack"),
        "its chart ships a ServiceMonitor, a CRD the kube-prometheus-stack chart installs",
        required=True,
    ),
    OrderingNeed(
        of_type("kubernetes:helm.sh/v3:Release", chart="*gha-runner-scale-set"),
        of_type("kubernetes:helm.sh/v3:Release", chart="*gha-runner-scale-set-controller"),
        "a runner scale set is an AutoscalingRunnerSet, a CRD the controller chart installs",
        required=True,
    ),
    OrderingNeed(
        of_type("aws:ecs/service:Service"),
        of_type("aws:lb/listener:Listener"),
        "ECS refuses a target group that no load balancer listener uses",
    ),
    OrderingNeed(
        of_type("aws:ecs/service:Service", "aws:scheduler/schedule:Schedule"),
        of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"),
        "its capacity provider strategy names providers the cluster must already have",
    ),
    OrderingNeed(
        of_type("aws:ecs/service:Service"), of_type("aws:efs/mountTarget:MountTarget"), "its tasks mount the file system at launch"
    ),
    OrderingNeed(
        of_type("aws:cloudtrail/trail:Trail", "aws:lb/loadBalancer:LoadBalancer", "aws:cfg/deliveryChannel:DeliveryChannel"),
        of_type("aws:s3/bucketPolicy:BucketPolicy"),
        "the service checks it may write to the bucket when it is created",
    ),
    OrderingNeed(
        of_type("aws:s3/bucketPolicy:BucketPolicy"),
        of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
        "S3 refuses concurrent changes to one bucket's configuration (OperationAborted)",
    ),
    OrderingNeed(
        of_type("aws:cfg/deliveryChannel:DeliveryChannel", "aws:cfg/rule:Rule"),
        of_type("aws:cfg/recorder:Recorder"),
        "AWS Config refuses it without a configuration recorder",
    ),
    OrderingNeed(
        of_type("aws:cfg/recorderStatus:RecorderStatus"),
        of_type("aws:cfg/deliveryChannel:DeliveryChannel"),
        "AWS Config starts no recorder without a delivery channel",
    ),
    OrderingNeed(
        of_type("aws:ec2/natGateway:NatGateway"),
        of_type("aws:ec2/internetGateway:InternetGateway"),
        "a public NAT gateway needs the VPC's internet gateway attached",
    ),
)


class Needs:
    """Answers, for one plan, why a resource needs a wait (None: it does not)."""

    def __init__(self, plan: Plan):
        self._plan = plan
        self._by_urn = {r.urn: r for r in plan.resources}
        self.why = cache(self._why)
        self._inputs_reach = cache(self._reach)

    def _why(self, urn: str, edge: Edge) -> str | None:
        dependent, dependency = self._by_urn[urn], self._by_urn[edge.dependency]
        if not edge.via:
            if edge.kind == "input":
                return f"its input {edge.detail} carries the value"
            if edge.kind in ("provider", "parent"):
                return f"its {edge.kind} is that resource"
        for need in ORDERING_NEEDS:
            if need.holds(dependent, dependency):
                return need.why
        if dependency.type in ROLE_GRANTS and self._grants_a_role_it_uses(urn, dependency):
            return "it runs with that role, which needs these permissions before the service first uses them"
        return None

    def _grants_a_role_it_uses(self, urn: str, grant: PlannedResource) -> bool:
        roles = set(grant.propertyDependencies.get("role", ()))
        return bool(roles & self._inputs_reach(urn))

    def _reach(self, urn: str) -> frozenset[str]:
        """Everything whose outputs reach the resource through inputs, directly or through other resources."""
        seen: set[str] = set()
        todo = [urn]
        while todo:
            for urns in self._by_urn[todo.pop()].propertyDependencies.values():
                for found in urns:
                    if found not in seen and found in self._by_urn:
                        seen.add(found)
                        todo.append(found)
        return frozenset(seen)


def unmet_needs(plan: Plan) -> list[str]:
    """Required orderings the plan lacks: a dependent that does not wait, even through others, for a dependency."""
    edges = wait_edges(plan)
    nodes = [r for r in plan.resources if is_node(r)]
    upstream: dict[str, frozenset[str]] = {}

    def waits_for(urn: str) -> frozenset[str]:
        if urn not in upstream:
            found: set[str] = set()
            todo = [e.dependency for e in edges[urn]]
            while todo:
                current = todo.pop()
                if current not in found:
                    found.add(current)
                    todo += [e.dependency for e in edges[current]]
            upstream[urn] = frozenset(found)
        return upstream[urn]

    unmet = []
    for need in (n for n in ORDERING_NEEDS if n.required):
        for dependent in (r for r in nodes if need.dependent(r)):
            dependencies = [d for d in nodes if d.urn != dependent.urn and need.holds(dependent, d)]
            missing = sorted(d.name for d in dependencies if d.urn not in waits_for(dependent.urn))
            if missing:
                unmet.append(f"{dependent.name} ({dependent.type}) does not wait for {', '.join(missing)}: {need.why}")
    return unmet
