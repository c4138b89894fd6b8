"""PostgreSQL 17: private, encrypted with the stack's key, TLS only, RDS-managed password, per-stack resilience."""

from __future__ import annotations

import json

import pytest

from components.data.database import parameters
from components.data.database_settings import DatabaseSettings
from tests.data.data_tier import RDS_INSTANCE, key_arn
from tests.stack_edits import set_setting


def _instance(plan):
    return plan.named("database-instance")


def test_engine_is_postgresql_17_with_a_matching_parameter_family(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["engine"] == "postgres"
    # "17": AWS applies minor upgrades without Pulumi reverting them.
    assert instance.inputs["engineVersion"] == "17"
    group = any_plan.named("database-parameters")
    assert group.inputs["family"] == "postgres17"
    assert instance.inputs["parameterGroupName"] == group.inputs["name"]


def test_parameters_force_tls_and_log_connections_and_slow_statements(any_plan):
    values = {p["name"]: (p["value"], p["applyMethod"]) for p in any_plan.named("database-parameters").inputs["parameters"]}
    assert values == {
        "rds.force_ssl": ("1", "immediate"),
        "log_connections": ("1", "immediate"),
        "log_disconnections": ("1", "immediate"),
        "log_min_duration_statement": ("1000", "immediate"),
        "shared_preload_libraries": ("pg_stat_statements", "pending-reboot"),
    }


def test_static_parameters_wait_for_a_reboot():
    settings = DatabaseSettings.model_validate(
        {
            "engineVersion": "17",
            "instanceClass": "db.t3.micro",
            "allocatedStorageGb": 20,
            "maxAllocatedStorageGb": 40,
            "multiAz": False,
            "backupRetentionDays": 1,
            "backupWindow": "01:00-02:00",
            "maintenanceWindow": "sun:03:00-sun:04:00",
            "deletionProtection": False,
            "finalSnapshot": False,
            "performanceInsights": False,
            "logRetentionDays": 7,
            "applyImmediately": True,
            "slowStatementMs": 250,
        }
    )
    methods = {p["name"]: (p["value"], p["apply_method"]) for p in parameters(settings)}
    assert methods["shared_preload_libraries"] == ("pg_stat_statements", "pending-reboot")
    assert methods["log_min_duration_statement"] == ("250", "immediate")


@pytest.mark.parametrize(
    "stack, instance_class, storage, ceiling", [("staging", "db.t4g.micro", 20, 100), ("production", "db.t3.small", 100, 500)]
)
def test_storage_is_encrypted_gp3_that_grows_to_a_ceiling(request, stack, instance_class, storage, ceiling):
    plan = request.getfixturevalue(f"{stack}_plan")
    instance = _instance(plan)
    assert instance.inputs["instanceClass"] == instance_class
    assert instance.inputs["storageType"] == "gp3"
    assert instance.inputs["storageEncrypted"] is True
    assert instance.inputs["kmsKeyId"] == key_arn(plan)
    assert (instance.inputs["allocatedStorage"], instance.inputs["maxAllocatedStorage"]) == (storage, ceiling)


def test_rds_owns_the_master_password_in_secrets_manager(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["manageMasterUserPassword"] is True
    assert instance.inputs["masterUserSecretKmsKeyId"] == key_arn(any_plan)
    assert "password" not in instance.inputs and "passwordWo" not in instance.inputs
    assert (instance.inputs["dbName"], instance.inputs["username"]) == ("app", "app_admin")
    # The exported secret is the one the applications read the password from.
    backend = json.loads(any_plan.named("backend-task").inputs["containerDefinitions"])[0]
    references = {ref["name"]: ref["valueFrom"] for ref in backend["secrets"]}
    assert references["POSTGRES_PASSWORD"] == f"{any_plan.outputs['databaseMasterSecretArn']}:password::"


def test_private_with_iam_auth_and_automatic_minor_upgrades(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["publiclyAccessible"] is False
    assert instance.inputs["iamDatabaseAuthenticationEnabled"] is True
    assert instance.inputs["autoMinorVersionUpgrade"] is True
    assert instance.inputs["allowMajorVersionUpgrade"] is False
    assert instance.inputs["copyTagsToSnapshot"] is True
    assert instance.inputs["port"] == 5432
    assert instance.inputs["dbSubnetGroupName"] == any_plan.named("database-subnets").inputs["name"]


def test_logs_go_to_encrypted_log_groups_created_before_the_instance(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    for export in ("postgresql", "upgrade"):
        group = any_plan.named(f"database-{export}-logs")
        assert group.inputs["name"] == f"/aws/rds/instance/ohmycoins-{any_plan.stack}-postgres/{export}"
        assert group.inputs["kmsKeyId"] == key_arn(any_plan)
        assert group.inputs["retentionInDays"] == {"staging": 14, "production": 90}[any_plan.stack]
        assert group.urn in instance.dependencies


def test_enhanced_monitoring_has_its_own_role(any_plan):
    instance = _instance(any_plan)
    role = any_plan.named("database-monitoring-role")
    assert instance.inputs["monitoringInterval"] == 60
    assert role.inputs["name"] == f"ohmycoins-{any_plan.stack}-rds-monitoring"
    assert role.urn in instance.dependencies
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    attachment = any_plan.named("database-monitoring-policy")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


@pytest.mark.parametrize(
    "stack, multi_az, backups, protected, insights, immediately",
    [("staging", False, 7, False, False, True), ("production", True, 30, True, True, False)],
)
def test_resilience_differs_per_stack(request, stack, multi_az, backups, protected, insights, immediately):
    plan = request.getfixturevalue(f"{stack}_plan")
    instance = _instance(plan)
    assert instance.inputs["multiAz"] is multi_az
    assert instance.inputs["applyImmediately"] is immediately
    # Automated backups outlive the instance only where a final snapshot is kept.
    assert instance.inputs["deleteAutomatedBackups"] is not protected
    assert instance.inputs["backupRetentionPeriod"] == backups
    assert instance.inputs["deletionProtection"] is protected
    assert instance.protect is protected
    assert instance.inputs["skipFinalSnapshot"] is not protected
    assert instance.inputs["performanceInsightsEnabled"] is insights
    if insights:
        assert instance.inputs["performanceInsightsKmsKeyId"] == key_arn(plan)
        assert instance.inputs["performanceInsightsRetentionPeriod"] == 7
    else:
        assert "performanceInsightsKmsKeyId" not in instance.inputs


def test_production_final_snapshot_has_a_stable_name(production_plan):
    assert _instance(production_plan).inputs["finalSnapshotIdentifier"] == "ohmycoins-production-postgres-final"


def test_staging_keeps_no_final_snapshot(staging_plan):
    assert "finalSnapshotIdentifier" not in _instance(staging_plan).inputs


def test_windows_are_utc_and_apart(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["backupWindow"] == "16:00-17:00"
    assert instance.inputs["maintenanceWindow"] == "sat:18:00-sat:19:00"


def test_stacks_without_a_replica_have_none(any_plan):
    assert [i.name for i in any_plan.all(RDS_INSTANCE)] == ["database-instance"]
    assert "databaseReplicaAddress" not in any_plan.outputs


def test_read_replica_is_refused_because_rds_owns_the_password(assert_refused):
    # AWS refuses CreateDBInstanceReadReplica for a source whose master password RDS manages.
    assert_refused(
        "staging",
        set_setting("database", "readReplicaInstanceClass", "db.t3.micro"),
        "ohmycoins:database.readReplicaInstanceClass",
        "AWS cannot create a read replica of an instance whose master password RDS manages",
    )


def test_connection_outputs(any_plan):
    outputs = any_plan.outputs
    assert outputs["databasePort"] == 5432
    assert outputs["databaseName"] == "app"
    backend = json.loads(any_plan.named("backend-task").inputs["containerDefinitions"])[0]
    environment = {e["name"]: e["value"] for e in backend["environment"]}
    assert (environment["POSTGRES_SERVER"], environment["POSTGRES_PORT"], environment["POSTGRES_DB"]) == (
        outputs["databaseAddress"],
        "5432",
        "app",
    )
