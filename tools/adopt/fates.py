"""What becomes of each Terraform address, and why, for the types this tool knows."""

from __future__ import annotations

from dataclasses import dataclass, field

ADOPT = "adopt"  # imported into the stack
LEFT = "left to Terraform"  # Terraform keeps it and destroys it after the cut-over
HANDED_OFF = "handed off"  # leaves Terraform's state without being deleted, and nothing manages it
IGNORED = "data source"  # a lookup: nothing to hand off

# Types that hold data: never left behind or replaced by an adoption.
STATEFUL_TYPES = frozenset(
    {
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_elasticache_replication_group",
        "aws_elasticache_cluster",
        "aws_efs_file_system",
        "aws_s3_bucket",
        "aws_secretsmanager_secret",
        "aws_dynamodb_table",
        "aws_kms_key",
    }
)

# Types the program must adopt when the state has them: leaving them would make the adopting
# `pulumi up` fail (one IGW per VPC, one association per subnet) or lose data.
MUST_ADOPT = STATEFUL_TYPES | {
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route_table_association",
    "aws_db_subnet_group",
    "aws_elasticache_subnet_group",
}

# Why an instance of these types that the program does not adopt stays with Terraform until the cut-over.
LEFT_REASONS: dict[str, str] = {
    "aws_db_parameter_group": "replaced by the program's parameter group (TLS only, slow-statement logging); "
    "the instance switches to it in place and applies it at its next reboot: destroy this one after that reboot",
    "aws_elasticache_parameter_group": "replaced by the program's parameter group (same maxmemory-policy); the replication group switches in place",
    "aws_iam_role": "the program creates its own least-privilege roles (CI: `ohmycoins-<stack>-ci-*`); this one goes with "
    "the old services: move any workflow that assumes it to the program's roles before destroying it",
    "aws_iam_role_policy": "goes with its role",
    "aws_iam_role_policy_attachment": "goes with its role",
    "aws_ecs_service": "the old application service; the program runs the catalog's services (the adopting `pulumi up` is the cut-over)",
    "aws_ecs_task_definition": "the old service's task definition; the program registers its own revisions (the family may be the same)",
    "aws_lb_target_group": "the old services' target group; the adopted listeners forward to the program's target groups",
    "aws_cloudwatch_metric_alarm": "replaced by the program's alarms, which notify the stack's alert topic",
    "aws_cloudwatch_log_group": "the program has no log group of this name",
    "aws_route_table": "not used once the adopting `pulumi up` moves its subnet to the program's single data-tier route table",
    "aws_route": "belongs to a route table the program does not adopt",
    "aws_security_group_rule": "allow-all egress the program replaces with narrower rules; destroying it revokes it",
    "aws_security_group": "no group of the program plays this one's role",
    "aws_eip": "not attached to a NAT gateway the program adopts",
    "aws_nat_gateway": "the program's NAT strategy has no gateway in its zone",
    "aws_lb": "the program's load balancer has another name",
    "aws_lb_listener": "on a load balancer the program does not adopt",
    "aws_lb_listener_rule": "on a listener the program does not adopt",
    "aws_ecs_cluster": "the program's cluster has another name",
}

# Instances that leave Terraform's state without being deleted, and why nothing else is needed.
HANDED_OFF_REASONS: dict[str, str] = {
    "aws_secretsmanager_secret_version": "a version of the adopted secret: the program writes the next version, "
    "this one stays in the secret's history (AWSPREVIOUS)",
    "aws_security_group_rule": "the adopted group declares no egress, so the adopting `pulumi up` revokes this rule",
}


@dataclass
class Fate:
    """One Terraform address's fate."""

    address: str
    type: str
    fate: str
    reason: str = ""
    logical_name: str = ""  # the program's resource (adopted ones)
    import_id: str = ""
    changes: list[dict] = field(default_factory=list)  # in-place updates of an adopted resource
