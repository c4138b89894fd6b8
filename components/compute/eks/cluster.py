"""The EKS cluster: control plane (pulumi-eks), managed node groups, add-ons, controllers and the Kubernetes provider.

It lives in the program's own VPC and private-app subnets, so pods reach the database and cache
through the Firewall like ECS tasks do. The cluster hosts the CI runners and monitoring always,
and the applications when `ohmycoins:apps.platform` is `eks` (k8s/).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from components.compute.eks.addons import Addons, AddonsArgs
from components.compute.eks.controllers import SECRET_STORE_NAME, Controllers, ControllersArgs
from components.compute.eks.eks_settings import EksSettings
from components.compute.eks.nodes import RUNNERS, SYSTEM_TOLERATION, NodeGroups, NodeGroupsArgs
from components.compute.eks.policies import MANAGED, cluster_key_policy
from components.shared.iam_documents import service_trust
from components.shared.pause import PauseProtection

CONTROL_PLANE_LOGS = ("api", "audit", "authenticator", "controllerManager", "scheduler")
GP3_STORAGE_CLASS = "gp3"


class AllowsFrom(Protocol):
    """The Firewall's `allow_from`: admits a security group to the database and cache ports."""

    def allow_from(self, source: str, source_security_group_id: pulumi.Input[str], targets: Sequence[str] = ...) -> list: ...


@dataclass(frozen=True)
class KubernetesPlatformArgs:
    settings: EksSettings
    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    # Secrets Manager ARNs the cluster's pods may read through External Secrets (this stack's only).
    secret_arns: Sequence[pulumi.Input[str]]
    firewall: AllowsFrom | None = None
    protect: bool = False  # volumes are retained where stateful resources are protected
    # The cluster's `protect` and deletion protection (lifted where a pause may delete it).
    protection: PauseProtection = PauseProtection(protect=False, tags={})
    architecture: str = "x86_64"  # of every node group (ohmycoins:general.architecture)
    # Paused: no cluster at all (its $73/month control plane included); its log group stays.
    paused: bool = False


def cluster_name(name_prefix: str) -> str:
    return f"{name_prefix}-eks"


class KubernetesPlatform(pulumi.ComponentResource):
    """EKS with API-mode access entries, private+restricted endpoint, audit logs, KMS secrets and IRSA.

    Paused (`active` false), only the control plane's log group exists.
    """

    active: bool
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    k8s_provider: k8s.Provider
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: KubernetesPlatformArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:eks:KubernetesPlatform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self._name = name
        settings = args.settings
        name_of_cluster = cluster_name(args.name_prefix)
        self._cluster_name = name_of_cluster
        account = pulumi.Output.from_input(args.account_id)

        # EKS writes to this group by name; creating it first sets retention and encryption.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=f"/aws/eks/{name_of_cluster}/cluster",
            retention_in_days=settings.log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags={"Name": f"{name_of_cluster}-control-plane"},
            opts=child,
        )
        self.active = not args.paused
        if args.paused:
            # The control plane's logs outlive the cluster; everything below is rebuilt on resume.
            self.register_outputs({"active": self.active})
            return
        service_role = aws.iam.Role(
            f"{name}-cluster-role",
            name=f"{name_of_cluster}-cluster",
            assume_role_policy=service_trust("eks.amazonaws.com", None),
            tags={"Name": f"{name_of_cluster}-cluster"},
            opts=child,
        )
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy", role=service_role.name, policy_arn=MANAGED["cluster"], opts=child
        )
        key_grant = aws.iam.RolePolicy(
            f"{name}-cluster-key",
            role=service_role.name,
            name="secrets-envelope-encryption",
            policy=pulumi.Output.from_input(args.kms_key_arn).apply(cluster_key_policy),
            opts=child,
        )

        access_entries = {f"admin-{role}": self._access_entry(account, role, "cluster-admin") for role in settings.admin_role_names}
        if settings.deploy_role_name:
            access_entries["ci-deploy"] = self._access_entry(account, settings.deploy_role_name, "cluster-admin")
        if settings.preview_role_name:
            access_entries["ci-preview"] = self._access_entry(account, settings.preview_role_name, "admin-view")

        cluster = eks.Cluster(
            f"{name}-cluster",
            name=name_of_cluster,
            version=settings.version,
            vpc_id=args.vpc_id,
            private_subnet_ids=list(args.private_subnet_ids),
            endpoint_private_access=True,
            endpoint_public_access=settings.endpoint_public_access,
            public_access_cidrs=[str(cidr) for cidr in settings.public_access_cidrs] if settings.endpoint_public_access else None,
            authentication_mode=eks.AuthenticationMode.API,
            access_entries=access_entries,
            # pulumi-eks creates no IAM role of its own: the service role and the node role (below) are the
            # program's, so they carry the stack's permissions boundary like every other role.
            service_role=service_role,
            create_instance_role=False,
            encryption_config_key_arn=args.kms_key_arn,
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            create_oidc_provider=True,
            skip_default_node_group=True,
            # Nodes and pods use the security group EKS creates for the cluster.
            skip_default_security_groups=True,
            # Add-ons are EKS-managed below (with their IRSA roles and settings), never self-managed.
            bootstrap_self_managed_addons=False,
            use_default_vpc_cni=True,
            coredns_addon_options=eks.CoreDnsAddonOptionsArgs(enabled=False),
            kube_proxy_addon_options=eks.KubeProxyAddonOptionsArgs(enabled=False),
            deletion_protection=args.protection.protect,
            tags={"Name": name_of_cluster, **args.protection.tags},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, cluster_policy, key_grant], protect=args.protection.protect),
        )
        live_name = cluster.eks_cluster.name
        self.cluster_name = live_name
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.oidc_issuer = cluster.oidc_issuer
        self.cluster_security_group_id = cluster.cluster_security_group_id
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)

        node_role = aws.iam.Role(
            f"{name}-node-role",
            name=f"{name_of_cluster}-node",
            assume_role_policy=service_trust("ec2.amazonaws.com", None),
            tags={"Name": f"{name_of_cluster}-node"},
            opts=child,
        )
        # No CNI policy here: the VPC CNI has its own IRSA role, so pods never inherit it.
        node_policies = [
            aws.iam.RolePolicyAttachment(f"{name}-node-{policy}", role=node_role.name, policy_arn=MANAGED[policy], opts=child)
            for policy in ("worker", "ecr-pull", "ssm")
        ]
        self.node_role_arn = node_role.arn

        addons = Addons(
            f"{name}-addons",
            AddonsArgs(
                name_prefix=args.name_prefix,
                cluster_name=live_name,
                oidc_provider_arn=cluster.oidc_provider_arn,
                oidc_issuer=cluster.oidc_issuer,
                kms_key_arn=args.kms_key_arn,
            ),
            opts=child,
        )
        nodes = NodeGroups(
            f"{name}-nodes",
            NodeGroupsArgs(
                name_prefix=args.name_prefix,
                cluster_name=name_of_cluster,
                cluster=live_name,
                version=settings.version,
                groups=settings.node_groups.present(),
                architecture=args.architecture,
                subnet_ids=args.private_subnet_ids,
                kms_key_arn=args.kms_key_arn,
                node_role_arn=node_role.arn,
                depends_on=[*addons.before_nodes, *node_policies],
            ),
            opts=child,
        )
        self.node_groups = nodes.groups
        after_nodes = addons.install_after_nodes(list(nodes.groups.values()))

        self.k8s_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            enable_server_side_apply=True,
            delete_unreachable=False,
            opts=child,
        )
        on_cluster = pulumi.ResourceOptions(parent=self, provider=self.k8s_provider, depends_on=after_nodes)
        self.gp3_storage_class_name = GP3_STORAGE_CLASS
        k8s.storage.v1.StorageClass(
            f"{name}-gp3",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=GP3_STORAGE_CLASS, annotations={"storageclass.kubernetes.io/is-default-class": "true"}
            ),
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": args.kms_key_arn, "fsType": "ext4"},
            reclaim_policy="Retain" if args.protect else "Delete",
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            opts=on_cluster,
        )
        controllers = Controllers(
            f"{name}-controllers",
            ControllersArgs(
                name_prefix=args.name_prefix,
                cluster_name=name_of_cluster,
                region=args.region,
                account_id=account,
                version=settings.version,
                vpc_id=args.vpc_id,
                oidc_provider_arn=cluster.oidc_provider_arn,
                oidc_issuer=cluster.oidc_issuer,
                kms_key_arn=args.kms_key_arn,
                secret_arns=args.secret_arns,
                replicas=settings.controller_replicas,
                k8s_provider=self.k8s_provider,
                depends_on=after_nodes,
            ),
            opts=child,
        )
        self.controllers = controllers
        # Charts that need only nodes, DNS and the CSI drivers (monitoring, runners) wait for these: each
        # of these add-ons waits for every node group. Waiting for the controllers too would put their
        # releases on the critical path of every first deploy for nothing.
        self.nodes_ready: list[pulumi.Resource] = list(after_nodes)
        # Objects that also need the LB controller (TargetGroupBinding) or External Secrets wait for these.
        self.addons_ready: list[pulumi.Resource] = [*after_nodes, *controllers.releases.values(), controllers.secret_store]
        self.secret_store_name = SECRET_STORE_NAME
        self.runner_node_selector = RUNNERS.node_selector
        self.runner_tolerations = [RUNNERS.taint.toleration()] if RUNNERS.taint else []
        self.system_tolerations = [SYSTEM_TOLERATION]

        if args.firewall is not None:
            # Pods and nodes share the cluster security group: both reach the data tier, nothing wider.
            args.firewall.allow_from("eks", cluster.cluster_security_group_id)

        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "oidc_provider_arn": self.oidc_provider_arn,
                "oidc_issuer": self.oidc_issuer,
                "cluster_security_group_id": self.cluster_security_group_id,
                "kubeconfig": self.kubeconfig,
            }
        )

    def admit_load_balancer(self, alb_security_group_id: pulumi.Input[str], ports: Sequence[int]) -> None:
        """The ALB sends to pod IPs (TargetGroupBinding, ip targets): open those ports between the two groups only."""
        for port in sorted(set(ports)):
            aws.vpc.SecurityGroupIngressRule(
                f"{self._name}-from-alb-{port}",
                security_group_id=self.cluster_security_group_id,
                referenced_security_group_id=alb_security_group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"Pods on {port} from the load balancer",
                tags={"Name": f"{self._cluster_name}-from-alb-{port}"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            aws.vpc.SecurityGroupEgressRule(
                f"{self._name}-alb-to-pods-{port}",
                security_group_id=alb_security_group_id,
                referenced_security_group_id=self.cluster_security_group_id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=f"Load balancer to EKS pods on {port}",
                tags={"Name": f"{self._cluster_name}-alb-to-pods-{port}"},
                opts=pulumi.ResourceOptions(parent=self),
            )

    def admit_api_client(self, source: str, source_security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupIngressRule:
        """A security group whose members may call the private API endpoint (443), e.g. the CI runner."""
        return aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-api-from-{source}",
            security_group_id=self.cluster_security_group_id,
            referenced_security_group_id=source_security_group_id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description=f"Kubernetes API (private endpoint) from {source}",
            tags={"Name": f"{self._cluster_name}-api-from-{source}"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    @staticmethod
    def _access_entry(account: pulumi.Output[str], role_name: str, policy: str) -> eks.AccessEntryArgs:
        return eks.AccessEntryArgs(
            principal_arn=pulumi.Output.concat("arn:aws:iam::", account, ":role/", role_name),
            type=eks.AccessEntryType.STANDARD,
            access_policies={
                policy: eks.AccessPolicyAssociationArgs(
                    policy_arn=MANAGED[policy],
                    access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                )
            },
        )
