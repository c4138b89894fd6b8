"""The network each stack gets: tiers, NAT, routes, closed default group, flow logs, endpoints, tags."""

from __future__ import annotations

import ipaddress
import json

import pytest

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


def subnets(plan, tier):
    return [s for s in plan.all(SUBNET) if s.inputs["tags"]["Tier"] == tier]


@pytest.mark.parametrize("stack, zones, cidr", [("staging", 2, "10.1.0.0/16"), ("production", 3, "10.0.0.0/16")])
def test_vpc_spans_the_stacks_zones_with_three_tiers(request, stack, zones, cidr):
    plan = request.getfixturevalue(f"{stack}_plan")
    vpc = plan.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == cidr
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    for tier in ("public", "private-app", "private-data"):
        tier_subnets = subnets(plan, tier)
        assert len(tier_subnets) == zones
        assert len({s.inputs["availabilityZone"] for s in tier_subnets}) == zones
    all_cidrs = [ipaddress.ip_network(s.inputs["cidrBlock"]) for s in plan.all(SUBNET)]
    assert all(c.subnet_of(ipaddress.ip_network(cidr)) for c in all_cidrs)
    assert not any(a.overlaps(b) for i, a in enumerate(all_cidrs) for b in all_cidrs[i + 1 :])


def test_no_subnet_hands_out_public_ips(any_plan):
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in any_plan.all(SUBNET))


# Staging: one NAT instance (no gateway) with its address; production: a gateway per AZ.
@pytest.mark.parametrize("stack, nats, addresses", [("staging", 0, 1), ("production", 3, 3)])
def test_nat_gateways_follow_the_strategy(request, stack, nats, addresses):
    plan = request.getfixturevalue(f"{stack}_plan")
    assert len(plan.all(NAT)) == nats
    assert len(plan.all("aws:ec2/eip:Eip")) == addresses
    public_ids = {plan.outputs["publicSubnetIds"][i] for i in range(len(plan.outputs["publicSubnetIds"]))}
    assert {n.inputs["subnetId"] for n in plan.all(NAT)} <= public_ids


def _egress_routes(plan, prefix):
    return {r.name: r for r in plan.all(ROUTE) if r.name.startswith(prefix)}


def test_staging_private_app_subnets_share_the_single_nat_instance(staging_plan):
    routes = _egress_routes(staging_plan, "network-private-app-egress")
    assert len(routes) == 2
    interface = staging_plan.named("network-nat-instances-eni-a")
    assert all(interface.urn in r.dependencies and "natGatewayId" not in r.inputs for r in routes.values())
    assert len({r.inputs["networkInterfaceId"] for r in routes.values()}) == 1
    assert all(r.inputs["destinationCidrBlock"] == "0.0.0.0/0" for r in routes.values())


def test_production_private_app_subnets_use_their_own_zones_nat(production_plan):
    routes = _egress_routes(production_plan, "network-private-app-egress")
    nat_by_zone = {n.name[-1]: n for n in production_plan.all(NAT)}
    assert sorted(routes) == ["network-private-app-egress-a", "network-private-app-egress-b", "network-private-app-egress-c"]
    nat_ids = dict(zip(sorted(nat_by_zone), production_plan.outputs["natGatewayIds"], strict=True))
    for name, route in routes.items():
        assert route.inputs["natGatewayId"] == nat_ids[name[-1]]


def test_public_tier_routes_to_the_internet_gateway(any_plan):
    route = any_plan.named("network-public-internet")
    assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
    assert any_plan.named("network-igw").urn in route.dependencies


def test_data_subnets_have_no_route_out_of_the_vpc(any_plan):
    data_rt = any_plan.named("network-private-data-rt")
    data_rt_urn = data_rt.urn
    # No route of any kind is attached to the data route table ...
    assert not [r for r in any_plan.all(ROUTE) if data_rt_urn in r.dependencies]
    # ... and every data subnet is associated with that table.
    data_associations = [a for a in any_plan.all(ASSOCIATION) if data_rt_urn in a.dependencies]
    assert len(data_associations) == len(subnets(any_plan, "private-data"))
    assert data_rt.inputs.get("routes") in (None, [])


def test_default_security_group_is_closed(any_plan):
    default_sg = any_plan.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_sg.inputs["ingress"] == [] and default_sg.inputs["egress"] == []


@pytest.mark.parametrize("stack, days", [("staging", 14), ("production", 90)])
def test_flow_logs_capture_all_traffic_with_the_stacks_retention(request, stack, days):
    plan = request.getfixturevalue(f"{stack}_plan")
    flow_log = plan.one("aws:ec2/flowLog:FlowLog")
    group = plan.named("network-flow-logs")
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["vpcId"] == plan.outputs["vpcId"]
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert group.urn in flow_log.dependencies
    assert group.inputs["name"] == f"/aws/vpc/flow-logs/ohmycoins-{stack}"
    assert group.inputs["retentionInDays"] == days
    role = plan.named("network-flow-logs-role")
    assert role.urn in flow_log.dependencies
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:ap-southeast-2:123456789012:vpc-flow-log/*"},
    }
    (statement,) = json.loads(plan.named("network-flow-logs-write").inputs["policy"])["Statement"]
    # The role writes to the flow logs' own group (and its streams), nowhere else.
    destination = flow_log.inputs["logDestination"]
    assert statement["Resource"] == [destination, f"{destination}:*"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]


def test_flow_log_events_are_encrypted_with_the_stacks_key(any_plan):
    group = any_plan.named("network-flow-logs")
    assert group.inputs["kmsKeyId"] == any_plan.outputs["kmsKeyArn"]
    assert any_plan.named("kms-key").urn in group.dependencies


def test_s3_gateway_endpoint_serves_every_private_route_table(any_plan):
    s3 = any_plan.named("network-s3-endpoint")
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    assert s3.inputs["serviceName"] == "com.amazonaws.ap-southeast-2.s3"
    private_tables = [rt for rt in any_plan.all(ROUTE_TABLE) if rt.name != "network-public-rt"]
    assert len(s3.inputs["routeTableIds"]) == len(private_tables)
    assert any_plan.named("network-public-rt").urn not in s3.dependencies


def test_staging_has_no_interface_endpoints(staging_plan):
    assert [e.name for e in staging_plan.all(ENDPOINT)] == ["network-s3-endpoint"]


def test_production_interface_endpoints_accept_https_from_the_vpc_only(production_plan):
    interface = [e for e in production_plan.all(ENDPOINT) if e.inputs["vpcEndpointType"] == "Interface"]
    assert sorted(e.inputs["serviceName"].removeprefix("com.amazonaws.ap-southeast-2.") for e in interface) == [
        "ecr.api",
        "ecr.dkr",
        "logs",
        "secretsmanager",
        "sts",
    ]
    assert all(e.inputs["privateDnsEnabled"] is True and len(e.inputs["subnetIds"]) == 3 for e in interface)
    sg = production_plan.named("network-endpoints-sg")
    assert sg.inputs["name"] == "ohmycoins-production-endpoints"
    [rule] = sg.inputs["ingress"]
    assert (rule["protocol"], rule["fromPort"], rule["toPort"], rule["cidrBlocks"]) == ("tcp", 443, 443, ["10.0.0.0/16"])
    assert sg.inputs["egress"] == []


def test_subnets_are_tagged_for_kubernetes_load_balancers(any_plan):
    for subnet in subnets(any_plan, "public"):
        assert subnet.inputs["tags"]["kubernetes.io/role/elb"] == "1"
        assert "kubernetes.io/role/internal-elb" not in subnet.inputs["tags"]
    for subnet in subnets(any_plan, "private-app"):
        assert subnet.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1"
    for subnet in subnets(any_plan, "private-data"):
        assert not any(key.startswith("kubernetes.io/") for key in subnet.inputs["tags"])


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_one_explicit_provider_tags_everything(request, stack):
    plan = request.getfixturevalue(f"{stack}_plan")
    provider = plan.one("pulumi:providers:aws", "aws")
    assert provider.inputs["region"] == "ap-southeast-2"
    # Provider inputs reach the provider JSON-encoded.
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags["Project"] == "ohmycoins" and tags["ManagedBy"] == "pulumi"
    assert tags["Environment"] == stack and tags["Stack"] == stack
    # Only the backup copies live in a second region, with a provider tagged the same.
    others = [p for p in plan.all("pulumi:providers:aws") if p.urn != provider.urn]
    assert all(json.loads(p.inputs["defaultTags"]) == json.loads(provider.inputs["defaultTags"]) for p in others)
    elsewhere = {r.name for r in plan.resources if r.type.startswith("aws:") and r.provider != provider.urn}
    assert elsewhere <= {"backups-copy-key", "backups-copy-key-alias", "backups-copy-vault", "backups-copy-vault-lock"}
    assert len([r for r in plan.resources if r.type.startswith("aws:") and r.provider == provider.urn]) > 100
    # The account comes from the credentials: no account id in the provider's inputs.
    assert "allowedAccountIds" not in provider.inputs


def test_names_carry_the_stack_prefix(any_plan):
    prefix = f"ohmycoins-{any_plan.stack}-"
    named = [r for r in any_plan.resources if isinstance(r.inputs.get("tags"), dict) and "Name" in r.inputs["tags"]]
    assert named and all(r.inputs["tags"]["Name"].startswith(prefix) for r in named)
