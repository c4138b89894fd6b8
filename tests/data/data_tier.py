"""Shared look-ups for the data-tier tests."""

from __future__ import annotations

from tools.plan_model import Plan, PlannedResource

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
KMS_KEY = "aws:kms/key:Key"

GROUP_OUTPUTS = {
    "alb": "albSecurityGroupId",
    "app": "appSecurityGroupId",
    "database": "databaseSecurityGroupId",
    "cache": "cacheSecurityGroupId",
}


def key_arn(plan: Plan) -> str:
    return plan.outputs["kmsKeyArn"]


def group_ids(plan: Plan) -> dict[str, str]:
    return {role: plan.outputs[output] for role, output in GROUP_OUTPUTS.items()}


def rules_of(plan: Plan, type_: str, group_id: str) -> list[PlannedResource]:
    """The Firewall's own rules on a group (other components may add theirs, e.g. ECS's EFS egress)."""
    firewall = plan.one("ohmycoins:firewall:Firewall")
    return [r for r in plan.all(type_) if r.inputs["securityGroupId"] == group_id and r.parent == firewall.urn]


def all_rules_of(plan: Plan, type_: str, group_id: str) -> list[PlannedResource]:
    """Every rule on a group, whoever created it."""
    return [r for r in plan.all(type_) if r.inputs["securityGroupId"] == group_id]


def describe(rule: PlannedResource, names: dict[str, str]) -> tuple[str, int, int, str]:
    """(protocol, from, to, peer) with peer a CIDR or the role of a firewall group ('sg:<role>')."""
    peer = rule.inputs.get("cidrIpv4") or f"sg:{names.get(rule.inputs.get('referencedSecurityGroupId'), 'other')}"
    return rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"], peer
