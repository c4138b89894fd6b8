"""Recovery point and recovery time objectives of a stack, derived from its settings.

RPO: how much recent data a failure can cost at worst. RTO: how long until the apps serve again.
The durations of AWS operations are planning figures (AWS documents ranges, not guarantees);
README "Recovery objectives" names where each comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from components.data.cache_settings import CacheSettings
from components.data.database_settings import DatabaseSettings
from components.recovery.backup_settings import BackupSettings

# RDS uploads transaction logs every five minutes: a point-in-time restore loses at most that.
PITR_GRANULARITY = timedelta(minutes=5)
# Multi-AZ failover to the synchronous standby: AWS quotes 60-120 seconds.
FAILOVER = timedelta(minutes=2)
# A restore through `restoreFrom`: RDS builds the instance (20-30 minutes for these sizes), then the
# same `pulumi up` rolls the apps onto it.
RESTORE = timedelta(minutes=45)
# Setting the previous image tag and `pulumi up`: ECS rolls every service.
ROLLBACK = timedelta(minutes=15)
# A new stack in the copy region (network, data tier, cluster, apps) around the copied recovery point.
REGION_REBUILD = timedelta(hours=4)


@dataclass(frozen=True)
class Objective:
    failure: str
    rpo: timedelta | None  # None: the stack cannot recover from it
    rto: timedelta | None
    how: str


def _rule_rpo(backup: BackupSettings, copied_only: bool = False) -> timedelta | None:
    """The longest gap between recovery points of the most frequent rule (of the copied ones)."""
    rules = backup.copying_rules if copied_only else backup.rules
    return min((rule.longest_gap for rule in rules.values()), default=None)


def _longest_kept(backup: BackupSettings) -> int:
    return max(rule.retention_days for rule in backup.rules.values())


def recovery_objectives(database: DatabaseSettings, cache: CacheSettings, backup: BackupSettings) -> list[Objective]:
    """One objective per failure the README's runbooks cover, worst case first to last."""
    daily = _rule_rpo(backup)
    assert daily is not None  # a plan has at least one rule
    objectives = [
        Objective("bad deploy", timedelta(0), ROLLBACK, "redeploy the previous image tag; no data is touched"),
        Objective(
            "bad deploy that corrupted data, or deleted data",
            PITR_GRANULARITY,
            RESTORE,
            f"restoreFrom.pointInTime to just before it, within the last {database.backup_retention_days} days",
        ),
        Objective(
            "deleted data noticed later",
            daily,
            RESTORE,
            f"restoreFrom.snapshot of an AWS Backup recovery point, kept up to {_longest_kept(backup)} days",
        ),
    ]
    if database.multi_az:
        cache_note = "the cache fails over to its replica" if cache.multi_az else "the cache starts empty"
        objectives.append(
            Objective("lost availability zone", timedelta(0), FAILOVER, f"RDS fails over to the standby by itself; {cache_note}")
        )
    else:
        objectives.append(
            Objective(
                "lost availability zone",
                PITR_GRANULARITY,
                RESTORE,
                "restoreFrom.pointInTime latest: RDS builds it in a zone that is up; the cache starts empty",
            )
        )
    copied = _rule_rpo(backup, copied_only=True)
    if copied is None:
        objectives.append(Objective("lost region", None, None, "no copy outside the region: not recoverable"))
    else:
        # A recovery point reaches the other region after its job completes: a gap plus the completion window.
        worst = copied + timedelta(minutes=backup.completion_window_minutes)
        objectives.append(
            Objective(
                "lost region",
                worst,
                REGION_REBUILD,
                f"a stack in {backup.copy_region} restoring the latest copied recovery point",
            )
        )
    return objectives


def duration_text(value: timedelta | None) -> str:
    """timedelta(hours=32) -> '32 h'; None -> 'none'."""
    if value is None:
        return "none"
    minutes = int(value.total_seconds() // 60)
    if minutes == 0:
        return "0"
    if minutes < 120:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


def objectives_output(objectives: list[Objective]) -> dict[str, dict[str, str]]:
    """The `recoveryObjectives` stack output: failure -> rpo, rto, how."""
    return {o.failure: {"rpo": duration_text(o.rpo), "rto": duration_text(o.rto), "how": o.how} for o in objectives}
