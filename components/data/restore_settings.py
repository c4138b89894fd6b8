"""`restoreFrom` of `ohmycoins:database` and `ohmycoins:cache`: create the instance from a backup.

A restored instance gets a new name derived from where it comes from (`restore_label`), so AWS can
build it beside the one it replaces; the apps follow it in the same `pulumi up`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator

from components.shared.settings_model import Model, Problem

# RDS restores up to its latest restorable time, which trails the present by about five minutes.
LATEST_RESTORABLE_LAG = timedelta(minutes=5)

_INSTANCE_ID = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$")
# Manual snapshot names, and the `rds:` (automated) and `awsbackup:` (AWS Backup) ones RDS makes.
_SNAPSHOT_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,254}(:[a-zA-Z0-9][a-zA-Z0-9-]{0,254})?$")
_SNAPSHOT_ARN = re.compile(r"^arn:aws:rds:(?P<region>[a-z0-9-]+):\d{12}:snapshot:(?P<name>.+)$")
_AUTOMATED_BACKUPS_ARN = re.compile(r"^arn:aws:rds:(?P<region>[a-z0-9-]+):\d{12}:auto-backup:ab-[a-z0-9]{26}$")
_UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
# ElastiCache names its automatic snapshots `automatic.<cluster>-<date>`.
_CACHE_SNAPSHOT = re.compile(r"^[a-zA-Z][a-zA-Z0-9.-]{0,254}$")


def _snapshot(value: str) -> str:
    match = _SNAPSHOT_ARN.match(value)
    if match and _SNAPSHOT_NAME.match(match["name"]):
        return value
    if ":cluster-snapshot:" in value:
        raise ValueError(f"'{value}' is an Aurora cluster snapshot; this database is an RDS instance")
    if not _SNAPSHOT_NAME.match(value):
        raise ValueError(
            f"'{value}' is not a DB snapshot identifier (letters, digits, hyphens; rds:… and awsbackup:… names too) "
            "or a snapshot ARN (arn:aws:rds:<region>:<account>:snapshot:<name>)"
        )
    return value


def _source(value: str) -> str:
    if _AUTOMATED_BACKUPS_ARN.match(value) or _INSTANCE_ID.match(value):
        return value
    raise ValueError(
        f"'{value}' is neither a DB instance identifier (a letter, then letters, digits and single hyphens, at most 63) "
        "nor the ARN of retained automated backups (arn:aws:rds:<region>:<account>:auto-backup:ab-…)"
    )


def _time(value: str) -> str:
    if value == "latest":
        return value
    if not _UTC_TIME.match(value):
        raise ValueError(f"'{value}' is not an ISO 8601 UTC time like 2026-03-01T10:40:00Z, or 'latest'")
    try:
        parse_time(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date and time") from None
    return value


def parse_time(value: str) -> datetime:
    """'2026-03-01T10:40:00Z' -> an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _cache_snapshot(value: str) -> str:
    if not _CACHE_SNAPSHOT.match(value) or value.endswith(("-", ".")) or "--" in value:
        raise ValueError(f"'{value}' is not an ElastiCache snapshot name (a letter, then letters, digits, hyphens and dots)")
    return value


class PointInTime(Model):
    # The instance whose automated backups to use (this stack's, or another of the account's), or
    # the ARN of the retained automated backups of a deleted instance.
    source: Annotated[str, AfterValidator(_source)]
    # ISO 8601 UTC, or `latest`: the latest restorable time when AWS starts the restore.
    time: Annotated[str, AfterValidator(_time)]

    @property
    def source_region(self) -> str | None:
        match = _AUTOMATED_BACKUPS_ARN.match(self.source)
        return match["region"] if match else None


class DatabaseRestore(Model):
    """Exactly one of a snapshot or a point in time."""

    snapshot: Annotated[str, AfterValidator(_snapshot)] | None = None
    point_in_time: PointInTime | None = None

    @property
    def kind(self) -> Literal["snapshot", "pointInTime"]:
        return "snapshot" if self.snapshot is not None else "pointInTime"

    @property
    def snapshot_region(self) -> str | None:
        match = _SNAPSHOT_ARN.match(self.snapshot or "")
        return match["region"] if match else None

    def restore_problems(self, now: datetime) -> list[Problem]:
        """Both kinds or neither, and times RDS cannot restore to (in the future, or later than its latest restorable time)."""
        if (self.snapshot is None) == (self.point_in_time is None):
            return [Problem((), "give exactly one of `snapshot` or `pointInTime`")]
        if self.point_in_time is None or self.point_in_time.time == "latest":
            return []
        when = parse_time(self.point_in_time.time)
        if when > now:
            return [Problem(("pointInTime", "time"), f"{self.point_in_time.time} is in the future")]
        if when > now - LATEST_RESTORABLE_LAG:
            return [
                Problem(
                    ("pointInTime", "time"),
                    f"{self.point_in_time.time} is later than RDS can restore (its latest restorable time is about "
                    "five minutes ago); use `latest`",
                )
            ]
        return []


class CacheRestore(Model):
    # An ElastiCache snapshot of this region: a manual one, a final one, or `automatic.…`.
    snapshot: Annotated[str, AfterValidator(_cache_snapshot)]


def point_in_time_window_problem(restore: DatabaseRestore, retention_days: int, now: datetime) -> Problem | None:
    """A time older than the source's automated backups reach (only known when the source is this stack's database)."""
    assert restore.point_in_time is not None
    if restore.point_in_time.time == "latest":
        return None
    oldest = now - timedelta(days=retention_days)
    if parse_time(restore.point_in_time.time) < oldest:
        return Problem(
            ("pointInTime", "time"),
            f"{restore.point_in_time.time} is older than the {retention_days}-day point-in-time window of "
            f"{restore.point_in_time.source} (backupRetentionDays); restore a snapshot instead",
        )
    return None


def restore_label(restore: DatabaseRestore | CacheRestore) -> str:
    """A short, stable name part for what an instance is restored from: 'pitr-20260301t104000', 'snap-1a2b3c4d'."""
    if isinstance(restore, DatabaseRestore) and restore.point_in_time is not None:
        time = restore.point_in_time.time
        if time == "latest":
            return "pitr-latest"
        return "pitr-" + parse_time(time).strftime("%Y%m%dt%H%M%S")
    snapshot = restore.snapshot
    assert snapshot is not None
    return "snap-" + hashlib.sha256(snapshot.encode()).hexdigest()[:8]


def restore_source_problems(
    restore: DatabaseRestore, own_identifier: str, retention_days: int, region: str, now: datetime
) -> list[Problem]:
    """What only the stack knows: the region a snapshot or backup ARN names, and this database's PITR window.

    `own_identifier` is the stack's database identifier before any restore (`<prefix>-postgres`); a
    source named like it (or like a restore of it) keeps `retention_days` of automated backups.
    """
    problems = []
    if restore.snapshot_region not in (None, region):
        problems.append(
            Problem(
                ("snapshot",),
                f"the snapshot is in {restore.snapshot_region}; RDS restores only snapshots of the stack's region {region}: "
                "copy it here first (aws rds copy-db-snapshot)",
            )
        )
    point = restore.point_in_time
    if point is None:
        return problems
    if point.source_region not in (None, region):
        problems.append(
            Problem(
                ("pointInTime", "source"),
                f"the automated backups are in {point.source_region}; RDS restores a point in time in the stack's region {region} only",
            )
        )
    if point.source == own_identifier or point.source.startswith(f"{own_identifier}-"):
        window = point_in_time_window_problem(restore, retention_days, now)
        if window is not None:
            problems.append(window)
    return problems
