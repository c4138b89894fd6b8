"""The application workloads on EKS, rendered from the same catalog as ECS (`ohmycoins:apps.platform: eks`).

Per stack: a restricted-PSS namespace; per workload a service account, a ConfigMap of plain
settings, an ExternalSecret of exactly the keys it reads, a Deployment or CronJob, and for
services a Service, PodDisruptionBudget, HPA and (when routed) a TargetGroupBinding to the
Edge's target group. NetworkPolicies come from k8s/network_policies.py; Stakater Reloader restarts
Deployments whose Secret changed (k8s/reloader.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.compute.eks.nodes import APPS
from components.compute.workloads import ImagePin, RuntimeContext, Workload, plain_environment, secrets_for

from . import manifests
from .network_policies import NetworkContext, network_policies
from .observability import helm_release
from .reloader import RELOADER_RELEASE, reloader_values

EFS_STORAGE_CLASS = "efs-sc"


@dataclass(frozen=True)
class KubernetesAppsArgs:
    catalog: tuple[Workload, ...]
    namespace: str
    runtime: RuntimeContext
    # image repository name ("backend") -> full image reference with tag or digest
    images: Mapping[str, pulumi.Input[str]]
    # image repository name -> how the stack names it (components.compute.registry.image_pins)
    image_pins: Mapping[str, ImagePin]
    app_secret_keys: Sequence[str]
    # SecretRef source ("app", "database-password", "cache-auth-token") -> Secrets Manager ARN
    secret_sources: Mapping[str, pulumi.Input[str]]
    secret_store: str
    target_group_arns: Mapping[str, pulumi.Input[str]]
    network: NetworkContext
    # SharedStorage name -> EFS CSI volume handle `<file system id>::<access point id>`
    volume_handles: Mapping[str, pulumi.Input[str]]
    protect: bool
    k8s_provider: k8s.Provider
    # The controllers (External Secrets, LB controller, CSI drivers) the objects need first.
    depends_on: Sequence[pulumi.Resource] = ()


class KubernetesApps(pulumi.ComponentResource):
    """Every catalog workload as Kubernetes objects in the stack's namespace."""

    namespace: str

    def __init__(self, name: str, args: KubernetesAppsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:k8s:KubernetesApps", name, None, opts)
        ns = args.namespace
        self.namespace = ns
        base = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=list(args.depends_on))
        namespace = k8s.core.v1.Namespace(f"{name}-namespace", **manifests.namespace(ns), opts=base)
        in_ns = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[*args.depends_on, namespace])

        for policy_name, policy in network_policies(args.catalog, args.network).items():
            k8s.networking.v1.NetworkPolicy(f"{name}-netpol-{policy_name}", **policy, opts=in_ns)
        # Rolls the Deployments whose Secret External Secrets refreshed with a rotated value.
        helm_release(f"{name}-reloader", "reloader", RELOADER_RELEASE, ns, reloader_values(APPS.node_selector), in_ns)

        claims: dict[str, k8s.core.v1.PersistentVolumeClaim] = {}
        stored = [item for item in args.catalog if item.storage is not None]
        if stored:
            storage_class = k8s.storage.v1.StorageClass(f"{name}-efs", **manifests.efs_storage_class(EFS_STORAGE_CLASS), opts=base)
            for item in stored:
                assert item.storage is not None
                if item.storage.name not in args.volume_handles:
                    raise ValueError(f"workload '{item.name}' needs shared storage '{item.storage.name}', but no EFS volume was given")
                stateful = pulumi.ResourceOptions(
                    parent=self, provider=args.k8s_provider, depends_on=[*args.depends_on, storage_class], protect=args.protect
                )
                volume = k8s.core.v1.PersistentVolume(
                    f"{name}-{item.storage.name}-volume",
                    **manifests.persistent_volume(item, ns, EFS_STORAGE_CLASS, args.volume_handles[item.storage.name]),
                    opts=stateful,
                )
                claims[item.name] = k8s.core.v1.PersistentVolumeClaim(
                    f"{name}-{item.storage.name}",
                    **manifests.persistent_volume_claim(item, ns, EFS_STORAGE_CLASS),
                    opts=pulumi.ResourceOptions.merge(stateful, pulumi.ResourceOptions(depends_on=[namespace, volume])),
                )

        for item in args.catalog:
            self._workload(name, item, args, in_ns, claims.get(item.name))
        self.register_outputs({"namespace": ns})

    def _workload(
        self,
        name: str,
        item: Workload,
        args: KubernetesAppsArgs,
        in_ns: pulumi.ResourceOptions,
        claim: k8s.core.v1.PersistentVolumeClaim | None,
    ) -> None:
        ns = args.namespace
        prefix = f"{name}-{item.name}"
        account = k8s.core.v1.ServiceAccount(f"{prefix}-sa", **manifests.service_account(item, ns), opts=in_ns)
        env = {key: pulumi.Output.from_input(value).apply(str) for key, value in plain_environment(item, args.runtime).items()}
        config = k8s.core.v1.ConfigMap(f"{prefix}-config", **manifests.config_map(item, ns, env), opts=in_ns)
        needs: list[pulumi.Resource] = [account, config]
        refs = secrets_for(item, args.app_secret_keys)
        if refs:
            needs.append(
                k8s.apiextensions.CustomResource(
                    f"{prefix}-secrets", **manifests.external_secret(item, ns, refs, args.secret_sources, args.secret_store), opts=in_ns
                )
            )
        if claim is not None:
            needs.append(claim)
        image = args.images[item.image]
        pin = args.image_pins[item.image]
        after = pulumi.ResourceOptions.merge(in_ns, pulumi.ResourceOptions(depends_on=needs))
        if item.kind == "job":
            k8s.batch.v1.CronJob(f"{prefix}-cronjob", **manifests.cron_job(item, ns, image, bool(refs), pin), opts=after)
            return
        deployment = k8s.apps.v1.Deployment(f"{prefix}-deployment", **manifests.deployment(item, ns, image, bool(refs), pin), opts=after)
        if item.kind != "service" or item.port is None:
            return
        service = k8s.core.v1.Service(f"{prefix}-service", **manifests.service(item, ns), opts=in_ns)
        k8s.policy.v1.PodDisruptionBudget(f"{prefix}-pdb", **manifests.pod_disruption_budget(item, ns), opts=in_ns)
        if item.scaling is not None:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{prefix}-hpa",
                **manifests.horizontal_pod_autoscaler(item, ns),
                opts=pulumi.ResourceOptions.merge(in_ns, pulumi.ResourceOptions(depends_on=[deployment])),
            )
        if item.route is not None:
            k8s.apiextensions.CustomResource(
                f"{prefix}-target-group-binding",
                **manifests.target_group_binding(item, ns, args.target_group_arns[item.name]),
                opts=pulumi.ResourceOptions.merge(in_ns, pulumi.ResourceOptions(depends_on=[service])),
            )
