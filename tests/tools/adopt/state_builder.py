"""Small Terraform states (format 4) of a made-up staging, written for these tests.

The layout follows what a Terraform configuration of this kind produces (modules vpc, security,
rds, redis, alb, ecs), with fake ids; each test edits a fresh copy.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGION = "ap-southeast-2"
VPC_ID = "vpc-0aa11bb22cc33dd44"
SUBNETS = {  # (terraform name, index) -> (id, zone, cidr)
    ("public", 0): ("subnet-0a0000000000000a1", "ap-southeast-2a", "10.20.1.0/24"),
    ("public", 1): ("subnet-0a0000000000000b1", "ap-southeast-2b", "10.20.2.0/24"),
    ("private_app", 0): ("subnet-0a0000000000000a2", "ap-southeast-2a", "10.20.11.0/24"),
    ("private_app", 1): ("subnet-0a0000000000000b2", "ap-southeast-2b", "10.20.12.0/24"),
    ("private_db", 0): ("subnet-0a0000000000000a3", "ap-southeast-2a", "10.20.21.0/24"),
    ("private_db", 1): ("subnet-0a0000000000000b3", "ap-southeast-2b", "10.20.22.0/24"),
}
GROUPS = {"alb": "sg-0a00000000000a1b1", "ecs": "sg-0a00000000000a1b2", "rds": "sg-0a00000000000a1b3", "redis": "sg-0a00000000000a1b4"}
DB_PASSWORD = "Own-Fixture-Db-Password-7731"
SECRET_VALUES = {"SECRET_KEY": "own-fixture-secret-key-0123456789abcdef", "FIRST_SUPERUSER_PASSWORD": "own-fixture-admin-password-42"}
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ohmycoins-staging-app-secrets-AbC123"
LB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/ohmycoins-staging-alb/0123456789abcdef"
TAGS = {"Environment": "staging", "ManagedBy": "Terraform", "Project": "Oh My Coins"}


def _resource(module: str | None, type_: str, name: str, instances: list[tuple[Any, dict[str, Any]]], sensitive=()) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
    }
    if module:
        resource["module"] = module
    resource["instances"] = [
        {
            **({"index_key": index} if index is not None else {}),
            "schema_version": 0,
            "attributes": attributes,
            "sensitive_attributes": [[{"type": "get_attr", "value": key}] for key in sensitive],
        }
        for index, attributes in instances
    ]
    return resource


def staging_state() -> dict[str, Any]:
    """A whole staging: network with one NAT, four groups and their rules, PostgreSQL, Redis, the app secret, an ALB."""
    resources = [_vpc(), *_subnets(), *_routing(), *_nat(), *_security(), *_database(), *_cache(), *_secret(), *_edge(), *_left_behind()]
    resources.append(
        {
            "mode": "data",
            "type": "aws_iam_openid_connect_provider",
            "name": "github",
            "module": "module.iam",
            "instances": [{"attributes": {"arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}}],
        }
    )
    return {
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 12,
        "lineage": "00000000-1111-2222-3333-444444444444",
        "outputs": {"db_password": {"value": DB_PASSWORD, "type": "string", "sensitive": True}},
        "resources": resources,
        "check_results": None,
    }


def _vpc() -> dict[str, Any]:
    attributes = {
        "id": VPC_ID,
        "cidr_block": "10.20.0.0/16",
        "enable_dns_support": True,
        "enable_dns_hostnames": True,
        "instance_tenancy": "default",
        "tags": {**TAGS, "Name": "ohmycoins-staging-vpc"},
        "tags_all": {**TAGS, "Name": "ohmycoins-staging-vpc"},
    }
    return _resource("module.vpc", "aws_vpc", "main", [(None, attributes)])


def _subnets() -> list[dict[str, Any]]:
    by_name: dict[str, list] = {}
    for (name, index), (subnet_id, zone, cidr) in SUBNETS.items():
        tags = {**TAGS, "Name": f"ohmycoins-staging-{name}-{index + 1}", "Type": name.replace("_", "-")}
        by_name.setdefault(name, []).append(
            (
                index,
                {
                    "id": subnet_id,
                    "vpc_id": VPC_ID,
                    "availability_zone": zone,
                    "cidr_block": cidr,
                    "map_public_ip_on_launch": name == "public",
                    "tags": tags,
                    "tags_all": tags,
                },
            )
        )
    return [_resource("module.vpc", "aws_subnet", name, instances) for name, instances in by_name.items()]


def _routing() -> list[dict[str, Any]]:
    tables = {
        "public": [(None, "rtb-0a00000000000c001")],
        "private_app": [(0, "rtb-0a00000000000c002"), (1, "rtb-0a00000000000c003")],
        "private_db": [(0, "rtb-0a00000000000c004"), (1, "rtb-0a00000000000c005")],
    }
    resources = [
        _resource(
            "module.vpc",
            "aws_internet_gateway",
            "main",
            [(None, {"id": "igw-0a00000000000d001", "vpc_id": VPC_ID, "tags": TAGS, "tags_all": TAGS})],
        ),
        *[
            _resource(
                "module.vpc", "aws_route_table", name, [(i, {"id": t, "vpc_id": VPC_ID, "tags": TAGS, "tags_all": TAGS}) for i, t in found]
            )
            for name, found in tables.items()
        ],
    ]
    associations = {
        "public": [(0, SUBNETS[("public", 0)][0], "rtb-0a00000000000c001"), (1, SUBNETS[("public", 1)][0], "rtb-0a00000000000c001")],
        "private_app": [
            (0, SUBNETS[("private_app", 0)][0], "rtb-0a00000000000c002"),
            (1, SUBNETS[("private_app", 1)][0], "rtb-0a00000000000c003"),
        ],
        "private_db": [
            (0, SUBNETS[("private_db", 0)][0], "rtb-0a00000000000c004"),
            (1, SUBNETS[("private_db", 1)][0], "rtb-0a00000000000c005"),
        ],
    }
    for name, found in associations.items():
        resources.append(
            _resource(
                "module.vpc",
                "aws_route_table_association",
                name,
                [
                    (i, {"id": f"rtbassoc-0a0000000{n}{i}", "subnet_id": s, "route_table_id": t, "gateway_id": ""})
                    for n, (i, s, t) in enumerate(found)
                ],
            )
        )
    resources.append(
        _resource(
            "module.vpc",
            "aws_route",
            "public_internet",
            [
                (
                    None,
                    {
                        "id": "r-rtb-0a00000000000c0011080289494",
                        "route_table_id": "rtb-0a00000000000c001",
                        "destination_cidr_block": "0.0.0.0/0",
                        "gateway_id": "igw-0a00000000000d001",
                        "nat_gateway_id": "",
                    },
                )
            ],
        )
    )
    return resources


def _nat() -> list[dict[str, Any]]:
    nat = {
        "id": "nat-0a00000000000e001",
        "allocation_id": "eipalloc-0a00000000000f001",
        "subnet_id": SUBNETS[("public", 1)][0],
        "connectivity_type": "public",
        "tags": TAGS,
        "tags_all": TAGS,
    }
    routes = [
        (
            i,
            {
                "id": f"r-{t}1080289494",
                "route_table_id": t,
                "destination_cidr_block": "0.0.0.0/0",
                "gateway_id": "",
                "nat_gateway_id": "nat-0a00000000000e001",
            },
        )
        for i, t in ((0, "rtb-0a00000000000c002"), (1, "rtb-0a00000000000c003"))
    ]
    return [
        _resource(
            "module.vpc", "aws_eip", "nat", [(0, {"id": "eipalloc-0a00000000000f001", "domain": "vpc", "tags": TAGS, "tags_all": TAGS})]
        ),
        _resource("module.vpc", "aws_nat_gateway", "main", [(0, nat)]),
        _resource("module.vpc", "aws_route", "private_app_nat", routes),
    ]


def _group(role: str, name: str, description: str) -> dict[str, Any]:
    tags = {**TAGS, "Name": name}
    return _resource(
        "module.security",
        "aws_security_group",
        role,
        [
            (
                None,
                {
                    "id": GROUPS[role],
                    "name": name,
                    "description": description,
                    "vpc_id": VPC_ID,
                    "tags": tags,
                    "tags_all": tags,
                    "egress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 0, "to_port": 0, "protocol": "-1", "description": ""}],
                    "ingress": [],
                },
            )
        ],
    )


def _rule(name: str, number: int, group: str, kind: str, port: int, *, cidr: str | None = None, source: str | None = None, protocol="tcp"):
    return _resource(
        "module.security",
        "aws_security_group_rule",
        name,
        [
            (
                None,
                {
                    "id": f"sgrule-{number}",
                    "security_group_rule_id": f"sgr-0a0000000000{number:05d}",
                    "security_group_id": GROUPS[group],
                    "type": kind,
                    "protocol": protocol,
                    "from_port": port,
                    "to_port": port,
                    "cidr_blocks": [cidr] if cidr else None,
                    "source_security_group_id": GROUPS[source] if source else None,
                    "self": False,
                    "description": f"{name} rule",
                },
            )
        ],
    )


def _security() -> list[dict[str, Any]]:
    return [
        _group("alb", "ohmycoins-staging-alb-sg", "Load balancer"),
        _group("ecs", "ohmycoins-staging-ecs-sg", "ECS tasks"),
        _group("rds", "ohmycoins-staging-rds-sg", "PostgreSQL"),
        _group("redis", "ohmycoins-staging-redis-sg", "Redis"),
        _rule("alb_https", 1, "alb", "ingress", 443, cidr="0.0.0.0/0"),
        _rule("alb_http", 2, "alb", "ingress", 80, cidr="0.0.0.0/0"),
        _rule("alb_out", 3, "alb", "egress", 0, cidr="0.0.0.0/0", protocol="-1"),
        _rule("ecs_backend", 4, "ecs", "ingress", 8000, source="alb"),
        _rule("rds_from_ecs", 5, "rds", "ingress", 5432, source="ecs"),
        _rule("rds_out", 6, "rds", "egress", 0, cidr="0.0.0.0/0", protocol="-1"),
        _rule("redis_from_ecs", 7, "redis", "ingress", 6379, source="ecs"),
    ]


def _database() -> list[dict[str, Any]]:
    tags = {**TAGS, "Name": "ohmycoins-staging-postgres"}
    instance = {
        "id": "db-OWNFIXTURE0000000000000001",
        "identifier": "ohmycoins-staging-postgres",
        "engine": "postgres",
        "engine_version": "17.4",
        "instance_class": "db.t4g.micro",
        "db_name": "app",
        "username": "postgres",
        "password": DB_PASSWORD,
        "manage_master_user_password": None,
        "allocated_storage": 20,
        "max_allocated_storage": 50,
        "storage_type": "gp3",
        "storage_encrypted": True,
        "kms_key_id": KEY_ARN,
        "multi_az": False,
        "backup_retention_period": 5,
        "backup_window": "15:00-15:30",
        "maintenance_window": "sun:14:00-sun:14:30",
        "deletion_protection": True,
        "skip_final_snapshot": False,
        "final_snapshot_identifier": "ohmycoins-staging-final",
        "performance_insights_enabled": False,
        "monitoring_interval": 0,
        "db_subnet_group_name": "ohmycoins-staging-db",
        "vpc_security_group_ids": [GROUPS["rds"]],
        "parameter_group_name": "default.postgres17",
        "port": 5432,
        "publicly_accessible": False,
        "enabled_cloudwatch_logs_exports": ["postgresql"],
        "apply_immediately": False,
        "auto_minor_version_upgrade": True,
        "copy_tags_to_snapshot": True,
        "iam_database_authentication_enabled": True,
        "tags": tags,
        "tags_all": tags,
    }
    subnet_group = {
        "id": "ohmycoins-staging-db",
        "name": "ohmycoins-staging-db",
        "description": "Managed by Terraform",
        "subnet_ids": [SUBNETS[("private_db", 0)][0], SUBNETS[("private_db", 1)][0]],
        "tags": TAGS,
        "tags_all": TAGS,
    }
    return [
        _resource("module.rds", "aws_db_instance", "this", [(None, instance)], sensitive=("password",)),
        _resource("module.rds", "aws_db_subnet_group", "this", [(None, subnet_group)]),
    ]


def _cache() -> list[dict[str, Any]]:
    group = {
        "id": "ohmycoins-staging-redis",
        "replication_group_id": "ohmycoins-staging-redis",
        "description": "Redis",
        "engine": "redis",
        "engine_version": "7.1",
        "engine_version_actual": "7.1.0",
        "node_type": "cache.t4g.micro",
        "num_cache_clusters": 1,
        "automatic_failover_enabled": False,
        "multi_az_enabled": False,
        "port": 6379,
        "at_rest_encryption_enabled": "true",
        "kms_key_id": "",
        "transit_encryption_enabled": False,
        "transit_encryption_mode": "",
        "auth_token": "",
        "cluster_enabled": False,
        "snapshot_retention_limit": 2,
        "snapshot_window": "13:00-14:00",
        "maintenance_window": "sun:15:00-sun:16:00",
        "subnet_group_name": "ohmycoins-staging-cache",
        "security_group_ids": [GROUPS["redis"]],
        "parameter_group_name": "default.redis7",
        "final_snapshot_identifier": None,
        "apply_immediately": True,
        "tags": TAGS,
        "tags_all": TAGS,
    }
    subnet_group = {
        "id": "ohmycoins-staging-cache",
        "name": "ohmycoins-staging-cache",
        "description": "Managed by Terraform",
        "subnet_ids": [SUBNETS[("private_db", 0)][0], SUBNETS[("private_db", 1)][0]],
        "tags": TAGS,
        "tags_all": TAGS,
    }
    return [
        _resource("module.redis", "aws_elasticache_replication_group", "this", [(None, group)], sensitive=("auth_token",)),
        _resource("module.redis", "aws_elasticache_subnet_group", "this", [(None, subnet_group)]),
    ]


def _secret() -> list[dict[str, Any]]:
    secret = {
        "id": SECRET_ARN,
        "arn": SECRET_ARN,
        "name": "ohmycoins-staging-app-secrets",
        "description": "App secrets",
        "kms_key_id": "",
        "recovery_window_in_days": 7,
        "tags": TAGS,
        "tags_all": TAGS,
    }
    version = {
        "id": f"{SECRET_ARN}|terraform-1",
        "arn": SECRET_ARN,
        "secret_id": SECRET_ARN,
        "version_id": "terraform-1",
        "version_stages": ["AWSCURRENT"],
        "secret_string": json.dumps(SECRET_VALUES),
    }
    return [
        _resource(None, "aws_secretsmanager_secret", "app", [(None, secret)]),
        _resource(None, "aws_secretsmanager_secret_version", "app", [(None, version)], sensitive=("secret_string",)),
    ]


def _edge() -> list[dict[str, Any]]:
    lb = {
        "id": LB_ARN,
        "arn": LB_ARN,
        "name": "ohmycoins-staging-alb",
        "internal": False,
        "load_balancer_type": "application",
        "security_groups": [GROUPS["alb"]],
        "subnets": [SUBNETS[("public", 0)][0], SUBNETS[("public", 1)][0]],
        "enable_http2": True,
        "drop_invalid_header_fields": True,
        "tags": TAGS,
        "tags_all": TAGS,
    }
    return [_resource("module.alb", "aws_lb", "this", [(None, lb)])]


def _left_behind() -> list[dict[str, Any]]:
    role = {"id": "ohmycoins-staging-task", "name": "ohmycoins-staging-task", "tags": TAGS, "tags_all": TAGS}
    alarm = {"id": "ohmycoins-staging-rds-cpu-high", "alarm_name": "ohmycoins-staging-rds-cpu-high", "tags": TAGS, "tags_all": TAGS}
    return [
        _resource("module.iam", "aws_iam_role", "task", [(None, role)]),
        _resource("module.rds", "aws_cloudwatch_metric_alarm", "cpu", [(None, alarm)]),
    ]


def instances_of(state: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [i["attributes"] for r in state["resources"] if r["type"] == type_ and r["mode"] == "managed" for i in r["instances"]]


def without(state: dict[str, Any], *resources: str) -> dict[str, Any]:
    """A copy without these resources, given as `type` or `type.name` (e.g. a NAT gateway removed by hand)."""
    copied = copy.deepcopy(state)
    copied["resources"] = [r for r in copied["resources"] if r["type"] not in resources and f"{r['type']}.{r['name']}" not in resources]
    return copied


def edited(state: dict[str, Any], type_: str, **attributes: Any) -> dict[str, Any]:
    """A copy whose every instance of `type_` has these attributes."""
    copied = copy.deepcopy(state)
    for resource in copied["resources"]:
        if resource["type"] == type_:
            for instance in resource["instances"]:
                instance["attributes"].update(attributes)
    return copied


def write(state: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(state, indent=1))
    return path
