"""The VPC: three subnet tiers per AZ, NAT per the stack's strategy, flow logs, and private endpoints."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.network.nat_instance import NatInstances, NatInstancesArgs
from components.network.vpc_settings import NetworkSettings
from components.shared.iam_documents import policy_document, service_trust


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    name_prefix: str  # `ohmycoins-<stack>`, for AWS Name tags
    region: str
    account_id: pulumi.Input[str]
    # The stack's KMS key: flow-log events and NAT instance volumes are encrypted with it.
    kms_key_arn: pulumi.Input[str] | None = None
    # Paused: no NAT (gateways or instances) and no interface endpoints; their Elastic IPs stay.
    paused: bool = False
    # Paused, one NAT stays anyway: the in-VPC CI runner still needs GitHub and the AWS APIs, so the
    # pipeline can preview the paused stack, check its drift and resume it.
    egress_while_paused: bool = False


def zone_suffix(zone: str) -> str:
    """'ap-southeast-2a' -> 'a': stable child names that follow the AZ, not its list position."""
    return zone[-1]


class Network(pulumi.ComponentResource):
    """Public subnets for the ALB and NATs, private-app for workloads, private-data with no way out."""

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    public_subnet_ids: list[pulumi.Output[str]]
    private_app_subnet_ids: list[pulumi.Output[str]]
    private_data_subnet_ids: list[pulumi.Output[str]]
    private_app_subnet_cidrs: list[str]
    private_data_subnet_cidrs: list[str]
    public_subnet_cidrs: list[str]
    nat_gateway_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:network:Network", name, None, opts)
        self._name = name
        self._args = args
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        zones = settings.availability_zones
        self.vpc_cidr = str(settings.vpc_cidr)

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=self.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags("vpc"),
            opts=child,
        )
        self.vpc_id = vpc.id

        # Managing the default group with no rules strips the allow-all rules AWS creates,
        # so nothing attached to it by accident can talk to anything.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[], tags=self._tags("default-sg-closed"), opts=child
        )

        subnets: dict[str, list[aws.ec2.Subnet]] = {}
        for tier, cidrs in settings.subnets.items():
            subnets[tier] = [
                aws.ec2.Subnet(
                    f"{name}-{tier}-{zone_suffix(zone)}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    availability_zone=zone,
                    # Nothing in the public tier needs an automatic public IP: the ALB and NAT
                    # gateways bring their own addresses.
                    map_public_ip_on_launch=False,
                    tags={**self._tags(f"{tier}-{zone_suffix(zone)}"), "Tier": tier, **_KUBERNETES_TAGS.get(tier, {})},
                    opts=child,
                )
                for zone, cidr in zip(zones, cidrs, strict=True)
            ]
        self.public_subnet_ids = [s.id for s in subnets["public"]]
        self.private_app_subnet_ids = [s.id for s in subnets["private-app"]]
        self.private_data_subnet_ids = [s.id for s in subnets["private-data"]]
        self.public_subnet_cidrs = settings.subnets["public"]
        self.private_app_subnet_cidrs = settings.subnets["private-app"]
        self.private_data_subnet_cidrs = settings.subnets["private-data"]

        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=self._tags("igw"), opts=child)
        public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=vpc.id, tags=self._tags("public-rt"), opts=child)
        aws.ec2.Route(
            f"{name}-public-internet", route_table_id=public_rt.id, destination_cidr_block="0.0.0.0/0", gateway_id=igw.id, opts=child
        )
        for zone, subnet in zip(zones, subnets["public"], strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-rta-{zone_suffix(zone)}", subnet_id=subnet.id, route_table_id=public_rt.id, opts=child
            )

        targets = self._nat(settings, zones, subnets["public"], igw, vpc)
        self.nat_gateway_ids = [target["nat_gateway_id"] for target in targets if "nat_gateway_id" in target]

        private_rts = []
        for index, (zone, subnet) in enumerate(zip(zones, subnets["private-app"], strict=True)):
            suffix = zone_suffix(zone)
            rt = aws.ec2.RouteTable(
                f"{name}-private-app-rt-{suffix}", vpc_id=vpc.id, tags=self._tags(f"private-app-rt-{suffix}"), opts=child
            )
            if targets:
                target = targets[index] if settings.nat_strategy == "per-az" and index < len(targets) else targets[0]
                aws.ec2.Route(
                    f"{name}-private-app-egress-{suffix}",
                    route_table_id=rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    **target,
                    opts=child,
                )
            aws.ec2.RouteTableAssociation(f"{name}-private-app-rta-{suffix}", subnet_id=subnet.id, route_table_id=rt.id, opts=child)
            private_rts.append(rt)

        # One table for the data tier, with only the local route (and the S3 endpoint): the
        # database and cache have no path to or from the internet.
        data_rt = aws.ec2.RouteTable(f"{name}-private-data-rt", vpc_id=vpc.id, tags=self._tags("private-data-rt"), opts=child)
        for zone, subnet in zip(zones, subnets["private-data"], strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-private-data-rta-{zone_suffix(zone)}", subnet_id=subnet.id, route_table_id=data_rt.id, opts=child
            )
        private_rts.append(data_rt)

        self._flow_logs(vpc)
        self._endpoints(vpc, private_rts, subnets["private-app"])

        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_app_subnet_ids": self.private_app_subnet_ids,
                "private_data_subnet_ids": self.private_data_subnet_ids,
                "nat_gateway_ids": self.nat_gateway_ids,
            }
        )

    def _tags(self, thing: str) -> dict[str, str]:
        return {"Name": f"{self._args.name_prefix}-{thing}"}

    def _nat(
        self, settings: NetworkSettings, zones: list[str], public: list[aws.ec2.Subnet], igw: aws.ec2.InternetGateway, vpc: aws.ec2.Vpc
    ) -> list[dict[str, pulumi.Output[str]]]:
        """The private-app default route's target per NAT: a gateway's id or an instance's interface.

        Elastic IPs outlive a pause, so egress comes back from the same public addresses.
        """
        count = {"none": 0, "single": 1, "per-az": len(zones)}[settings.nat_strategy]
        placed = list(zip(zones, public, strict=True))[:count]
        # Distinct names per kind: switching kinds allocates new addresses instead of moving one in use.
        kind = "nat" if settings.nat_type == "gateway" else "nat-instance"
        eips = {
            zone: aws.ec2.Eip(
                f"{self._name}-{kind}-eip-{zone_suffix(zone)}",
                domain="vpc",
                tags=self._tags(f"{kind}-eip-{zone_suffix(zone)}"),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for zone, _ in placed
        }
        # While paused, the first zone's NAT stays if egress must (see NetworkArgs), else none does.
        running = placed if not self._args.paused else placed[: 1 if self._args.egress_while_paused else 0]
        if settings.nat_type == "instance":
            if not placed:
                return []
            instances = NatInstances(
                f"{self._name}-nat-instances",
                NatInstancesArgs(
                    name_prefix=self._args.name_prefix,
                    instance_type=settings.nat_instance_type,
                    vpc_id=vpc.id,
                    client_cidrs=settings.subnets["private-app"],
                    placements=[(zone_suffix(zone), subnet.id, eips[zone].id) for zone, subnet in placed],
                    running=[zone_suffix(zone) for zone, _ in running],
                    kms_key_arn=self._args.kms_key_arn,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )
            running_zones = {zone for zone, _ in running}
            return [
                {"network_interface_id": interface}
                for (zone, _), interface in zip(placed, instances.network_interface_ids, strict=True)
                if zone in running_zones
            ]
        return [
            {
                "nat_gateway_id": aws.ec2.NatGateway(
                    f"{self._name}-nat-{zone_suffix(zone)}",
                    subnet_id=subnet.id,
                    allocation_id=eips[zone].id,
                    tags=self._tags(f"nat-{zone_suffix(zone)}"),
                    # A NAT gateway without the IGW attached cannot route; AWS documents the order.
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                ).id
            }
            for zone, subnet in running
        ]

    def _flow_logs(self, vpc: aws.ec2.Vpc) -> None:
        child = pulumi.ResourceOptions(parent=self)
        args = self._args
        group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            name=f"/aws/vpc/flow-logs/{args.name_prefix}",
            retention_in_days=args.settings.flow_log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags=self._tags("flow-logs"),
            opts=child,
        )
        # The trust names this account's flow-log service only (confused-deputy guard).
        trust = pulumi.Output.from_input(args.account_id).apply(
            lambda account: service_trust("vpc-flow-logs.amazonaws.com", account, f"arn:aws:ec2:{args.region}:{account}:vpc-flow-log/*")
        )
        role = aws.iam.Role(
            f"{self._name}-flow-logs-role",
            name=f"{args.name_prefix}-flow-logs",
            assume_role_policy=trust,
            tags=self._tags("flow-logs-role"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{self._name}-flow-logs-write",
            role=role.id,
            policy=group.arn.apply(
                lambda arn: policy_document(
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        "Resource": [arn, f"{arn}:*"],
                    }
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags("flow-log"),
            opts=child,
        )

    def _endpoints(self, vpc: aws.ec2.Vpc, private_rts: list[aws.ec2.RouteTable], app_subnets: list[aws.ec2.Subnet]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        region = self._args.region
        aws.ec2.VpcEndpoint(
            f"{self._name}-s3-endpoint",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_rts],
            tags=self._tags("s3-endpoint"),
            opts=child,
        )
        endpoints = self._args.settings.interface_endpoints
        # Paused, nothing in the private subnets calls AWS: the endpoints' hourly charge stops.
        if not endpoints or self._args.paused:
            return
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-endpoints-sg",
            name=f"{self._args.name_prefix}-endpoints",
            description="HTTPS from inside the VPC to the AWS interface endpoints",
            vpc_id=vpc.id,
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description="HTTPS from the VPC", protocol="tcp", from_port=443, to_port=443, cidr_blocks=[self.vpc_cidr]
                )
            ],
            egress=[],
            tags=self._tags("endpoints-sg"),
            opts=child,
        )
        for service in endpoints:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service.replace('.', '-')}-endpoint",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in app_subnets],
                security_group_ids=[sg.id],
                tags=self._tags(f"{service.replace('.', '-')}-endpoint"),
                opts=child,
            )


# The AWS Load Balancer Controller finds subnets for internet-facing and internal load
# balancers by these tags.
_KUBERNETES_TAGS = {
    "public": {"kubernetes.io/role/elb": "1"},
    "private-app": {"kubernetes.io/role/internal-elb": "1"},
}
