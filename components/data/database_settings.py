"""`ohmycoins:database`: the PostgreSQL 17 instance (size, storage, availability, backups, insight)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.data.maintenance_windows import daily_and_weekly_overlap, daily_window, weekly_window
from components.data.restore_settings import DatabaseRestore, restore_label
from components.data.storage_key import STACK_KEY, check_encryption_key
from components.shared.settings_model import Model, Problem, check_log_retention

_POSTGRES_VERSION = re.compile(r"^17(\.\d+)?$")
_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9-]+\.[a-z0-9]+$")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# RDS reserves these as master user names for PostgreSQL.
_RESERVED_USERS = {"rdsadmin", "rdsrepladmin", "rds_superuser", "rds_replication", "rds_iam"}
READ_REPLICA_REFUSAL = (
    "AWS cannot create a read replica of an instance whose master password RDS manages in Secrets Manager "
    "(RDS User Guide, 'Limitations for Secrets Manager integration'), and this program always lets RDS own that password; "
    "remove the setting"
)
# CreateDBSubnetGroup: up to 255 letters, digits, periods, underscores, spaces or hyphens; not "default".
_SUBNET_GROUP_NAME = re.compile(r"^[A-Za-z0-9._ -]{1,255}$")
# RDS for PostgreSQL master passwords: 8-128 printable ASCII characters except '/', '"', '@' and space.
_PASSWORD_FORBIDDEN = set('/"@ ')


def postgres_parameter_family(engine_version: str) -> str:
    """'17' or '17.6' -> 'postgres17': the parameter group family follows the major version."""
    return f"postgres{engine_version.split('.')[0]}"


def database_identifier(name_prefix: str, restore: DatabaseRestore | None = None) -> str:
    """`<prefix>-postgres`; a restore is `<prefix>-postgres-<label>`, so AWS can build it beside the one it replaces."""
    base = f"{name_prefix}-postgres"
    return base if restore is None else f"{base}-{restore_label(restore)}"


def _postgres_17(version: str) -> str:
    if not _POSTGRES_VERSION.match(version):
        raise ValueError(f"'{version}' is not PostgreSQL 17: use '17' (any 17 minor, upgraded by AWS) or '17.N'")
    return version


def master_password_problem(password: str) -> str | None:
    """Why RDS would refuse this master password, without repeating it; None when it is acceptable."""
    if not 8 <= len(password) <= 128:
        return f"is {len(password)} characters long; RDS for PostgreSQL needs 8 to 128"
    if any(char in _PASSWORD_FORBIDDEN or not 33 <= ord(char) <= 126 for char in password):
        return "holds a character RDS refuses: only printable ASCII without '/', '\"', '@' or spaces"
    return None


def _subnet_group_name(value: str) -> str:
    if not _SUBNET_GROUP_NAME.match(value) or value.lower() == "default":
        raise ValueError(f"'{value}' is not a DB subnet group name: up to 255 letters, digits, '.', '_', ' ' or '-', and not 'default'")
    return value


def _instance_class(value: str) -> str:
    if not _INSTANCE_CLASS.match(value):
        raise ValueError(f"'{value}' is not an RDS instance class like db.t3.small")
    return value


def _backup_window(text: str) -> str:
    daily_window(text, minimum_minutes=30)
    return text


def _maintenance_window(text: str) -> str:
    weekly_window(text, minimum_minutes=30)
    return text


def _performance_insights_retention(days: int) -> int:
    # 7 days is free; longer retention is counted in months of 31 days, up to 2 years.
    if days == 7 or days == 731 or (days % 31 == 0 and 31 <= days <= 713):
        return days
    raise ValueError(f"{days} is not a Performance Insights retention: use 7, a multiple of 31 up to 713, or 731")


InstanceClass = Annotated[str, AfterValidator(_instance_class)]


class DatabaseSettings(Model):
    engine_version: Annotated[str, AfterValidator(_postgres_17)]
    instance_class: InstanceClass
    database_name: str = "app"
    master_username: str = "app_admin"
    allocated_storage_gb: int = Field(ge=20, le=65536)
    # Storage autoscaling grows the volume up to this ceiling.
    max_allocated_storage_gb: int = Field(ge=21, le=65536)
    multi_az: bool
    backup_retention_days: int = Field(ge=1, le=35)
    backup_window: Annotated[str, AfterValidator(_backup_window)]
    maintenance_window: Annotated[str, AfterValidator(_maintenance_window)]
    deletion_protection: bool
    final_snapshot: bool
    performance_insights: bool
    performance_insights_retention_days: Annotated[int, AfterValidator(_performance_insights_retention)] = 7
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60] = 60
    log_retention_days: Annotated[int, AfterValidator(check_log_retention)]
    # Statements slower than this are logged (log_min_duration_statement); -1 turns it off.
    slow_statement_ms: int = Field(default=1000, ge=-1, le=3_600_000)
    apply_immediately: bool
    # Refused when set: AWS creates no read replica of an instance whose master password RDS manages.
    read_replica_instance_class: InstanceClass | None = None
    # Create the instance from a snapshot or a point in time (README "Restoring the database").
    restore_from: DatabaseRestore | None = None
    # The DB subnet group's name (default `<prefix>-postgres`). An instance cannot move to another
    # subnet group in the same VPC, so a stack adopting an instance names the group it is in.
    subnet_group_name: Annotated[str, AfterValidator(_subnet_group_name)] | None = None
    # Storage encryption key: `stack` (the stack's key), `aws-managed` (aws/rds) or a key ARN.
    # RDS fixes it at creation: changing it replaces the instance (see README "Adoption").
    encryption_key: Annotated[str, AfterValidator(check_encryption_key)] = STACK_KEY
    # `rds-managed`: RDS generates the master password and keeps it in its own secret.
    # `stack-secret`: the instance keeps an existing password, given as the secure setting
    # `ohmycoins:databaseMasterPassword` and kept in the stack's secret `<identifier>-master`.
    master_password_source: Literal["rds-managed", "stack-secret"] = "rds-managed"

    @field_validator("database_name", "master_username")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENTIFIER.match(value):
            raise ValueError(f"'{value}' is not a PostgreSQL identifier RDS accepts: lowercase letter first, then letters, digits, _")
        return value

    @field_validator("master_username")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in _RESERVED_USERS:
            raise ValueError(f"'{value}' is reserved by RDS; choose another master user name")
        return value

    @property
    def parameter_family(self) -> str:
        return postgres_parameter_family(self.engine_version)

    def problems(self) -> list[Problem]:
        problems = []
        if self.max_allocated_storage_gb <= self.allocated_storage_gb:
            problems.append(
                Problem(
                    ("maxAllocatedStorageGb",),
                    f"{self.max_allocated_storage_gb} must be above allocatedStorageGb ({self.allocated_storage_gb}), "
                    "otherwise storage autoscaling is off",
                )
            )
        if self.read_replica_instance_class is not None:
            problems.append(Problem(("readReplicaInstanceClass",), READ_REPLICA_REFUSAL))
        if daily_and_weekly_overlap(self.backup_window, self.maintenance_window):
            problems.append(Problem(("backupWindow",), f"'{self.backup_window}' overlaps maintenanceWindow '{self.maintenance_window}'"))
        if self.restore_from is not None:
            problems += [Problem(("restoreFrom", *p.path), p.reason) for p in self.restore_from.restore_problems(datetime.now(UTC))]
            if not self.final_snapshot:
                problems.append(
                    Problem(
                        ("restoreFrom",),
                        "a restore replaces the instance, and the one it replaces is deleted: set finalSnapshot to true "
                        "and `pulumi up` first, so that it leaves a final snapshot",
                    )
                )
        return problems

    def production_problems(self) -> list[Problem]:
        """What a production database may not lack: surviving an AZ, a mistaken delete, a bad week."""
        problems = []
        if not self.multi_az:
            problems.append(Problem(("multiAz",), "production needs a standby in a second AZ"))
        if not self.deletion_protection:
            problems.append(Problem(("deletionProtection",), "production needs deletion protection"))
        if not self.final_snapshot:
            problems.append(Problem(("finalSnapshot",), "production keeps a final snapshot when the instance is deleted"))
        if self.backup_retention_days < 7:
            problems.append(
                Problem(("backupRetentionDays",), f"{self.backup_retention_days} days is too short for production; keep at least 7")
            )
        return problems
