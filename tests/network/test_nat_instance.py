"""Staging's NAT instance (network.natType: instance); production keeps NAT gateways."""

from __future__ import annotations

import base64

from components.network.nat_instance import image_id

INSTANCE = "aws:ec2/instance:Instance"
ENI = "aws:ec2/networkInterface:NetworkInterface"


def test_production_keeps_a_nat_gateway_per_zone_and_no_instance(production_plan):
    assert not production_plan.all(INSTANCE) and not production_plan.all(ENI)
    assert len(production_plan.all("aws:ec2/natGateway:NatGateway")) == 3


def test_staging_runs_one_graviton_nat_instance_behind_a_fixed_interface_and_address(staging_plan):
    (instance,) = staging_plan.all(INSTANCE)
    (interface,) = staging_plan.all(ENI)
    (address,) = staging_plan.all("aws:ec2/eip:Eip")
    (association,) = staging_plan.all("aws:ec2/eipAssociation:EipAssociation")
    public_a = staging_plan.named("network-public-a")
    assert interface.inputs["sourceDestCheck"] is False and public_a.urn in interface.dependencies
    assert instance.inputs["networkInterfaces"] == [{"deviceIndex": 0, "networkInterfaceId": interface_id(staging_plan)}]
    assert address.urn in association.dependencies and interface.urn in association.dependencies
    # Packages are installed at first boot: the address must be attached before the instance starts.
    assert association.urn in instance.dependencies
    assert instance.inputs["maintenanceOptions"] == {"autoRecovery": "default"}
    assert instance.inputs["creditSpecification"] == {"cpuCredits": "standard"}


def interface_id(plan):
    return plan.named("network-private-app-egress-a").inputs["networkInterfaceId"]


def test_the_instance_boots_amazon_linux_2023_as_a_nat_with_imdsv2_and_an_encrypted_disk(staging_plan):
    template = staging_plan.named("network-nat-instances-template").inputs
    assert template["imageId"] == "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
    assert template["instanceType"] == "t4g.nano"
    assert template["metadataOptions"]["httpTokens"] == "required"
    assert template["metadataOptions"]["httpPutResponseHopLimit"] == 1
    (disk,) = template["blockDeviceMappings"]
    assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["kmsKeyId"] == staging_plan.outputs["kmsKeyArn"]
    script = base64.b64decode(template["userData"]).decode()
    assert "net.ipv4.ip_forward=1" in script
    assert 'iptables -t nat -A POSTROUTING -o "$interface" -j MASQUERADE' in script
    assert "service iptables save" in script


def test_only_the_private_app_subnets_reach_the_nat_instance(staging_plan):
    group = staging_plan.named("network-nat-instances-sg").inputs
    (ingress,) = group["ingress"]
    assert ingress["cidrBlocks"] == ["10.1.0.0/19", "10.1.32.0/19"]
    (egress,) = group["egress"]
    assert egress["cidrBlocks"] == ["0.0.0.0/0"]


def test_the_image_follows_the_instance_types_architecture():
    assert image_id("t3.nano").endswith("al2023-ami-kernel-default-x86_64")
    assert image_id("c7g.medium").endswith("al2023-ami-kernel-default-arm64")


def test_production_refuses_a_nat_instance(assert_refused):
    assert_refused(
        "production",
        lambda c: c["ohmycoins:network"].update(natType="instance"),
        "ohmycoins:network.natType",
        "production keeps managed NAT gateways",
    )


def test_a_bad_nat_instance_type_is_refused(assert_refused):
    assert_refused(
        "staging",
        lambda c: c["ohmycoins:network"].update(natInstanceType="nano"),
        "ohmycoins:network.natInstanceType",
        "is not an EC2 instance type",
    )
