"""Managed node groups of the cluster: system (add-ons), apps (workloads), runners (CI, from zero).

The apps group exists only where the stack configures it (apps on EKS); without it the monitoring
pods run on the system nodes.

Every node: private-app subnets, IMDSv2 only with a hop limit of 1 (pods cannot reach the
instance's credentials: they use IRSA), an encrypted gp3 root volume with the stack key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.eks.eks_settings import NodeGroupSettings

NODE_GROUP_LABEL = "ohmycoins.io/node-group"
# EKS-optimised Amazon Linux 2023 per CPU architecture; a group's instance types must match it.
AMI_TYPES = {"x86_64": "AL2023_x86_64_STANDARD", "arm64": "AL2023_ARM_64_STANDARD"}


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str = "NoSchedule"

    @property
    def eks_effect(self) -> str:
        """EKS spells `NoSchedule` as `NO_SCHEDULE`."""
        return {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}[self.effect]

    def toleration(self) -> dict[str, str]:
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}


@dataclass(frozen=True)
class NodeGroupRole:
    """What a node group is for: its label and taint, and whether the autoscaler owns its size."""

    name: str
    taint: Taint | None
    autoscaled: bool

    @property
    def labels(self) -> dict[str, str]:
        return {NODE_GROUP_LABEL: self.name}

    @property
    def node_selector(self) -> dict[str, str]:
        return dict(self.labels)


SYSTEM = NodeGroupRole("system", Taint("CriticalAddonsOnly", "true"), autoscaled=True)
APPS = NodeGroupRole("apps", None, autoscaled=True)
RUNNERS = NodeGroupRole("runners", Taint("github-runners", "true"), autoscaled=True)
ROLES = (SYSTEM, APPS, RUNNERS)

# Controllers on system nodes tolerate its taint (any value, as the taint's convention is).
SYSTEM_TOLERATION = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}


def autoscaler_tags(cluster_name: str, role: NodeGroupRole) -> dict[str, str]:
    """Auto-discovery tags, plus the node template a group scaled to zero is described by."""
    tags = {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
    for key, value in role.labels.items():
        tags[f"k8s.io/cluster-autoscaler/node-template/label/{key}"] = value
    if role.taint is not None:
        tags[f"k8s.io/cluster-autoscaler/node-template/taint/{role.taint.key}"] = f"{role.taint.value}:{role.taint.effect}"
    return tags


@dataclass(frozen=True)
class NodeGroupsArgs:
    name_prefix: str
    cluster_name: str
    cluster: pulumi.Input[str]  # the live cluster's name output: node groups wait for it
    version: str
    groups: Mapping[str, NodeGroupSettings]  # the stack's groups by role name (apps may be absent)
    architecture: str  # x86_64 or arm64: the AMI of every group
    subnet_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    # The CNI and kube-proxy add-ons and the node role's policies: nodes never turn Ready without them.
    depends_on: Sequence[pulumi.Resource] = ()


class NodeGroups(pulumi.ComponentResource):
    """One launch template and one managed node group per role."""

    groups: dict[str, aws.eks.NodeGroup]

    def __init__(self, name: str, args: NodeGroupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:eks:NodeGroups", name, None, opts)
        self.groups = {}
        for role in ROLES:
            if role.name not in args.groups:
                continue
            size = args.groups[role.name]
            node_name = f"{args.name_prefix}-eks-{role.name}"
            template = aws.ec2.LaunchTemplate(
                f"{name}-{role.name}-template",
                name=node_name,
                description=f"EKS {role.name} nodes: IMDSv2 only, encrypted root volume",
                update_default_version=True,
                metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                    http_endpoint="enabled",
                    http_tokens="required",
                    # 1: a pod (one hop further) cannot read the node role's credentials.
                    http_put_response_hop_limit=1,
                    instance_metadata_tags="disabled",
                ),
                block_device_mappings=[
                    aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                        device_name="/dev/xvda",
                        ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                            volume_size=size.disk_size_gib,
                            volume_type="gp3",
                            encrypted="true",
                            kms_key_id=args.kms_key_arn,
                            delete_on_termination="true",
                        ),
                    )
                ],
                tag_specifications=[
                    aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags={"Name": node_name, "NodeGroup": role.name})
                    for kind in ("instance", "volume")
                ],
                tags={"Name": node_name},
                opts=pulumi.ResourceOptions(parent=self),
            )
            tags = {"Name": node_name, **autoscaler_tags(args.cluster_name, role)}
            group = aws.eks.NodeGroup(
                f"{name}-{role.name}",
                cluster_name=args.cluster,
                node_group_name_prefix=f"{node_name}-",
                node_role_arn=args.node_role_arn,
                subnet_ids=list(args.subnet_ids),
                version=args.version,
                ami_type=AMI_TYPES[args.architecture],
                capacity_type=size.capacity_type,
                instance_types=list(size.instance_types),
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=size.min_size, desired_size=size.desired_size, max_size=size.max_size
                ),
                update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
                launch_template=aws.eks.NodeGroupLaunchTemplateArgs(id=template.id, version=template.latest_version.apply(str)),
                labels=role.labels,
                taints=[aws.eks.NodeGroupTaintArgs(key=role.taint.key, value=role.taint.value, effect=role.taint.eks_effect)]
                if role.taint
                else [],
                tags=tags,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=list(args.depends_on),
                    # The cluster autoscaler owns the current size; Pulumi owns the bounds.
                    ignore_changes=["scalingConfig.desiredSize"],
                ),
            )
            # EKS tags the Auto Scaling group with the discovery tags only; the node template
            # (labels, taints) lets the autoscaler scale a group up from zero.
            asg_name = group.resources.apply(lambda resources: resources[0].autoscaling_groups[0].name)
            for index, (key, value) in enumerate(sorted(autoscaler_tags(args.cluster_name, role).items())):
                if "/node-template/" not in key:
                    continue
                aws.autoscaling.Tag(
                    f"{name}-{role.name}-asg-tag-{index}",
                    autoscaling_group_name=asg_name,
                    tag=aws.autoscaling.TagTagArgs(key=key, value=value, propagate_at_launch=False),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            self.groups[role.name] = group
        self.register_outputs({name: group.arn for name, group in self.groups.items()})
