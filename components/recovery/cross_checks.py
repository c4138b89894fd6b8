"""Checks of `ohmycoins:backup` and the restore settings against the rest of the stack."""

from __future__ import annotations

from datetime import datetime

from components.compute.ecs.schedule import cron_fields
from components.data.database_settings import DatabaseSettings, database_identifier
from components.data.maintenance_windows import daily_runs_meet_weekly
from components.data.restore_settings import restore_source_problems
from components.recovery.backup_settings import BackupSettings
from components.shared.settings_model import Problem

# AWS Backup does not start a backup of an RDS instance during its maintenance window or the hour before.
MAINTENANCE_LEAD_MINUTES = 60


def recovery_problems(
    backup: BackupSettings,
    database: DatabaseSettings,
    name_prefix: str,
    region: str,
    now: datetime,
    storage_names: tuple[str, ...] = (),
) -> list[tuple[str, Problem]]:
    """(area, problem) pairs: the copy region, rule times against the database's maintenance, restore sources,
    restored file systems of storage the catalog has."""
    problems: list[tuple[str, Problem]] = []
    for name in backup.file_system_restores:
        if name not in storage_names:
            known = ", ".join(storage_names) or "none"
            problems.append(("backup", Problem(("fileSystemRestores", name), f"no shared storage of that name; the catalog has {known}")))
    if backup.copy_region == region:
        problems.append(("backup", Problem(("copyRegion",), f"is the stack's own region {region}; a copy must survive losing it")))
    for name, rule in backup.rules.items():
        fields = cron_fields(rule.schedule)
        starts = sorted(hour * 60 + minute for hour in fields.hours for minute in fields.minutes)
        if daily_runs_meet_weekly(starts, backup.start_window_minutes, database.maintenance_window, MAINTENANCE_LEAD_MINUTES):
            problems.append(
                (
                    "backup",
                    Problem(
                        ("rules", name, "schedule"),
                        f"'{rule.schedule}' with its {backup.start_window_minutes}-minute start window meets the database's "
                        f"maintenance window {database.maintenance_window} or the hour before it, when AWS Backup cannot "
                        "start an RDS backup",
                    ),
                )
            )
    if database.restore_from is not None:
        own = database_identifier(name_prefix)
        for problem in restore_source_problems(database.restore_from, own, database.backup_retention_days, region, now):
            problems.append(("database", Problem(("restoreFrom", *problem.path), problem.reason)))
    return problems
