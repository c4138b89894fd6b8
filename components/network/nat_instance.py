"""NAT on a small EC2 instance: a tenth of a NAT gateway's price, for stacks that accept its limits.

Each instance forwards the private-app subnets' traffic to the internet (iptables masquerade, as
AWS's NAT instance guide sets it up on Amazon Linux 2023). Its network interface and Elastic IP
are separate resources: the route table points at the interface, so a replaced or paused instance
comes back behind the same route and the same public address. EC2's automatic recovery restarts
it on a host failure; an AZ outage or an instance failure cuts egress until it is back, which is
why production keeps NAT gateways.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.architecture import cpu_architecture, family

# Amazon Linux 2023's public SSM parameters; EC2 resolves them when it launches the instance,
# so a newer image is picked up by the next replacement, never by a plan.
AMI_PARAMETERS = {
    "arm64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    "x86_64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
}
ROOT_VOLUME_GIB = 8

# AWS's NAT instance steps for Amazon Linux 2023, at first boot: forwarding on for good, every
# private address masqueraded behind the instance's own, the rules saved across reboots.
USER_DATA = """#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
systemctl enable --now iptables
echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/90-nat-instance.conf
sysctl -p /etc/sysctl.d/90-nat-instance.conf
interface=$(ip -o route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$interface" -j MASQUERADE
iptables -F FORWARD
service iptables save
"""


def image_id(instance_type: str) -> str:
    """The launch template's image: the latest Amazon Linux 2023 of the type's architecture."""
    return f"resolve:ssm:{AMI_PARAMETERS[cpu_architecture(instance_type)]}"


@dataclass(frozen=True)
class NatInstancesArgs:
    name_prefix: str
    instance_type: str
    vpc_id: pulumi.Input[str]
    # Private-app CIDRs: the only sources the instances forward for.
    client_cidrs: Sequence[str]
    # (zone suffix, public subnet id, Elastic IP allocation id) of each NAT.
    placements: Sequence[tuple[str, pulumi.Input[str], pulumi.Input[str]]]
    kms_key_arn: pulumi.Input[str] | None
    # Zone suffixes whose instance runs; the others (a paused stack) keep only their interface,
    # address and security group, so the instance comes back behind the same address.
    running: Sequence[str]


class NatInstances(pulumi.ComponentResource):
    """One NAT instance per placement, each behind a fixed network interface and Elastic IP."""

    network_interface_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NatInstancesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:network:NatInstances", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=f"{args.name_prefix}-nat-instance",
            description="NAT instances: anything from the private-app subnets, out to the internet",
            vpc_id=args.vpc_id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description="Traffic to forward, from the private-app subnets",
                    protocol="-1",
                    from_port=0,
                    to_port=0,
                    cidr_blocks=list(args.client_cidrs),
                )
            ],
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    description="Forwarded traffic to the internet", protocol="-1", from_port=0, to_port=0, cidr_blocks=["0.0.0.0/0"]
                )
            ],
            tags={"Name": f"{args.name_prefix}-nat-instance"},
            opts=child,
        )
        template = None
        if args.running:
            template = aws.ec2.LaunchTemplate(
                f"{name}-template",
                name=f"{args.name_prefix}-nat-instance",
                description="NAT instance: Amazon Linux 2023, IMDSv2 only, encrypted root volume",
                image_id=image_id(args.instance_type),
                instance_type=args.instance_type,
                user_data=base64.b64encode(USER_DATA.encode()).decode(),
                metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                    http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1, instance_metadata_tags="disabled"
                ),
                block_device_mappings=[
                    aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                        device_name="/dev/xvda",
                        ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                            volume_size=ROOT_VOLUME_GIB,
                            volume_type="gp3",
                            encrypted="true",
                            kms_key_id=args.kms_key_arn,
                            delete_on_termination="true",
                        ),
                    )
                ],
                tags={"Name": f"{args.name_prefix}-nat-instance"},
                opts=child,
            )
        self.network_interface_ids = []
        for suffix, subnet_id, allocation_id in args.placements:
            label = f"{args.name_prefix}-nat-instance-{suffix}"
            interface = aws.ec2.NetworkInterface(
                f"{name}-eni-{suffix}",
                subnet_id=subnet_id,
                security_groups=[group.id],
                # It forwards packets addressed to others.
                source_dest_check=False,
                description=f"{label}: the private-app route target",
                tags={"Name": label},
                opts=child,
            )
            association = aws.ec2.EipAssociation(
                f"{name}-eip-{suffix}", allocation_id=allocation_id, network_interface_id=interface.id, opts=child
            )
            self.network_interface_ids.append(interface.id)
            if template is None or suffix not in args.running:
                continue
            aws.ec2.Instance(
                f"{name}-{suffix}",
                launch_template=aws.ec2.InstanceLaunchTemplateArgs(id=template.id, version=template.latest_version.apply(str)),
                network_interfaces=[aws.ec2.InstanceNetworkInterfaceArgs(network_interface_id=interface.id, device_index=0)],
                # EC2 restarts it on another host when the underlying hardware fails.
                maintenance_options=aws.ec2.InstanceMaintenanceOptionsArgs(auto_recovery="default"),
                # Burst credits beyond the baseline would bill per vCPU-hour; NAT needs little CPU.
                credit_specification=(
                    aws.ec2.InstanceCreditSpecificationArgs(cpu_credits="standard") if family(args.instance_type).startswith("t") else None
                ),
                tags={"Name": label},
                # First boot installs packages: the public address must be there already.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[association]),
            )
        self.register_outputs({"network_interface_ids": self.network_interface_ids})
