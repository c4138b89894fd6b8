"""Cluster controllers installed with Helm (pinned chart versions), each with its own IRSA role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.compute.eks.eks_settings import AUTOSCALER_RELEASES
from components.compute.eks.irsa import IrsaRole, IrsaRoleArgs
from components.compute.eks.nodes import SYSTEM, SYSTEM_TOLERATION
from components.compute.eks.policies import cluster_autoscaler_policy, external_secrets_policy, load_balancer_controller_policy

SECRET_STORE_NAME = "aws-secrets-manager"


@dataclass(frozen=True)
class Chart:
    repository: str
    chart: str
    version: str  # pinned: an upgrade is a reviewed code change
    namespace: str
    service_account: str


CHARTS = {
    # App v2.13.4; serves TargetGroupBinding elbv2.k8s.aws/v1beta1.
    "aws-load-balancer-controller": Chart(
        "https://aws.github.io/eks-charts", "aws-load-balancer-controller", "1.13.4", "kube-system", "aws-load-balancer-controller"
    ),
    # The chart's image follows the cluster's minor version (`autoscaler_image_tag`).
    "cluster-autoscaler": Chart(
        "https://kubernetes.github.io/autoscaler", "cluster-autoscaler", "9.50.1", "kube-system", "cluster-autoscaler"
    ),
    "metrics-server": Chart(
        "https://kubernetes-sigs.github.io/metrics-server/", "metrics-server", "3.13.0", "kube-system", "metrics-server"
    ),
    # Serves external-secrets.io/v1 (ClusterSecretStore, ExternalSecret).
    "external-secrets": Chart("https://charts.external-secrets.io", "external-secrets", "0.20.1", "external-secrets", "external-secrets"),
}


_ON_SYSTEM_NODES = {"nodeSelector": SYSTEM.node_selector, "tolerations": [SYSTEM_TOLERATION]}


def autoscaler_image_tag(version: str) -> str:
    """The settings refuse a version without a pinned autoscaler release (components/compute/eks/eks_settings.py)."""
    return AUTOSCALER_RELEASES[version]


def _service_account(role_arn: pulumi.Input[str], name: str) -> dict[str, Any]:
    return {"create": True, "name": name, "annotations": {"eks.amazonaws.com/role-arn": role_arn}}


def chart_values(
    chart: str, *, cluster_name: str, region: str, vpc_id: pulumi.Input[str], version: str, role_arn: pulumi.Input[str], replicas: int
) -> dict[str, Any]:
    """The values each release gets; every controller runs on the system nodes."""
    account = CHARTS[chart].service_account
    if chart == "aws-load-balancer-controller":
        return {
            **_ON_SYSTEM_NODES,
            "clusterName": cluster_name,
            "region": region,
            "vpcId": vpc_id,
            "replicaCount": replicas,
            "serviceAccount": _service_account(role_arn, account),
            # Only TargetGroupBinding: Services of type LoadBalancer stay with the cloud provider default.
            "enableServiceMutatorWebhook": False,
        }
    if chart == "cluster-autoscaler":
        return {
            **_ON_SYSTEM_NODES,
            "cloudProvider": "aws",
            "awsRegion": region,
            "autoDiscovery": {"clusterName": cluster_name},
            "image": {"tag": autoscaler_image_tag(version)},
            "rbac": {"serviceAccount": _service_account(role_arn, account)},
            "extraArgs": {
                "balance-similar-node-groups": True,
                "expander": "least-waste",
                "skip-nodes-with-local-storage": False,
                "skip-nodes-with-system-pods": False,
            },
        }
    if chart == "metrics-server":
        return {**_ON_SYSTEM_NODES, "replicas": replicas, "serviceAccount": {"create": True, "name": account}}
    if chart == "external-secrets":
        return {
            **_ON_SYSTEM_NODES,
            "installCRDs": True,
            "replicaCount": replicas,
            "serviceAccount": _service_account(role_arn, account),
            "webhook": dict(_ON_SYSTEM_NODES),
            "certController": dict(_ON_SYSTEM_NODES),
        }
    raise KeyError(chart)


@dataclass(frozen=True)
class ControllersArgs:
    name_prefix: str
    cluster_name: str
    region: str
    account_id: pulumi.Input[str]
    version: str
    vpc_id: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    secret_arns: Sequence[pulumi.Input[str]]
    replicas: int
    k8s_provider: k8s.Provider
    depends_on: Sequence[pulumi.Resource]


class Controllers(pulumi.ComponentResource):
    """aws-load-balancer-controller, cluster-autoscaler, metrics-server and external-secrets."""

    releases: dict[str, k8s.helm.v3.Release]
    roles: dict[str, IrsaRole]

    def __init__(self, name: str, args: ControllersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:eks:Controllers", name, None, opts)
        account = pulumi.Output.from_input(args.account_id)
        policies: dict[str, pulumi.Output[str]] = {
            "aws-load-balancer-controller": account.apply(lambda a: load_balancer_controller_policy(args.name_prefix, args.region, a)),
            "cluster-autoscaler": account.apply(lambda a: cluster_autoscaler_policy(args.cluster_name, args.region, a)),
            "external-secrets": pulumi.Output.all(args.kms_key_arn, *args.secret_arns).apply(
                lambda values: external_secrets_policy(values[1:], values[0])
            ),
        }
        self.roles = {}
        for chart, policy in policies.items():
            spec = CHARTS[chart]
            self.roles[chart] = IrsaRole(
                f"{name}-{chart}",
                IrsaRoleArgs(
                    role_name=f"{args.name_prefix}-eks-{chart}",
                    namespace=spec.namespace,
                    service_account=spec.service_account,
                    oidc_provider_arn=args.oidc_provider_arn,
                    oidc_issuer=args.oidc_issuer,
                    policy_json=policy,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.releases = {}
        for chart, spec in CHARTS.items():
            role = self.roles.get(chart)
            self.releases[chart] = k8s.helm.v3.Release(
                f"{name}-{chart}",
                name=chart,
                chart=spec.chart,
                version=spec.version,
                repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=spec.repository),
                namespace=spec.namespace,
                create_namespace=spec.namespace != "kube-system",
                atomic=True,
                cleanup_on_fail=True,
                max_history=5,
                values=chart_values(
                    chart,
                    cluster_name=args.cluster_name,
                    region=args.region,
                    vpc_id=args.vpc_id,
                    version=args.version,
                    role_arn=role.role_arn if role else "",
                    replicas=args.replicas,
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=list(args.depends_on)),
            )
        eso = CHARTS["external-secrets"]
        # Cluster-wide: any namespace's ExternalSecret may use it, but the controller's role reads
        # this stack's secrets only (external_secrets_policy).
        self.secret_store = k8s.apiextensions.CustomResource(
            f"{name}-secret-store",
            api_version="external-secrets.io/v1",
            kind="ClusterSecretStore",
            metadata={
                "name": SECRET_STORE_NAME,
                "labels": {"app.kubernetes.io/part-of": "ohmycoins", "app.kubernetes.io/managed-by": "pulumi"},
            },
            spec={
                "provider": {
                    "aws": {
                        "service": "SecretsManager",
                        "region": args.region,
                        "auth": {"jwt": {"serviceAccountRef": {"name": eso.service_account, "namespace": eso.namespace}}},
                    }
                }
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[self.releases["external-secrets"]]),
        )
        self.register_outputs({chart: release.status for chart, release in self.releases.items()})
