"""Stack settings that describe the live resources of a Terraform state.

Everything AWS fixes at creation (CIDRs, zones, names, keys, engine, user name) is copied from the
state, so the program declares exactly what exists; settings that change in place (windows,
retention) are copied too, so the adopting `pulumi up` changes as little as it can.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from components.compute.ecs.schedule import cron_fields
from components.data.maintenance_windows import daily_runs_meet_weekly
from components.network.vpc import zone_suffix
from components.recovery.cross_checks import MAINTENANCE_LEAD_MINUTES

from .tfstate import AdoptionRefused, Instance, TerraformState

PROJECT = "ohmycoins"
# Terraform subnet names (and `Type` tags) of each tier of this program.
TIERS = {
    "public": "public",
    "private_app": "private-app",
    "private-app": "private-app",
    "private_db": "private-data",
    "private-db": "private-data",
}
TIER_KEYS = {"public": "publicSubnets", "private-app": "privateAppSubnets", "private-data": "privateDataSubnets"}
# Private-app subnets smaller than this are tight for EKS pods (the program carves /19s).
EKS_ROOMY_PREFIX = 22
SECURE_PLACEHOLDER = {"secure": "v1:REPLACE-WITH-PULUMI-CONFIG-SET-SECRET"}


@dataclass
class Derived:
    """The adoption stack's config, and which security group of the state plays which role."""

    config: dict[str, Any]
    group_roles: dict[str, str] = field(default_factory=dict)  # security group id -> firewall role
    notes: list[str] = field(default_factory=list)


def area(config: dict[str, Any], name: str) -> dict[str, Any]:
    return config.setdefault(f"{PROJECT}:{name}", {})


def one(state: TerraformState, type_: str, what: str) -> Instance | None:
    found = state.of_type(type_)
    if len(found) > 1:
        raise AdoptionRefused(f"{', '.join(i.address for i in found)}: the program has one {what}; the state has {len(found)}")
    return found[0] if found else None


def derive(state: TerraformState, base_config: dict[str, Any], prefix: str) -> Derived:
    """The stack's committed settings plus what adoption needs; raises AdoptionRefused naming the address."""
    derived = Derived(config=copy.deepcopy(base_config))
    _network(state, derived)
    _firewall(state, derived)
    _database(state, derived, prefix)
    _cache(state, derived)
    _backup_times(derived)
    _secrets(state, derived)
    return derived


def _network(state: TerraformState, derived: Derived) -> None:
    vpc = one(state, "aws_vpc", "VPC")
    if vpc is None:
        raise AdoptionRefused("the state has no aws_vpc: nothing to adopt the network from")
    network = area(derived.config, "network")
    network["vpcCidr"] = vpc.get("cidr_block")
    by_tier: dict[str, dict[str, Instance]] = {tier: {} for tier in TIER_KEYS}
    for subnet in state.of_type("aws_subnet"):
        tier = TIERS.get(subnet.name) or TIERS.get(str((subnet.get("tags") or {}).get("Type", "")))
        if tier is None:
            raise AdoptionRefused(f"{subnet.address}: not a public, private-app or private-db subnet, so no tier of the program matches it")
        zone = subnet.get("availability_zone")
        if zone in by_tier[tier]:
            raise AdoptionRefused(f"{subnet.address}: a second {tier} subnet in {zone}; the program has one subnet per tier and zone")
        by_tier[tier][zone] = subnet
    zone_sets = {tier: set(subnets) for tier, subnets in by_tier.items()}
    if len({frozenset(z) for z in zone_sets.values()}) != 1 or not zone_sets["public"]:
        detail = "; ".join(f"{tier}: {', '.join(sorted(zones)) or 'none'}" for tier, zones in zone_sets.items())
        raise AdoptionRefused(f"aws_subnet: every tier needs a subnet in the same zones ({detail})")
    zones = sorted(zone_sets["public"])
    if len({zone_suffix(z) for z in zones}) != len(zones):
        raise AdoptionRefused(f"aws_subnet: zones {zones} end in the same letter, which the program's subnet names use")

    nats = state.of_type("aws_nat_gateway")
    public_zone = {s.get("id"): z for z, s in by_tier["public"].items()}
    nat_zones = [public_zone.get(n.get("subnet_id")) for n in nats]
    if None in nat_zones:
        raise AdoptionRefused(f"{nats[nat_zones.index(None)].address}: the NAT gateway is not in a public subnet of the state")
    if len(nats) == 1:
        # The program's single NAT sits in the first zone: put the live one's zone first.
        network["natStrategy"] = "single"
        zones = [nat_zones[0], *[z for z in zones if z != nat_zones[0]]]
    elif len(nats) == len(zones) and set(nat_zones) == set(zones):
        network["natStrategy"] = "per-az"
    elif nats:
        raise AdoptionRefused(f"aws_nat_gateway: {len(nats)} NAT gateways in {len(zones)} zones; the program has one, or one per zone")
    if nats:
        # The live gateways are adopted as they are; moving to a NAT instance is a later, reviewed change.
        network["natType"] = "gateway"
        network.pop("natInstanceType", None)
    else:
        derived.notes.append(
            f"The state has no NAT gateway (paused by hand): natStrategy stays {network.get('natStrategy')!r} with "
            f"natType {network.get('natType', 'gateway')!r}, so the adopting `pulumi up` creates the NAT and the "
            "private-app route tables again."
        )
    network["availabilityZones"] = zones
    for tier, key in TIER_KEYS.items():
        network[key] = [by_tier[tier][zone].get("cidr_block") for zone in zones]
    smallest = max(int(str(cidr).split("/")[1]) for cidr in network["privateAppSubnets"])
    if smallest > EKS_ROOMY_PREFIX:
        derived.notes.append(
            f"The private-app subnets are /{smallest}: EKS pods take their addresses from them (about "
            f"{2 ** (32 - smallest) - 5} per zone), enough for the runners and monitoring, tight for the applications. "
            "Add larger private-app subnets (in the VPC's free space) before moving the applications to EKS."
        )


def group_roles(state: TerraformState) -> dict[str, str]:
    """Security group id -> firewall role, from what uses each group (not from its name)."""
    roles: dict[str, str] = {}

    def claim(ids: list[str] | None, role: str, user: Instance) -> None:
        for group_id in ids or []:
            if roles.get(group_id, role) != role:
                raise AdoptionRefused(f"{user.address}: security group {group_id} is both {roles[group_id]} and {role}")
            roles[group_id] = role

    for db in state.of_type("aws_db_instance"):
        claim(db.get("vpc_security_group_ids"), "database", db)
    for group in state.of_type("aws_elasticache_replication_group"):
        claim(group.get("security_group_ids"), "cache", group)
    for lb in state.of_type("aws_lb"):
        claim(lb.get("security_groups"), "alb", lb)
    for service in state.of_type("aws_ecs_service"):
        for network in service.get("network_configuration") or []:
            claim(network.get("security_groups"), "app", service)
    # The group the data tier admits is the application tier's, whether or not a service uses it yet.
    for rule in state.of_type("aws_security_group_rule"):
        if rule.get("type") == "ingress" and roles.get(rule.get("security_group_id")) in ("database", "cache"):
            source = rule.get("source_security_group_id")
            if source and source not in roles:
                roles[source] = "app"
    return roles


def _firewall(state: TerraformState, derived: Derived) -> None:
    derived.group_roles = {gid: role for gid, role in group_roles(state).items() if state.by_id("aws_security_group", gid)}
    taken: dict[str, str] = {}
    groups = area(derived.config, "firewall").setdefault("groups", {})
    for group_id, role in sorted(derived.group_roles.items(), key=lambda item: item[1]):
        group = state.by_id("aws_security_group", group_id)
        assert group is not None
        if role in taken:
            raise AdoptionRefused(f"{group.address}: a second {role} security group (besides {taken[role]}); the program has one per role")
        taken[role] = group.address
        groups[role] = {"name": group.get("name"), "description": group.get("description")}


def _database(state: TerraformState, derived: Derived, prefix: str) -> None:
    db = one(state, "aws_db_instance", "PostgreSQL instance")
    if db is None:
        return
    if db.get("identifier") != f"{prefix}-postgres":
        raise AdoptionRefused(f"{db.address}: identifier {db.get('identifier')!r} is not this stack's ({prefix}-postgres)")
    if db.get("engine") != "postgres":
        raise AdoptionRefused(f"{db.address}: engine {db.get('engine')!r}; the program runs PostgreSQL (a new engine means a new instance)")
    if not db.get("storage_encrypted"):
        raise AdoptionRefused(
            f"{db.address}: storage_encrypted is false, and the program encrypts storage, which RDS can only set on a new "
            "instance; encrypt it first (snapshot, copy the snapshot with encryption, restore) and adopt the restored instance"
        )
    settings = area(derived.config, "database")
    committed = dict(settings)
    settings.update(
        engineVersion=str(db.get("engine_version")),
        instanceClass=db.get("instance_class"),
        databaseName=db.get("db_name"),
        masterUsername=db.get("username"),
        allocatedStorageGb=db.get("allocated_storage"),
        multiAz=bool(db.get("multi_az")),
        backupRetentionDays=db.get("backup_retention_period"),
        backupWindow=db.get("backup_window"),
        maintenanceWindow=db.get("maintenance_window"),
        deletionProtection=bool(db.get("deletion_protection")),
        finalSnapshot=not db.get("skip_final_snapshot"),
        performanceInsights=bool(db.get("performance_insights_enabled")),
        monitoringIntervalSeconds=db.get("monitoring_interval"),
        subnetGroupName=db.get("db_subnet_group_name"),
        encryptionKey=db.get("kms_key_id"),
        masterPasswordSource="rds-managed" if db.get("manage_master_user_password") else "stack-secret",
    )
    allocated = int(db.get("allocated_storage") or 0)
    if int(db.get("max_allocated_storage") or 0) > allocated:
        settings["maxAllocatedStorageGb"] = db.get("max_allocated_storage")
    else:
        settings["maxAllocatedStorageGb"] = max(int(committed.get("maxAllocatedStorageGb", 0)), 2 * allocated)
        derived.notes.append(
            f"{db.address} has no storage autoscaling; the program turns it on up to {settings['maxAllocatedStorageGb']} GiB (in place)."
        )
    if not db.get("backup_retention_period"):
        settings["backupRetentionDays"] = committed.get("backupRetentionDays", 7)
        derived.notes.append(
            f"{db.address} keeps no automated backups; the program keeps {settings['backupRetentionDays']} days, "
            "and switching backups on restarts the instance once (the report lists it as an outage)."
        )
    if db.get("performance_insights_enabled"):
        settings["performanceInsightsRetentionDays"] = db.get("performance_insights_retention_period")
    if db.get("apply_immediately") is not None:
        settings["applyImmediately"] = bool(db.get("apply_immediately"))
    if settings["masterPasswordSource"] == "stack-secret":
        derived.config[f"{PROJECT}:databaseMasterPassword"] = dict(SECURE_PLACEHOLDER)


def _cache(state: TerraformState, derived: Derived) -> None:
    group = one(state, "aws_elasticache_replication_group", "Redis replication group")
    if group is None:
        return
    address = group.address
    if group.get("engine", "redis") != "redis":
        raise AdoptionRefused(f"{address}: engine {group.get('engine')!r}; the program runs Redis")
    if str(group.get("at_rest_encryption_enabled")).lower() != "true":
        raise AdoptionRefused(
            f"{address}: at_rest_encryption_enabled is false, and the program encrypts at rest, which ElastiCache sets only "
            "at creation; restore a snapshot into an encrypted group and adopt that"
        )
    if int(group.get("port") or 6379) != 6379:
        raise AdoptionRefused(f"{address}: port {group.get('port')}; the program serves Redis on 6379 and the port is fixed at creation")
    if group.get("cluster_enabled"):
        raise AdoptionRefused(f"{address}: cluster mode is enabled; the program runs Redis with cluster mode disabled")
    settings = area(derived.config, "cache")
    settings.update(
        engineVersion=str(group.get("engine_version")),
        nodeType=group.get("node_type"),
        nodes=group.get("num_cache_clusters"),
        multiAz=bool(group.get("multi_az_enabled")),
        snapshotRetentionDays=group.get("snapshot_retention_limit"),
        snapshotWindow=group.get("snapshot_window"),
        maintenanceWindow=group.get("maintenance_window"),
        subnetGroupName=group.get("subnet_group_name"),
        encryptionKey=group.get("kms_key_id") or "aws-managed",
        transitEncryption=transit_step(group),
    )
    if group.get("apply_immediately") is not None:
        settings["applyImmediately"] = bool(group.get("apply_immediately"))
    retention = {
        log.get("retention_in_days") for log in state.of_type("aws_cloudwatch_log_group") if "/aws/elasticache/" in log.get("name", "")
    }
    if len(retention) == 1 and None not in retention:
        settings["logRetentionDays"] = retention.pop()


def _backup_times(derived: Derived) -> None:
    """Moves a backup rule out of the adopted database's maintenance window (AWS Backup cannot start an
    RDS backup in it or in the hour before), by whole hours, keeping the rule's minutes and days."""
    window = area(derived.config, "database").get("maintenanceWindow")
    backup = area(derived.config, "backup")
    if not window:
        return
    start_window = int(backup.get("startWindowMinutes", 60))
    for name, rule in backup.get("rules", {}).items():
        fields = str(rule.get("schedule", "")).split()
        if len(fields) != 5 or not fields[1].isdigit():
            continue
        for shift in range(24):
            candidate = " ".join([fields[0], str((int(fields[1]) + shift) % 24), *fields[2:]])
            parsed = cron_fields(candidate)
            starts = sorted(hour * 60 + minute for hour in parsed.hours for minute in parsed.minutes)
            if not daily_runs_meet_weekly(starts, start_window, window, MAINTENANCE_LEAD_MINUTES):
                break
        if shift:
            derived.notes.append(
                f"backup rule '{name}' moves from '{rule['schedule']}' to '{candidate}': the adopted database's maintenance "
                f"window {window} (or the hour before it) would block it."
            )
            rule["schedule"] = candidate


def transit_step(group: Instance) -> str:
    """The transit encryption mode the adopting update may set: `preferred` is the only way in from no TLS."""
    if not group.get("transit_encryption_enabled"):
        actual = str(group.get("engine_version_actual") or group.get("engine_version") or "0")
        if _version(actual) < (7, 0, 5):
            raise AdoptionRefused(
                f"{group.address}: TLS is off and Redis {actual} can only get TLS at creation (7.0.5 and later can switch it on "
                "in place); upgrade the engine first, then adopt"
            )
        return "preferred"
    return "preferred" if group.get("transit_encryption_mode") == "preferred" else "required"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _secrets(state: TerraformState, derived: Derived) -> None:
    secret = one(state, "aws_secretsmanager_secret", "app secret")
    if secret is None:
        return
    window = secret.get("recovery_window_in_days")
    if window is not None:
        area(derived.config, "secrets")["recoveryWindowDays"] = window
    derived.notes.append(
        "The adopting `pulumi up` writes the program's version of the app secret: its own keys, with SECRET_KEY, "
        "ENCRYPTION_KEY and the superuser password carried over. The old document's other keys (POSTGRES_*, REDIS_*, "
        "SMTP_HOST, ...) are not in it, so the old services cannot start new tasks afterwards: this update is the cut-over."
    )
    # The existing values are set with `pulumi config set --secret` (report.md says how); the
    # stack file only says they are carried over.
    carried = area(derived.config, "appSecretValues")
    for key in ("secretKey", "encryptionKey", "firstSuperuserPassword"):
        carried[key] = dict(SECURE_PLACEHOLDER)
