"""EKS-managed add-ons: networking (with NetworkPolicy enforcement), DNS, kube-proxy, EBS and EFS CSI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.eks.irsa import IrsaRole, IrsaRoleArgs
from components.compute.eks.nodes import SYSTEM_TOLERATION
from components.compute.eks.policies import MANAGED, ebs_csi_key_policy

# Add-on -> (namespace, service account) of the controller that calls AWS, for its IRSA role.
ADDON_SERVICE_ACCOUNTS = {
    "vpc-cni": ("kube-system", "aws-node"),
    "aws-ebs-csi-driver": ("kube-system", "ebs-csi-controller-sa"),
    "aws-efs-csi-driver": ("kube-system", "efs-csi-controller-sa"),
}

# Installed before any node exists: without a CNI nodes never become Ready.
BEFORE_NODES = ("vpc-cni", "kube-proxy")
# Need nodes to run their pods (they never turn ACTIVE otherwise).
AFTER_NODES = ("coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver")


def addon_configuration(addon: str) -> dict | None:
    """Each add-on's configuration values (the schema `aws eks describe-addon-configuration` prints)."""
    if addon == "vpc-cni":
        # The VPC CNI's network policy agent enforces NetworkPolicy objects (off by default).
        return {"enableNetworkPolicy": "true"}
    if addon in ("coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver"):
        controller = {"tolerations": [SYSTEM_TOLERATION]}
        if addon == "coredns":
            return controller
        return {"controller": controller}
    return None


@dataclass(frozen=True)
class AddonsArgs:
    name_prefix: str
    cluster_name: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


class Addons(pulumi.ComponentResource):
    """Two phases: `install_before_nodes()` then `install_after_nodes(node_groups)`."""

    addons: dict[str, aws.eks.Addon]

    def __init__(self, name: str, args: AddonsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:eks:Addons", name, None, opts)
        self._name = name
        self._args = args
        self.addons = {}
        self.roles: dict[str, IrsaRole] = {}
        for addon, (namespace, account) in ADDON_SERVICE_ACCOUNTS.items():
            policy = ebs_csi_key_policy_output(args.kms_key_arn) if addon == "aws-ebs-csi-driver" else None
            managed = {"vpc-cni": MANAGED["cni"], "aws-ebs-csi-driver": MANAGED["ebs-csi"], "aws-efs-csi-driver": MANAGED["efs-csi"]}[addon]
            self.roles[addon] = IrsaRole(
                f"{name}-{addon}",
                IrsaRoleArgs(
                    role_name=f"{args.name_prefix}-eks-{addon}",
                    namespace=namespace,
                    service_account=account,
                    oidc_provider_arn=args.oidc_provider_arn,
                    oidc_issuer=args.oidc_issuer,
                    policy_json=policy,
                    managed_policy_arns=(managed,),
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.install(BEFORE_NODES, depends_on=[])

    def install(self, addons: Sequence[str], depends_on: Sequence[pulumi.Resource]) -> list[aws.eks.Addon]:
        installed = []
        for addon in addons:
            configuration = addon_configuration(addon)
            role = self.roles.get(addon)
            self.addons[addon] = aws.eks.Addon(
                f"{self._name}-{addon}",
                cluster_name=self._args.cluster_name,
                addon_name=addon,
                service_account_role_arn=role.role_arn if role else None,
                configuration_values=json.dumps(configuration, sort_keys=True) if configuration else None,
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(depends_on)),
            )
            installed.append(self.addons[addon])
        return installed

    def install_after_nodes(self, node_groups: Sequence[pulumi.Resource]) -> list[aws.eks.Addon]:
        installed = self.install(AFTER_NODES, depends_on=node_groups)
        self.register_outputs({name: addon.arn for name, addon in self.addons.items()})
        return installed

    @property
    def before_nodes(self) -> list[aws.eks.Addon]:
        return [self.addons[name] for name in BEFORE_NODES]


def ebs_csi_key_policy_output(kms_key_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(kms_key_arn).apply(ebs_csi_key_policy)
