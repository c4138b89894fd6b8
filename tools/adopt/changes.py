"""What the adopting `pulumi up` changes on an imported resource: the program's inputs against the live attributes.

An input AWS fixes at creation that differs would make Pulumi replace the resource: the adoption is
refused, naming the resource and the input. Any other difference is an in-place update, listed
with what it does to the running system. The authority stays `pulumi preview --diff`; this is the
same comparison made offline, before anything touches AWS.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tools.diff import DISRUPTIVE_INPUTS, REPLACEMENT_INPUTS
from tools.plan_model import SECRET, UNKNOWN, Plan, PlannedResource

from .tfstate import Instance

RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

# Inputs the AWS provider marks ForceNew (terraform-provider-aws schemas behind pulumi-aws 7.x) on the
# types an adoption imports, beyond the data stores `tools.diff` already knows.
FORCE_NEW: dict[str, frozenset[str]] = {
    **REPLACEMENT_INPUTS,
    "aws:ec2/vpc:Vpc": frozenset({"cidrBlock"}),
    "aws:ec2/subnet:Subnet": frozenset({"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"}),
    "aws:ec2/routeTable:RouteTable": frozenset({"vpcId"}),
    "aws:ec2/route:Route": frozenset({"routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"}),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": frozenset({"subnetId", "gatewayId"}),
    "aws:ec2/eip:Eip": frozenset({"domain", "address", "publicIpv4Pool"}),
    "aws:ec2/natGateway:NatGateway": frozenset({"subnetId", "allocationId", "connectivityType", "privateIp"}),
    "aws:ec2/securityGroup:SecurityGroup": frozenset({"name", "namePrefix", "description", "vpcId"}),
    INGRESS_RULE: frozenset({"securityGroupId"}),
    EGRESS_RULE: frozenset({"securityGroupId"}),
    "aws:rds/subnetGroup:SubnetGroup": frozenset({"name", "namePrefix"}),
    "aws:elasticache/subnetGroup:SubnetGroup": frozenset({"name"}),
    "aws:secretsmanager/secret:Secret": frozenset({"name", "namePrefix"}),
    "aws:lb/loadBalancer:LoadBalancer": frozenset({"name", "namePrefix", "internal", "loadBalancerType"}),
    LISTENER: frozenset({"loadBalancerArn"}),
    LISTENER_RULE: frozenset({"listenerArn"}),
    "aws:ecs/cluster:Cluster": frozenset({"name"}),
    LOG_GROUP: frozenset({"name", "namePrefix"}),
    "aws:cloudwatch/metricAlarm:MetricAlarm": frozenset({"name"}),
}

# Where a program input lives in Terraform's state when its name is not the snake_case of the input.
ATTRIBUTE_NAMES: dict[str, dict[str, str]] = {
    INGRESS_RULE: {"ipProtocol": "protocol", "cidrIpv4": "cidr_blocks", "referencedSecurityGroupId": "source_security_group_id"},
    EGRESS_RULE: {"ipProtocol": "protocol", "cidrIpv4": "cidr_blocks", "referencedSecurityGroupId": "source_security_group_id"},
    "aws:cloudwatch/metricAlarm:MetricAlarm": {"name": "alarm_name"},
}

# Inputs that only steer how the provider applies a change; they are not part of the resource.
NOT_ATTRIBUTES = frozenset({"tags", "tagsAll", "__defaults", "applyImmediately", "authTokenUpdateStrategy"})

OUTAGE = "applied in place with an outage"
# What an in-place change does to the running system, where it is more than a quiet update.
IMPACT: dict[tuple[str, str], str] = {
    (RDS, "parameterGroupName"): "the instance switches parameter group now and applies it at its next reboot (a short outage then)",
    (RDS, "password"): "RDS re-sets the master password to the carried-over value: clients keep working",
    (RDS, "monitoringRoleArn"): "enhanced monitoring publishes through the program's role",
    (CACHE, "transitEncryptionEnabled"): "TLS is accepted beside plaintext (mode preferred): clients keep working and move to TLS",
    (CACHE, "transitEncryptionMode"): "TLS is accepted beside plaintext (mode preferred): clients keep working and move to TLS",
    (CACHE, "authToken"): "an AUTH token is added (strategy ROTATE): connections without it keep working until the token is enforced",
    (CACHE, "parameterGroupName"): "the group switches to the program's parameter group (same maxmemory-policy)",
    (LISTENER, "defaultActions"): "CUT-OVER: from here the listener sends traffic to the program's services",
    (LISTENER, "certificateArn"): "the listener serves the program's certificate (DNS-validated before it is used)",
    (LISTENER_RULE, "actions"): "CUT-OVER: from here the rule sends traffic to the program's services",
    ("aws:ec2/securityGroup:SecurityGroup", "egress"): "revokes the egress rules the group no longer declares",
    ("aws:secretsmanager/secret:Secret", "kmsKeyId"): "new versions are encrypted with the stack's key; older versions stay readable",
    ("aws:ec2/routeTableAssociation:RouteTableAssociation", "routeTableId"): "the subnet moves to the program's table, "
    "which holds the same local route: no interruption",
    ("aws:ec2/subnet:Subnet", "mapPublicIpOnLaunch"): "new network interfaces there get no public address by default "
    "(the ALB and NAT gateways bring their own)",
}


@dataclass(frozen=True)
class Difference:
    """One input the adopting update changes (or, when `replaces`, cannot change)."""

    input: str
    live: str
    program: str
    replaces: bool
    impact: str

    def as_dict(self) -> dict[str, Any]:
        return {"input": self.input, "live": self.live, "program": self.program, "replaces": self.replaces, "impact": self.impact}


def differences(resource: PlannedResource, instance: Instance, plan: Plan, default_tags: dict[str, str]) -> list[Difference]:
    """Every input of the planned resource whose value differs from the instance's attribute."""
    found: list[Difference] = []
    names = ATTRIBUTE_NAMES.get(resource.type, {})
    sensitive = {path[0] for path in instance.sensitive_paths}
    for key in sorted(resource.inputs):
        value = resource.inputs[key]
        if key in NOT_ATTRIBUTES or value == UNKNOWN:
            continue
        attribute = names.get(key) or _attribute_name(key, instance.attributes)
        if attribute is None:
            continue
        live = instance.attributes.get(attribute)
        if value == SECRET:
            found.append(
                _difference(resource, key, "(sensitive)" if attribute in sensitive else _show(live, plan), "(secure config)", live)
            )
        elif not same(value, live):
            found.append(
                _difference(resource, key, "(sensitive)" if attribute in sensitive else _show(live, plan), _show(value, plan), live)
            )
    if tags := _tag_changes(resource, instance, default_tags):
        found.append(Difference("tags", tags[0], tags[1], False, "tags only"))
    return found


def _difference(resource: PlannedResource, key: str, live: str, program: str, live_value: Any) -> Difference:
    replaces = key in FORCE_NEW.get(resource.type, frozenset())
    if replaces:
        impact = "AWS sets this only at creation: Pulumi would REPLACE the resource"
    elif (resource.type, key) == (RDS, "backupRetentionPeriod") and not live_value:
        impact = f"{OUTAGE}: turning automated backups on restarts the instance"
    elif (resource.type, key) == (LOG_GROUP, "retentionInDays"):
        impact = "CloudWatch deletes events older than the new retention" if _shorter(program, live_value) else "events are kept longer"
    elif key in DISRUPTIVE_INPUTS.get(resource.type, frozenset()):
        impact = OUTAGE
    else:
        impact = IMPACT.get((resource.type, key), "in place")
    return Difference(key, live, program, replaces, impact)


def _shorter(program: str, live: Any) -> bool:
    """Whether a retention shortens: CloudWatch's 0 (or none) means events never expire."""
    return not live or (program.isdigit() and int(program) < int(live))


def _attribute_name(key: str, attributes: dict[str, Any]) -> str | None:
    """'defaultActions' -> 'default_action': snake_case, singular where Terraform names a block in the singular."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()
    for candidate in (snake, snake.removesuffix("s")):
        if candidate in attributes:
            return candidate
    return None


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}, False, 0) or value == [{}]


def same(program: Any, live: Any) -> bool:
    """Whether Terraform would see no difference: empty equals absent, sets are unordered, "true" is True."""
    if _empty(program) and _empty(live):
        return True
    if isinstance(program, bool) or isinstance(live, bool):
        return str(program).lower() == str(live).lower()
    if isinstance(program, dict):
        if isinstance(live, list) and len(live) == 1:
            live = live[0]
        if not isinstance(live, dict):
            return False
        return all(same(value, live.get(_attribute_name(key, live) or key)) for key, value in program.items())
    if isinstance(program, list):
        return _same_items(program, live if isinstance(live, list) else [live])
    if isinstance(live, list) and len(live) == 1:
        live = live[0]
    if isinstance(program, str) and isinstance(live, str) and program[:1] in "{[" and live[:1] in "{[":
        try:
            return json.loads(program) == json.loads(live)
        except ValueError:
            pass
    return str(program) == str(live)


def _same_items(program: list, live: list) -> bool:
    if len(program) != len(live):
        return False
    remaining = list(live)
    for item in program:
        match = next((index for index, candidate in enumerate(remaining) if same(item, candidate)), None)
        if match is None:
            return False
        remaining.pop(match)
    return True


def _show(value: Any, plan: Plan) -> str:
    """A value for the report; ids of resources the program creates are named, never shown as the offline run made them."""
    if isinstance(value, str):
        name = plan.references.get(value)
        # An imported resource's id is its live id (the import id), so only created ones are renamed.
        if name is not None and not any(r.imported for r in plan.resources if r.name == name):
            return f"(new: {name})"
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_show(item, plan) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v, plan)}" for k, v in sorted(value.items()) if v not in (None, "", [], {})) + "}"
    return json.dumps(value)


def _tag_changes(resource: PlannedResource, instance: Instance, default_tags: dict[str, str]) -> tuple[str, str] | None:
    if "tags" not in resource.inputs and not instance.get("tags"):
        return None
    wanted = {**default_tags, **(resource.inputs.get("tags") or {})}
    live = instance.get("tags_all") or instance.get("tags") or {}
    if wanted == live:
        return None
    changed = sorted(k for k in wanted.keys() & live.keys() if wanted[k] != live[k])
    added, removed = sorted(wanted.keys() - live.keys()), sorted(live.keys() - wanted.keys())
    parts = [f"{k}: {live[k]} -> {wanted[k]}" for k in changed] + [f"+{k}" for k in added] + [f"-{k}" for k in removed]
    return ", ".join(parts), "the program's tags"
