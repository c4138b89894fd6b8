"""Which resource of the program each Terraform instance is, found by what it is, not by its count index.

Subnets match by tier and zone (through their CIDR and zone), route tables through the subnets they
serve, rules by group, direction, port and peer, named things by their AWS name. References between
planned resources are followed through the offline plan (`Plan.references`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.plan_model import Plan, PlannedResource

from .derive import Derived
from .fates import ADOPT, HANDED_OFF, HANDED_OFF_REASONS, IGNORED, LEFT, LEFT_REASONS, MUST_ADOPT, Fate
from .tfstate import AdoptionRefused, Instance, TerraformState

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RDS_INSTANCE = "aws:rds/instance:Instance"

# Types matched by their AWS name: Terraform type -> (program type, Terraform attribute, program input).
NAMED: dict[str, tuple[str, str, str]] = {
    "aws_db_instance": (RDS_INSTANCE, "identifier", "identifier"),
    "aws_db_subnet_group": ("aws:rds/subnetGroup:SubnetGroup", "name", "name"),
    "aws_db_parameter_group": ("aws:rds/parameterGroup:ParameterGroup", "name", "name"),
    "aws_elasticache_replication_group": (
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "replication_group_id",
        "replicationGroupId",
    ),
    "aws_elasticache_subnet_group": ("aws:elasticache/subnetGroup:SubnetGroup", "name", "name"),
    "aws_elasticache_parameter_group": ("aws:elasticache/parameterGroup:ParameterGroup", "name", "name"),
    "aws_secretsmanager_secret": ("aws:secretsmanager/secret:Secret", "name", "name"),
    "aws_lb": ("aws:lb/loadBalancer:LoadBalancer", "name", "name"),
    "aws_lb_target_group": ("aws:lb/targetGroup:TargetGroup", "name", "name"),
    "aws_ecs_cluster": ("aws:ecs/cluster:Cluster", "name", "name"),
    "aws_ecs_service": ("aws:ecs/service:Service", "name", "name"),
    "aws_cloudwatch_log_group": (LOG_GROUP, "name", "name"),
    "aws_cloudwatch_metric_alarm": ("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm_name", "name"),
    "aws_iam_role": ("aws:iam/role:Role", "name", "name"),
}

# How Pulumi imports each type (its import id), where that is not the Terraform `id`.
IMPORT_IDS: dict[str, Callable[[Instance], str]] = {
    "aws_route": lambda i: f"{i.get('route_table_id')}_{i.get('destination_cidr_block')}",
    "aws_route_table_association": lambda i: f"{i.get('subnet_id')}/{i.get('route_table_id')}",
    # The rule's own id (sgr-...): Terraform's `sgrule-...` id is its own hash, which AWS does not know.
    "aws_security_group_rule": lambda i: i.get("security_group_rule_id") or "",
    "aws_db_instance": lambda i: i.get("identifier"),
    "aws_ecs_cluster": lambda i: i.get("name"),
}


class Matcher:
    """Matches one state to one offline plan of the adoption stack."""

    def __init__(self, state: TerraformState, plan: Plan, derived: Derived):
        self.state = state
        self.plan = plan
        self.derived = derived
        self.matched: dict[str, str] = {}  # Terraform address -> logical name
        self.by_id: dict[str, str] = {}  # Terraform id of a matched instance -> logical name

    def ref(self, value: Any) -> str | None:
        """The logical name of the planned resource an input refers to."""
        return self.plan.references.get(value) if isinstance(value, str) else None

    def planned(self, type_: str, **conditions: Any) -> list[PlannedResource]:
        """Planned resources of a type whose inputs equal the conditions (`ref_<input>` compares references)."""
        found = []
        for resource in self.plan.all(type_):
            ok = True
            for key, wanted in conditions.items():
                if key.startswith("ref_"):
                    # A reference the plan cannot resolve (an output of a remote component) matches nothing.
                    ok = ok and wanted is not None and self.ref(resource.inputs.get(key[4:])) == wanted
                else:
                    ok = ok and resource.inputs.get(key) == wanted
            if ok:
                found.append(resource)
        return found

    def claim(self, instance: Instance, resource: PlannedResource | None) -> None:
        if resource is None:
            return
        if resource.name in self.matched.values():
            other = next(a for a, n in self.matched.items() if n == resource.name)
            raise AdoptionRefused(f"{instance.address}: {other} already is the program's {resource.name}; one AWS object per resource")
        self.matched[instance.address] = resource.name
        if instance.get("id"):
            self.by_id[instance.get("id")] = resource.name

    def name_of(self, terraform_id: Any) -> str | None:
        return self.by_id.get(terraform_id) if isinstance(terraform_id, str) else None

    def run(self) -> None:
        # Order matters: later matches follow references to earlier ones.
        for instance in self.state.of_type("aws_vpc"):
            self.claim(instance, _only(self.planned(VPC)))
        for instance in self.state.of_type("aws_subnet"):
            self.claim(
                instance,
                _only(self.planned(SUBNET, cidrBlock=instance.get("cidr_block"), availabilityZone=instance.get("availability_zone"))),
            )
        for instance in self.state.of_type("aws_internet_gateway"):
            self.claim(instance, _only(self.planned("aws:ec2/internetGateway:InternetGateway")))
        self._route_tables()
        self._nat_gateways()
        self._security_groups()
        for type_, (planned_type, attribute, input_name) in NAMED.items():
            for instance in self.state.of_type(type_):
                self.claim(instance, _only(self.planned(planned_type, **{input_name: instance.get(attribute)})))
        self._load_balancer_children()

    def _route_tables(self) -> None:
        rta = "aws:ec2/routeTableAssociation:RouteTableAssociation"
        tables: dict[str, str] = {}  # Terraform route table id -> planned route table
        for assoc in sorted(self.state.of_type("aws_route_table_association"), key=lambda i: i.address):
            subnet = self.name_of(assoc.get("subnet_id"))
            planned = _only(self.planned(rta, ref_subnetId=subnet)) if subnet else None
            self.claim(assoc, planned)
            table = self.ref(planned.inputs.get("routeTableId")) if planned else None
            if table and table not in tables.values():
                tables.setdefault(assoc.get("route_table_id"), table)
        for instance in sorted(self.state.of_type("aws_route_table"), key=lambda i: i.address):
            if (name := tables.get(instance.get("id"))) is not None:
                self.claim(instance, self.plan.named(name))
        for route in self.state.of_type("aws_route"):
            table = self.name_of(route.get("route_table_id"))
            if table:
                found = self.planned(
                    "aws:ec2/route:Route", ref_routeTableId=table, destinationCidrBlock=route.get("destination_cidr_block")
                )
                self.claim(route, _only(found))

    def _nat_gateways(self) -> None:
        eips = {eip.get("id"): eip for eip in self.state.of_type("aws_eip")}
        for nat in self.state.of_type("aws_nat_gateway"):
            subnet = self.name_of(nat.get("subnet_id"))
            planned = _only(self.planned("aws:ec2/natGateway:NatGateway", ref_subnetId=subnet)) if subnet else None
            self.claim(nat, planned)
            eip = eips.get(nat.get("allocation_id"))
            if planned is not None and eip is not None:
                self.claim(eip, self.plan.named(self.ref(planned.inputs.get("allocationId")) or ""))

    def _security_groups(self) -> None:
        for group in self.state.of_type("aws_security_group"):
            role = self.derived.group_roles.get(group.get("id"))
            if role is not None:
                self.claim(group, _only([r for r in self.plan.all("aws:ec2/securityGroup:SecurityGroup") if r.name == f"firewall-{role}"]))
        for rule in self.state.of_type("aws_security_group_rule"):
            self.claim(rule, self._rule(rule))

    def _rule(self, rule: Instance) -> PlannedResource | None:
        group = self.name_of(rule.get("security_group_id"))
        cidrs = rule.get("cidr_blocks") or []
        if group is None or len(cidrs) > 1 or rule.get("self") or rule.get("ipv6_cidr_blocks") or rule.get("prefix_list_ids"):
            return None
        conditions: dict[str, Any] = {
            "ref_securityGroupId": group,
            "ipProtocol": rule.get("protocol"),
            "fromPort": rule.get("from_port"),
            "toPort": rule.get("to_port"),
        }
        if cidrs:
            conditions["cidrIpv4"] = cidrs[0]
        else:
            conditions["ref_referencedSecurityGroupId"] = self.name_of(rule.get("source_security_group_id"))
        return _only(self.planned(INGRESS_RULE if rule.get("type") == "ingress" else EGRESS_RULE, **conditions))

    def _load_balancer_children(self) -> None:
        for listener in self.state.of_type("aws_lb_listener"):
            lb = self.name_of(listener.get("load_balancer_arn"))
            if lb:
                self.claim(listener, _only(self.planned("aws:lb/listener:Listener", ref_loadBalancerArn=lb, port=listener.get("port"))))
        for rule in self.state.of_type("aws_lb_listener_rule"):
            listener_name = self.name_of(rule.get("listener_arn"))
            if listener_name:
                found = self.planned("aws:lb/listenerRule:ListenerRule", ref_listenerArn=listener_name, priority=rule.get("priority"))
                self.claim(rule, _only(found))


def _only(found: list[PlannedResource]) -> PlannedResource | None:
    return found[0] if len(found) == 1 else None


def import_id(instance: Instance) -> str:
    return IMPORT_IDS.get(instance.type, lambda i: i.get("id") or "")(instance)


KNOWN_TYPES = frozenset(NAMED) | frozenset(LEFT_REASONS) | frozenset(HANDED_OFF_REASONS) | MUST_ADOPT


def check_known_types(state: TerraformState) -> None:
    """Refuses, before anything is planned, a state holding a type this tool has no rule for."""
    for instance in state.instances:
        if instance.type not in KNOWN_TYPES:
            raise AdoptionRefused(
                f"{instance.address}: this tool does not know what becomes of a {instance.type}; no resource of the program matches it"
            )


def fates(state: TerraformState, plan: Plan, derived: Derived) -> list[Fate]:
    """Every managed instance's fate; raises AdoptionRefused for one the tool cannot place."""
    check_known_types(state)
    matcher = Matcher(state, plan, derived)
    matcher.run()
    result: list[Fate] = []
    for instance in state.instances:
        name = matcher.matched.get(instance.address)
        if name is not None:
            identifier = import_id(instance)
            if not identifier:
                raise AdoptionRefused(
                    f"{instance.address}: the state has no id Pulumi can import it by (refresh the state with a current provider)"
                )
            result.append(Fate(instance.address, instance.type, ADOPT, logical_name=name, import_id=identifier))
        elif instance.type in MUST_ADOPT:
            raise AdoptionRefused(
                f"{instance.address}: no resource of the program matches it, and it cannot be left behind ({_why_must(instance)})"
            )
        elif _handed_off(instance, matcher):
            result.append(Fate(instance.address, instance.type, HANDED_OFF, reason=HANDED_OFF_REASONS[instance.type]))
        else:
            result.append(
                Fate(instance.address, instance.type, LEFT, reason=LEFT_REASONS.get(instance.type, "no resource of the program matches it"))
            )
    result += [
        Fate(address, address.rsplit(".", 2)[-2], IGNORED, reason="a lookup (data source): nothing to hand off")
        for address in state.data_sources
    ]
    return result


def _why_must(instance: Instance) -> str:
    if instance.type in ("aws_internet_gateway", "aws_route_table_association"):
        return "AWS allows one per VPC or subnet, so the program's own would fail to attach"
    if instance.type in ("aws_vpc", "aws_subnet", "aws_db_subnet_group", "aws_elasticache_subnet_group"):
        return "the adopted data stores live in it"
    return "it holds data"


def _handed_off(instance: Instance, matcher: Matcher) -> bool:
    if instance.type == "aws_secretsmanager_secret_version":
        return True
    if instance.type == "aws_security_group_rule" and instance.get("type") == "egress":
        group = matcher.name_of(instance.get("security_group_id"))
        return group is not None and matcher.plan.named(group).inputs.get("egress") == []
    return False


def outside_state_imports(state: TerraformState, plan: Plan, adopted: dict[str, str]) -> dict[str, str]:
    """Objects AWS made that no state holds but the program declares: the RDS instance's log groups."""
    found: dict[str, str] = {}
    for db in state.of_type("aws_db_instance"):
        if db.address not in adopted:
            continue
        for export in db.get("enabled_cloudwatch_logs_exports") or []:
            name = f"/aws/rds/instance/{db.get('identifier')}/{export}"
            planned = [r for r in plan.all(LOG_GROUP) if r.inputs.get("name") == name]
            if len(planned) == 1:
                found[planned[0].name] = name
    return found
