"""`ohmycoins:cache`: the Redis 7 replication group (size, failover, snapshots, AUTH token)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.data.maintenance_windows import daily_and_weekly_overlap, daily_window, weekly_window
from components.data.restore_settings import CacheRestore, restore_label
from components.data.storage_key import STACK_KEY, check_encryption_key
from components.shared.settings_model import Model, Problem, check_log_retention

_REDIS_VERSION = re.compile(r"^7\.\d+$")
_NODE_TYPE = re.compile(r"^cache\.[a-z0-9-]+\.[a-z0-9]+$")
# CreateCacheSubnetGroup: up to 255 letters, digits or hyphens; ElastiCache stores it lowercase, so
# an uppercase name would show as a difference on every preview.
_SUBNET_GROUP_NAME = re.compile(r"^[a-z0-9-]{1,255}$")


def redis_parameter_family(engine_version: str) -> str:
    """'7.1' -> 'redis7': ElastiCache parameter group families follow the major version."""
    return f"redis{engine_version.split('.')[0]}"


def replication_group_id(name_prefix: str, restore: CacheRestore | None = None) -> str:
    """`<prefix>-redis`; a restore is `<prefix>-redis-<label>` (at most 40 characters), built beside the group it replaces."""
    base = f"{name_prefix}-redis"
    return base if restore is None else f"{base}-{restore_label(restore)}"


def _redis_7(version: str) -> str:
    if not _REDIS_VERSION.match(version):
        raise ValueError(f"'{version}' is not Redis 7: use '7.N' (ElastiCache applies patch releases itself)")
    return version


def _node_type(value: str) -> str:
    if not _NODE_TYPE.match(value):
        raise ValueError(f"'{value}' is not an ElastiCache node type like cache.t3.small")
    return value


def _subnet_group_name(value: str) -> str:
    if not _SUBNET_GROUP_NAME.match(value):
        raise ValueError(f"'{value}' is not a cache subnet group name: up to 255 lowercase letters, digits or hyphens")
    return value


def _snapshot_window(text: str) -> str:
    daily_window(text, minimum_minutes=60)
    return text


def _maintenance_window(text: str) -> str:
    weekly_window(text, minimum_minutes=60)
    return text


class CacheSettings(Model):
    engine_version: Annotated[str, AfterValidator(_redis_7)]
    node_type: Annotated[str, AfterValidator(_node_type)]
    # One primary plus replicas; more than one turns on automatic failover.
    nodes: int = Field(ge=1, le=6)
    multi_az: bool
    snapshot_retention_days: int = Field(ge=0, le=35)
    snapshot_window: Annotated[str, AfterValidator(_snapshot_window)]
    maintenance_window: Annotated[str, AfterValidator(_maintenance_window)]
    log_retention_days: Annotated[int, AfterValidator(check_log_retention)]
    # ElastiCache accepts AUTH tokens of 16-128 characters; fewer than 32 is too weak.
    auth_token_length: int = Field(default=64, ge=32, le=128)
    apply_immediately: bool
    # Create the replication group from an ElastiCache snapshot (README "Restoring the cache").
    restore_from: CacheRestore | None = None
    # The cache subnet group's name (default `<prefix>-redis`); changing it replaces the group.
    subnet_group_name: Annotated[str, AfterValidator(_subnet_group_name)] | None = None
    # At-rest encryption key: `stack`, `aws-managed` or a key ARN; fixed at creation (a change replaces the group).
    encryption_key: Annotated[str, AfterValidator(check_encryption_key)] = STACK_KEY
    # `required`: TLS only. `preferred` accepts TLS and plaintext: the step AWS needs between a
    # group without TLS and `required` (the policy pack flags it until the next step).
    transit_encryption: Literal["required", "preferred"] = "required"

    @property
    def parameter_family(self) -> str:
        return redis_parameter_family(self.engine_version)

    @property
    def automatic_failover(self) -> bool:
        return self.nodes > 1

    def problems(self) -> list[Problem]:
        problems = []
        if self.multi_az and self.nodes < 2:
            problems.append(Problem(("multiAz",), "Multi-AZ needs at least 2 nodes (a replica to fail over to)"))
        if daily_and_weekly_overlap(self.snapshot_window, self.maintenance_window):
            problems.append(
                Problem(("snapshotWindow",), f"'{self.snapshot_window}' overlaps maintenanceWindow '{self.maintenance_window}'")
            )
        return problems

    def production_problems(self) -> list[Problem]:
        problems = []
        if self.nodes < 2:
            problems.append(Problem(("nodes",), "production needs a replica (at least 2 nodes) for automatic failover"))
        elif not self.multi_az:
            problems.append(Problem(("multiAz",), "production keeps its replica in another AZ"))
        if self.snapshot_retention_days < 1:
            problems.append(Problem(("snapshotRetentionDays",), "production keeps daily snapshots (at least 1 day)"))
        if self.transit_encryption != "required":
            problems.append(Problem(("transitEncryption",), "production accepts TLS connections only: use 'required'"))
        return problems
