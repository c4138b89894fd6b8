"""`ohmycoins:backup`: schedules AWS Backup can run, retention AWS accepts, a lock the rules fit in, a copy elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from components.compute.schedule_gaps import run_gaps
from components.compute.workloads import SharedStorage
from components.data.database_settings import DatabaseSettings
from components.recovery.backup_settings import BackupSettings
from components.recovery.cross_checks import recovery_problems
from tests.stack_edits import set_setting

DAILY = {"schedule": "0 14 * * *", "retentionDays": 35}
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def settings(**overrides) -> BackupSettings:
    return BackupSettings.model_validate({"rules": {"daily": DAILY}, **overrides})


def database(maintenance: str = "sat:18:00-sat:19:00") -> DatabaseSettings:
    return DatabaseSettings.model_validate(
        {
            "engineVersion": "17",
            "instanceClass": "db.t3.micro",
            "allocatedStorageGb": 20,
            "maxAllocatedStorageGb": 40,
            "multiAz": False,
            "backupRetentionDays": 7,
            "backupWindow": "16:00-17:00",
            "maintenanceWindow": maintenance,
            "deletionProtection": False,
            "finalSnapshot": True,
            "performanceInsights": False,
            "logRetentionDays": 7,
            "applyImmediately": True,
        }
    )


def reasons(model: BackupSettings) -> dict[tuple, str]:
    return {problem.path: problem.reason for problem in model.problems()}


@pytest.mark.parametrize(
    "cron, shortest, longest",
    [
        ("0 14 * * *", timedelta(days=1), timedelta(days=1)),
        ("0 15 1 * *", timedelta(days=28), timedelta(days=31)),
        ("0 3 * * 1-5", timedelta(days=1), timedelta(days=3)),  # weekdays: Friday to Monday
        ("0 3 31 * *", timedelta(days=31), timedelta(days=61)),  # months without a 31st are skipped
        ("0 1,13 * * *", timedelta(hours=12), timedelta(hours=12)),
    ],
)
def test_gaps_between_runs_follow_the_calendar(cron, shortest, longest):
    gaps = run_gaps(cron)
    assert (gaps.shortest, gaps.longest) == (shortest, longest)


def test_a_cron_that_almost_never_runs_is_refused():
    with pytest.raises(ValueError, match="less than twice in four years"):
        run_gaps("0 3 29 2 *")


def test_one_daily_rule_is_a_valid_plan():
    assert reasons(settings()) == {}


def test_rules_more_often_than_hourly_are_refused():
    with pytest.raises(ValidationError, match="at most once an hour"):
        settings(rules={"often": {"schedule": "*/30 * * * *", "retentionDays": 1}})


@pytest.mark.parametrize("name", ["daily rule", "x" * 51, "daily/1"])
def test_rule_names_follow_the_api_pattern(name):
    with pytest.raises(ValidationError, match="not a backup rule name"):
        settings(rules={name: DAILY})


def test_cold_storage_needs_ninety_more_days_of_retention():
    model = settings(rules={"monthly": {"schedule": "0 15 1 * *", "retentionDays": 119, "coldStorageAfterDays": 30}})
    assert "keep them at least 120" in reasons(model)[("rules", "monthly", "retentionDays")]
    fine = settings(rules={"monthly": {"schedule": "0 15 1 * *", "retentionDays": 120, "coldStorageAfterDays": 30}})
    assert reasons(fine) == {}


def test_a_locked_vault_refuses_rules_outside_its_bounds():
    lock = {"minRetentionDays": 7, "maxRetentionDays": 365, "changeableForDays": 3}
    short = settings(rules={"daily": {"schedule": "0 14 * * *", "retentionDays": 6}}, vaultLock=lock)
    assert "outside the vault lock's 7-365 days" in reasons(short)[("rules", "daily", "retentionDays")]
    long = settings(rules={"daily": {"schedule": "0 14 * * *", "retentionDays": 366}}, vaultLock=lock)
    assert ("rules", "daily", "retentionDays") in reasons(long)
    assert reasons(settings(vaultLock=lock)) == {}


def test_the_lock_needs_min_below_max_and_three_days_of_grace():
    inverted = settings(vaultLock={"minRetentionDays": 30, "maxRetentionDays": 7, "changeableForDays": 3})
    assert reasons(inverted)[("vaultLock", "minRetentionDays")] == "is above maxRetentionDays"
    with pytest.raises(ValidationError, match="greater than or equal to 3"):
        settings(vaultLock={"minRetentionDays": 7, "maxRetentionDays": 30, "changeableForDays": 2})


def test_copies_need_a_region_and_a_region_needs_copies():
    copying = settings(rules={"daily": {**DAILY, "copyToSecondRegion": True}})
    assert reasons(copying)[("rules", "daily", "copyToSecondRegion")] == "is true, but no copyRegion is set"
    idle = settings(copyRegion="ap-southeast-4")
    assert reasons(idle)[("copyRegion",)] == "is set, but no rule has copyToSecondRegion: true"
    with pytest.raises(ValidationError, match="not an AWS region name"):
        settings(copyRegion="melbourne")


def test_the_completion_window_leaves_an_hour_after_the_start_window():
    model = settings(startWindowMinutes=120, completionWindowMinutes=150)
    assert "(120 + 60)" in reasons(model)[("completionWindowMinutes",)]
    with pytest.raises(ValidationError):
        settings(startWindowMinutes=59)


def test_production_locks_the_vault_and_copies_out_of_the_region():
    problems = {p.path: p.reason for p in settings().production_problems()}
    assert problems == {
        ("vaultLock",): "production locks its backup vault (compliance mode)",
        ("rules",): "production copies at least one rule's recovery points to a second region",
    }


def test_a_copy_in_the_stacks_own_region_is_refused():
    model = settings(rules={"daily": {**DAILY, "copyToSecondRegion": True}}, copyRegion="ap-southeast-2")
    found = recovery_problems(model, database(), "ohmycoins-staging", "ap-southeast-2", NOW)
    assert ("backup", "is the stack's own region ap-southeast-2; a copy must survive losing it") in [
        (area, p.reason) for area, p in found if p.path == ("copyRegion",)
    ]


@pytest.mark.parametrize(
    "schedule, clash",
    [
        ("0 14 * * *", False),  # 14:00-15:00 is clear of Saturday 17:00-19:00
        ("0 17 * * *", True),  # inside the hour before maintenance
        ("30 16 * * *", True),  # its start window runs into that hour
        ("0 19 * * *", False),  # maintenance is over
    ],
)
def test_rules_keep_clear_of_the_database_maintenance_window_and_the_hour_before(schedule, clash):
    model = settings(rules={"daily": {"schedule": schedule, "retentionDays": 7}})
    found = [p for area, p in recovery_problems(model, database(), "ohmycoins-staging", "ap-southeast-2", NOW) if area == "backup"]
    assert bool(found) is clash
    if clash:
        assert found[0].path == ("rules", "daily", "schedule")
        assert "maintenance window sat:18:00-sat:19:00" in found[0].reason


def test_a_bad_backup_area_is_refused_by_key(assert_refused):
    assert_refused(
        "production",
        set_setting("backup", "vaultLock", {"minRetentionDays": 400, "maxRetentionDays": 1095, "changeableForDays": 3}),
        "ohmycoins:backup.rules.daily.retentionDays",
        "outside the vault lock's 400-1095 days",
    )


@pytest.mark.parametrize(
    "root, restored",
    [("/agents", "/aws-backup-restore_2026-03-02T01-12-44/agents"), ("/", "/aws-backup-restore_2026-03-02T01-12-44")],
)
def test_a_restored_storage_root_keeps_its_place_inside_the_recovery_directory(root, restored):
    storage = SharedStorage(name="s", size_gib=1, mount_path="/m", root_directory=root)
    assert storage.restored_root is None
    restored_storage = SharedStorage(**{**storage.__dict__, "recovery_directory": "aws-backup-restore_2026-03-02T01-12-44"})
    assert restored_storage.restored_root == restored
