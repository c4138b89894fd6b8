"""PostgreSQL 17: private, encrypted with the stack's key, TLS only, RDS-managed password, per-stack resilience."""

from __future__ import annotations

import json

import pytest

from components.data.database import parameters
from components.data.database_settings import DatabaseSettings
from tests.data.data_tier import RDS_INSTANCE, key_arn


def _instance(plan):
    return plan.named("database-instance")


def test_engine_is_postgresql_17_with_a_matching_parameter_family(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["engine"] == "postgres"
    assert instance.inputs["engineVersion"].split(".")[0] == "17"
    group = any_plan.named("database-parameters")
    assert group.inputs["family"] == "postgres17"
    assert instance.inputs["parameterGroupName"] == group.inputs["name"]


def test_parameters_force_tls_and_log_connections_and_slow_statements(any_plan):
    values = {p["name"]: p["value"] for p in any_plan.named("database-parameters").inputs["parameters"]}
    assert values["rds.force_ssl"] == "1"
    assert values["log_connections"] == "1" and values["log_disconnections"] == "1"
    assert int(values["log_min_duration_statement"]) > 0
    assert "log_duration" not in values
    assert values["shared_preload_libraries"] == "pg_stat_statements"


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


def test_storage_is_encrypted_gp3_that_grows_to_a_ceiling(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["storageType"] == "gp3"
    assert instance.inputs["storageEncrypted"] is True
    assert instance.inputs["kmsKeyId"] == key_arn(any_plan)
    assert instance.inputs["maxAllocatedStorage"] > instance.inputs["allocatedStorage"] >= 20


def test_rds_owns_the_master_password_in_secrets_manager(any_plan):
    instance = _instance(any_plan)
    assert instance.inputs["manageMasterUserPassword"] is True
    assert instance.inputs["masterUserSecretKmsKeyId"] == key_arn(any_plan)
    assert "password" not in instance.inputs and "passwordWo" not in instance.inputs
    assert any_plan.outputs["databaseMasterSecretArn"].startswith("arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:rds!db-")


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
        assert group.urn in instance.dependencies


def test_enhanced_monitoring_has_its_own_role(any_plan):
    instance = _instance(any_plan)
    role = any_plan.named("database-monitoring-role")
    assert instance.inputs["monitoringInterval"] == 60
    assert instance.inputs["monitoringRoleArn"].endswith(f":role/{role.inputs['name']}")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    attachment = any_plan.named("database-monitoring-policy")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


@pytest.mark.parametrize(
    "stack, multi_az, backups, protected, insights",
    [("staging", False, 7, False, False), ("production", True, 30, True, True)],
)
def test_resilience_differs_per_stack(request, stack, multi_az, backups, protected, insights):
    plan = request.getfixturevalue(f"{stack}_plan")
    instance = _instance(plan)
    assert instance.inputs["multiAz"] is multi_az
    assert instance.inputs["backupRetentionPeriod"] == backups
    assert instance.inputs["deletionProtection"] is protected
    assert instance.protect is protected
    assert instance.inputs["skipFinalSnapshot"] is not protected
    assert instance.inputs["performanceInsightsEnabled"] is insights
    if insights:
        assert instance.inputs["performanceInsightsKmsKeyId"] == key_arn(plan)
        assert instance.inputs["performanceInsightsRetentionPeriod"] == 7


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


def test_read_replica_follows_the_primary_when_asked_for(staging_extras):
    replica = staging_extras.named("database-replica")
    primary = staging_extras.named("database-instance")
    assert replica.inputs["replicateSourceDb"] == primary.inputs["identifier"]
    assert replica.inputs["instanceClass"] == "db.t4g.micro"
    assert replica.inputs["publiclyAccessible"] is False
    assert replica.inputs["storageEncrypted"] is True and replica.inputs["kmsKeyId"] == key_arn(staging_extras)
    assert replica.inputs["vpcSecurityGroupIds"] == primary.inputs["vpcSecurityGroupIds"]
    assert "username" not in replica.inputs and "manageMasterUserPassword" not in replica.inputs
    assert staging_extras.outputs["databaseReplicaAddress"].startswith("ohmycoins-staging-postgres-replica.")


def test_connection_outputs(any_plan):
    outputs = any_plan.outputs
    assert outputs["databasePort"] == 5432
    assert outputs["databaseName"] == "app"
    assert outputs["databaseAddress"].startswith(f"ohmycoins-{any_plan.stack}-postgres.")
