"""`restoreFrom`: the database and the cache created from a backup, what happens to the old ones, and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from pydantic import ValidationError

from components.data.restore_settings import DatabaseRestore, restore_source_problems
from tests.conftest import stack_config
from tests.stack_edits import set_setting
from tools.diff import diff_plans, fate_of_replaced
from tools.engine import run_stack
from tools.plan_model import PlannedResource

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DB_SNAPSHOT = "rds:ohmycoins-staging-postgres-2026-03-01-16-05"
CACHE_SNAPSHOT = "automatic.ohmycoins-staging-redis-2026-03-01-17-00"
FS_RESTORE = "aws-backup-restore_2026-03-02T01-12-44"


def _plan_edited(tmp_path_factory, stack: str, edit):
    config = stack_config(stack)
    edit(config)
    path = tmp_path_factory.mktemp(f"{stack}-restore") / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return run_stack(stack, path)


@pytest.fixture(scope="module")
def staging_restored(tmp_path_factory):
    """Staging with the database from a snapshot, the cache from an automatic snapshot (the database with its final snapshot on), and
    the agents' files from an AWS Backup restore into their file system."""

    def edit(config):
        config["ohmycoins:database"].update(finalSnapshot=True, restoreFrom={"snapshot": DB_SNAPSHOT})
        config["ohmycoins:cache"]["restoreFrom"] = {"snapshot": CACHE_SNAPSHOT}
        config["ohmycoins:backup"]["fileSystemRestores"] = {"agent-artifacts": FS_RESTORE}

    return _plan_edited(tmp_path_factory, "staging", edit)


@pytest.fixture(scope="module")
def production_restored(tmp_path_factory):
    """Production restored to the latest restorable time of its own database."""

    def edit(config):
        config["ohmycoins:database"]["restoreFrom"] = {"pointInTime": {"source": "ohmycoins-production-postgres", "time": "latest"}}

    return _plan_edited(tmp_path_factory, "production", edit)


def test_a_snapshot_restore_creates_the_instance_from_it_under_a_new_identifier(staging_restored):
    instance = staging_restored.named("database-instance")
    assert instance.inputs["identifier"] == "ohmycoins-staging-postgres-snap-f607670a"
    assert instance.inputs["snapshotIdentifier"] == DB_SNAPSHOT
    # The database and its master user come from the snapshot; RDS then manages a new password.
    assert "dbName" not in instance.inputs and "username" not in instance.inputs
    assert instance.inputs["manageMasterUserPassword"] is True
    assert instance.inputs["finalSnapshotIdentifier"] == "ohmycoins-staging-postgres-snap-f607670a-final"
    assert staging_restored.named("database-postgresql-logs").inputs["name"] == (
        "/aws/rds/instance/ohmycoins-staging-postgres-snap-f607670a/postgresql"
    )


def test_the_apps_alarms_and_backups_follow_the_restored_instance(staging_restored):
    instance = staging_restored.named("database-instance")
    alarm = next(a for a in staging_restored.all("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name == "alarms-rds-cpu")
    assert alarm.inputs["dimensions"] == {"DBInstanceIdentifier": "ohmycoins-staging-postgres-snap-f607670a"}
    assert instance.urn in staging_restored.named("backups-database").dependencies
    backend = staging_restored.named("backend-task")
    assert instance.urn in backend.dependencies


def test_the_cache_restores_from_a_snapshot_beside_the_old_group_and_keeps_its_secret(staging_restored):
    group = staging_restored.named("cache-redis")
    assert group.inputs["replicationGroupId"] == "ohmycoins-staging-redis-snap-eab97faf"
    assert len(group.inputs["replicationGroupId"]) <= 40
    assert group.inputs["snapshotName"] == CACHE_SNAPSHOT
    assert staging_restored.named("cache-auth-secret").inputs["name"] == "ohmycoins-staging-redis-auth"
    assert staging_restored.named("cache-subnets").inputs["name"] == "ohmycoins-staging-redis"


def test_the_agents_serve_the_restored_files_and_the_current_ones_stay_on_the_file_system(staging_plan, staging_restored):
    restored = staging_restored.named("agents-agent-artifacts-restored-access-point")
    assert restored.inputs["rootDirectory"] == {"path": "/aws-backup-restore_2026-03-02T01-12-44/agents"}
    assert restored.inputs["posixUser"] == {"uid": 1000, "gid": 1000}
    task = staging_restored.named("agents-task")
    assert restored.urn in task.dependencies
    # The usual access point and the file system are untouched: the restore went in beside /agents.
    usual = "agents-agent-artifacts-access-point"
    assert staging_restored.named(usual).inputs == staging_plan.named(usual).inputs
    assert staging_restored.named(usual).urn not in task.dependencies
    before, after = staging_plan.named("agents-agent-artifacts-fs"), staging_restored.named("agents-agent-artifacts-fs")
    assert before.inputs == after.inputs


def test_a_restore_of_storage_the_catalog_lacks_is_refused(assert_refused):
    assert_refused(
        "staging",
        set_setting("backup", "fileSystemRestores", {"reports": FS_RESTORE}),
        "ohmycoins:backup.fileSystemRestores.reports",
        "no shared storage of that name; the catalog has agent-artifacts",
    )


def test_only_aws_backups_recovery_directories_are_accepted(assert_refused):
    assert_refused(
        "staging",
        set_setting("backup", "fileSystemRestores", {"agent-artifacts": "../agents"}),
        "ohmycoins:backup.fileSystemRestores.agent-artifacts",
        "is not a directory AWS Backup restores EFS into",
    )


def test_a_point_in_time_restore_of_production_keeps_protection_and_the_old_instance(production_restored):
    instance = production_restored.named("database-instance")
    assert instance.inputs["identifier"] == "ohmycoins-production-postgres-pitr-latest"
    assert instance.inputs["restoreToPointInTime"] == {
        "sourceDbInstanceIdentifier": "ohmycoins-production-postgres",
        "useLatestRestorableTime": True,
    }
    assert instance.protect and instance.retainOnDelete
    assert instance.inputs["deletionProtection"] is True and instance.inputs["multiAz"] is True


def test_the_plan_diff_flags_the_replacement_and_says_what_happens_to_the_old_instance(staging_plan, staging_restored):
    warnings = {c.resource.name: c.warnings for c in diff_plans(staging_plan, staging_restored).changes()}
    database = warnings["database-instance"]
    assert database[0] == (
        "REPLACES the database: dbName, identifier, snapshotIdentifier, username cannot change in place "
        "(restored from a backup (snapshotIdentifier))"
    )
    # Staging's current instance skips its final snapshot: the diff says so before anyone applies it.
    assert "the replaced one is deleted WITHOUT a final snapshot: its data is lost" in database
    assert any(w.startswith("REPLACES the cache: replicationGroupId, snapshotName") for w in warnings["cache-redis"])


def test_in_production_the_diff_says_the_old_instance_stays_and_is_protected(production_plan, production_restored):
    warnings = {c.resource.name: c.warnings for c in diff_plans(production_plan, production_restored).changes()}
    database = warnings["database-instance"]
    assert "the replaced one stays in AWS, untouched (retainOnDelete): delete it yourself once it is no longer needed" in database
    assert "protected: `pulumi up` refuses to delete or replace it" in database


def _instance(**inputs) -> PlannedResource:
    return PlannedResource(urn="urn:x", type="aws:rds/instance:Instance", name="database-instance", parent="", inputs=inputs)


def test_the_fate_of_a_replaced_instance_is_read_from_its_old_inputs():
    kept = PlannedResource(**{**_instance().__dict__, "retainOnDelete": True})
    assert fate_of_replaced(kept).startswith("the replaced one stays in AWS")
    snapshotted = _instance(finalSnapshotIdentifier="db-final", skipFinalSnapshot=False)
    assert fate_of_replaced(snapshotted) == "the replaced one is deleted after its final snapshot db-final"
    assert "WITHOUT" in fate_of_replaced(_instance(skipFinalSnapshot=True))


@pytest.mark.parametrize(
    "restore, key, reason",
    [
        (
            {"snapshot": DB_SNAPSHOT, "pointInTime": {"source": "ohmycoins-staging-postgres", "time": "latest"}},
            "ohmycoins:database.restoreFrom",
            "give exactly one of `snapshot` or `pointInTime`",
        ),
        ({}, "ohmycoins:database.restoreFrom", "give exactly one of `snapshot` or `pointInTime`"),
        (
            {"pointInTime": {"source": "ohmycoins-staging-postgres", "time": "2099-01-01T00:00:00Z"}},
            "ohmycoins:database.restoreFrom.pointInTime.time",
            "2099-01-01T00:00:00Z is in the future",
        ),
        (
            {"pointInTime": {"source": "ohmycoins-staging-postgres", "time": "2020-01-01T00:00:00Z"}},
            "ohmycoins:database.restoreFrom.pointInTime.time",
            "older than the 7-day point-in-time window of ohmycoins-staging-postgres",
        ),
        (
            {"pointInTime": {"source": "ohmycoins-staging-postgres", "time": "2026-03-01 10:40"}},
            "ohmycoins:database.restoreFrom.pointInTime.time",
            "not an ISO 8601 UTC time",
        ),
        (
            {"snapshot": "arn:aws:rds:ap-southeast-4:123456789012:snapshot:awsbackup:job-1234"},
            "ohmycoins:database.restoreFrom.snapshot",
            "RDS restores only snapshots of the stack's region ap-southeast-2",
        ),
    ],
)
def test_bad_database_restores_are_refused_with_the_reason(assert_refused, restore, key, reason):
    assert_refused("staging", _restoring(restore), key, reason)


def _restoring(restore):
    """finalSnapshot on (else that is the first refusal), then `restoreFrom`."""

    def change(config):
        config["ohmycoins:database"].update(finalSnapshot=True, restoreFrom=restore)

    return change


def test_a_restore_needs_the_final_snapshot_of_the_instance_it_replaces(assert_refused):
    assert_refused(
        "staging",
        set_setting("database", "restoreFrom", {"snapshot": DB_SNAPSHOT}),
        "ohmycoins:database.restoreFrom",
        "set finalSnapshot to true and `pulumi up` first",
    )


def test_the_restored_cache_is_created_from_the_snapshot_and_leaves_a_final_one_when_replaced(staging_restored):
    # Every replication group names a final snapshot, so the group a restore replaces is kept as one.
    group = staging_restored.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.inputs["snapshotName"] == CACHE_SNAPSHOT
    assert group.inputs["finalSnapshotIdentifier"].startswith("ohmycoins-staging-redis-")


def _restore(**fields) -> DatabaseRestore:
    return DatabaseRestore.model_validate(fields)


def test_times_too_recent_for_rds_are_refused_with_a_hint():
    recent = _restore(pointInTime={"source": "db", "time": "2026-03-10T11:58:00Z"})
    (problem,) = recent.restore_problems(NOW)
    assert problem.path == ("pointInTime", "time") and "use `latest`" in problem.reason
    assert _restore(pointInTime={"source": "db", "time": "2026-03-10T11:50:00Z"}).restore_problems(NOW) == []


def test_the_window_is_only_checked_for_the_stacks_own_database():
    old = {"time": "2026-02-01T00:00:00Z"}
    own = _restore(pointInTime={"source": "ohmycoins-staging-postgres-snap-f607670a", **old})
    other = _restore(pointInTime={"source": "some-other-database", **old})
    assert [p.path for p in restore_source_problems(own, "ohmycoins-staging-postgres", 7, "ap-southeast-2", NOW)] == [
        ("pointInTime", "time")
    ]
    assert restore_source_problems(other, "ohmycoins-staging-postgres", 7, "ap-southeast-2", NOW) == []


def test_retained_automated_backups_of_another_region_are_refused():
    arn = "arn:aws:rds:ap-southeast-4:123456789012:auto-backup:ab-" + "a" * 26
    (problem,) = restore_source_problems(_restore(pointInTime={"source": arn, "time": "latest"}), "x-postgres", 7, "ap-southeast-2", NOW)
    assert problem.path == ("pointInTime", "source") and "ap-southeast-4" in problem.reason


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"snapshot": "arn:aws:rds:ap-southeast-2:123456789012:cluster-snapshot:x"}, "Aurora cluster snapshot"),
        ({"snapshot": "9starts-with-a-digit"}, "not a DB snapshot identifier"),
        ({"pointInTime": {"source": "bad--name", "time": "latest"}}, "neither a DB instance identifier"),
        ({"pointInTime": {"source": "db", "time": "2026-02-30T10:00:00Z"}}, "not a real date"),
    ],
)
def test_malformed_restore_sources_are_refused(fields, message):
    with pytest.raises(ValidationError, match=message):
        _restore(**fields)
