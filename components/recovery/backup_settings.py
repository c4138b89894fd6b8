"""`ohmycoins:backup`: the AWS Backup plan's rules, the copy region, the vault lock and the restore drill."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from components.compute.ecs.schedule import scheduler_cron
from components.compute.schedule_gaps import run_gaps
from components.data.database_settings import InstanceClass
from components.recovery.file_system_restores import check_recovery_directory
from components.shared.settings_model import Model, Problem, check_log_retention

# AWS Backup keeps a recovery point at most 100 years; a vault lock's bounds have the same ceiling.
MAX_DAYS = 36_500
# A recovery point moved to cold storage stays there at least 90 days (Lifecycle.DeleteAfterDays).
COLD_STORAGE_MINIMUM_DAYS = 90
# AWS Backup runs a rule at most once an hour.
SHORTEST_RULE_GAP = timedelta(hours=1)
# The API model's BackupRuleName pattern.
_RULE_NAME = re.compile(r"^[a-zA-Z0-9\-\_\.]{1,50}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


def _backup_schedule(expr: str) -> str:
    gaps = run_gaps(expr)
    if gaps.shortest < SHORTEST_RULE_GAP:
        raise ValueError(f"'{expr}' runs {gaps.shortest} apart; AWS Backup runs a rule at most once an hour")
    return expr


def _schedule(expr: str) -> str:
    run_gaps(expr)
    return expr


BackupSchedule = Annotated[str, AfterValidator(_backup_schedule)]


class BackupRule(Model):
    # 5-field cron, UTC, like the workload catalog's schedules.
    schedule: BackupSchedule
    retention_days: int = Field(ge=1, le=MAX_DAYS)
    # Moves recovery points of the resources that support it (EFS) to cold storage after this many days.
    cold_storage_after_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    # Copies each recovery point to `copyRegion`, kept there as long as here.
    copy_to_second_region: bool = False

    @property
    def expression(self) -> str:
        """The rule's schedule as AWS Backup writes it: cron(m h dom mon dow year)."""
        return scheduler_cron(self.schedule)

    @property
    def longest_gap(self) -> timedelta:
        return run_gaps(self.schedule).longest


class VaultLock(Model):
    """AWS Backup Vault Lock in compliance mode: immutable once `changeableForDays` have passed."""

    min_retention_days: int = Field(ge=1, le=MAX_DAYS)
    max_retention_days: int = Field(ge=1, le=MAX_DAYS)
    # The grace period before the lock date; AWS needs at least 3 days (its 72-hour cooling-off).
    changeable_for_days: int = Field(ge=3, le=MAX_DAYS)


class DrillSettings(Model):
    """The scheduled restore drill of the database's latest recovery point."""

    enabled: bool = False
    schedule: Annotated[str, AfterValidator(_schedule)] = "0 3 2 * *"
    instance_class: InstanceClass = "db.t3.micro"
    # How long the drill waits for the restored instance to become available before it fails.
    timeout_minutes: int = Field(default=180, ge=30, le=1440)
    # The state machine's error log.
    log_retention_days: Annotated[int, AfterValidator(check_log_retention)] = 90


class BackupSettings(Model):
    rules: dict[str, BackupRule] = Field(min_length=1)
    # A job that has not started this long after its scheduled time is cancelled (AWS: at least 60).
    start_window_minutes: int = Field(default=60, ge=60, le=52_560_000)
    # Counted from the scheduled time, not from the start.
    completion_window_minutes: int = Field(default=480, ge=120, le=52_560_000)
    copy_region: str | None = None
    vault_lock: VaultLock | None = None
    drill: DrillSettings = Field(default_factory=DrillSettings)
    # Shared storage name -> the directory an AWS Backup restore wrote into its file system; the
    # workload's access point moves there (README "Restoring a file system").
    file_system_restores: dict[str, Annotated[str, AfterValidator(check_recovery_directory)]] = Field(default_factory=dict)

    @field_validator("rules")
    @classmethod
    def _rule_names(cls, rules: dict[str, BackupRule]) -> dict[str, BackupRule]:
        for name in rules:
            if not _RULE_NAME.match(name):
                raise ValueError(f"'{name}' is not a backup rule name AWS accepts (1-50 letters, digits, '-', '_', '.')")
        return rules

    @field_validator("copy_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not _REGION.match(value):
            raise ValueError(f"'{value}' is not an AWS region name like ap-southeast-4")
        return value

    @property
    def copying_rules(self) -> dict[str, BackupRule]:
        return {name: rule for name, rule in self.rules.items() if rule.copy_to_second_region}

    def problems(self) -> list[Problem]:
        problems = []
        for name, rule in self.rules.items():
            path = ("rules", name)
            cold = rule.cold_storage_after_days
            if cold is not None and rule.retention_days < cold + COLD_STORAGE_MINIMUM_DAYS:
                problems.append(
                    Problem(
                        (*path, "retentionDays"),
                        f"{rule.retention_days} days: recovery points stay in cold storage at least {COLD_STORAGE_MINIMUM_DAYS} "
                        f"days, so keep them at least {cold + COLD_STORAGE_MINIMUM_DAYS} (coldStorageAfterDays + 90)",
                    )
                )
            if rule.copy_to_second_region and self.copy_region is None:
                problems.append(Problem((*path, "copyToSecondRegion"), "is true, but no copyRegion is set"))
            if self.vault_lock is not None:
                lock = self.vault_lock
                if not lock.min_retention_days <= rule.retention_days <= lock.max_retention_days:
                    problems.append(
                        Problem(
                            (*path, "retentionDays"),
                            f"{rule.retention_days} days is outside the vault lock's {lock.min_retention_days}-"
                            f"{lock.max_retention_days} days: AWS Backup would fail every job of this rule",
                        )
                    )
        if self.copy_region is not None and not self.copying_rules:
            problems.append(Problem(("copyRegion",), "is set, but no rule has copyToSecondRegion: true"))
        if self.vault_lock is not None and self.vault_lock.min_retention_days > self.vault_lock.max_retention_days:
            problems.append(Problem(("vaultLock", "minRetentionDays"), "is above maxRetentionDays"))
        if self.completion_window_minutes < self.start_window_minutes + 60:
            problems.append(
                Problem(
                    ("completionWindowMinutes",),
                    f"{self.completion_window_minutes} minutes: it counts from the scheduled time, so leave at least an hour "
                    f"after the start window ({self.start_window_minutes} + 60)",
                )
            )
        return problems

    def production_problems(self) -> list[Problem]:
        problems = []
        if self.vault_lock is None:
            problems.append(Problem(("vaultLock",), "production locks its backup vault (compliance mode)"))
        if not self.copying_rules:
            problems.append(Problem(("rules",), "production copies at least one rule's recovery points to a second region"))
        return problems
