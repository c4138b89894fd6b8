"""Redis 7: TLS and AUTH in every stack, token only in Secrets Manager, failover and protection in production."""

from __future__ import annotations

import json

import pytest

from tests.data.data_tier import SECRET, key_arn
from tools.plan_model import SECRET as MASKED


def _group(plan):
    return plan.named("cache-redis")


def test_engine_is_redis_7_with_lru_eviction(any_plan):
    group = _group(any_plan)
    assert group.inputs["engine"] == "redis"
    assert group.inputs["engineVersion"] == "7.1"
    assert group.inputs["autoMinorVersionUpgrade"] is True
    parameters = any_plan.named("cache-parameters")
    assert parameters.inputs["family"] == "redis7"
    assert parameters.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "allkeys-lru"}]
    assert group.inputs["parameterGroupName"] == parameters.inputs["name"]
    assert group.inputs["subnetGroupName"] == any_plan.named("cache-subnets").inputs["name"]
    assert group.inputs["port"] == 6379


def test_encrypted_at_rest_with_the_stacks_key_and_in_transit_in_every_stack(any_plan):
    group = _group(any_plan)
    assert group.inputs["atRestEncryptionEnabled"] is True
    assert group.inputs["kmsKeyId"] == key_arn(any_plan)
    assert group.inputs["transitEncryptionEnabled"] is True
    assert group.inputs["transitEncryptionMode"] == "required"


def test_auth_token_is_generated_secret_and_kept_in_secrets_manager(any_plan):
    group = _group(any_plan)
    assert group.inputs["authToken"] == MASKED
    token = any_plan.named("cache-auth-token")
    assert token.inputs["length"] == 64
    assert token.inputs["special"] is True
    # ElastiCache refuses '@', '"', '/' and spaces in a token; only the specials it documents.
    assert token.inputs["overrideSpecial"] == "!&#$^<>-"
    assert token.urn in group.dependencies
    # A changed token is rotated in place: clients keep working with the old one meanwhile.
    assert group.inputs["authTokenUpdateStrategy"] == "ROTATE"
    secret = any_plan.named("cache-auth-secret")
    assert secret.inputs["name"] == f"ohmycoins-{any_plan.stack}-redis-auth"
    assert secret.inputs["kmsKeyId"] == key_arn(any_plan)
    assert any_plan.named("cache-auth-secret-value").inputs["secretString"] == MASKED
    # Consumers read the token by the exported ARN, under the JSON key REDIS_PASSWORD.
    backend = json.loads(any_plan.named("backend-task").inputs["containerDefinitions"])[0]
    references = {ref["name"]: ref["valueFrom"] for ref in backend["secrets"]}
    assert references["REDIS_PASSWORD"] == f"{any_plan.outputs['cacheAuthSecretArn']}:REDIS_PASSWORD::"


def test_slow_and_engine_logs_go_to_encrypted_log_groups(any_plan):
    deliveries = {d["logType"]: d for d in _group(any_plan).inputs["logDeliveryConfigurations"]}
    assert sorted(deliveries) == ["engine-log", "slow-log"]
    for log_type, delivery in deliveries.items():
        log_group = any_plan.named(f"cache-{log_type}")
        assert delivery["destination"] == log_group.inputs["name"] == f"/aws/elasticache/ohmycoins-{any_plan.stack}/{log_type}"
        assert delivery["destinationType"] == "cloudwatch-logs" and delivery["logFormat"] == "json"
        assert log_group.inputs["kmsKeyId"] == key_arn(any_plan)
        assert log_group.inputs["retentionInDays"] == {"staging": 14, "production": 90}[any_plan.stack]


@pytest.mark.parametrize(
    "stack, node_type, nodes, failover, protected, snapshots, immediately",
    [("staging", "cache.t4g.micro", 1, False, False, 1, True), ("production", "cache.t3.small", 2, True, True, 7, False)],
)
def test_size_and_resilience_differ_per_stack(request, stack, node_type, nodes, failover, protected, snapshots, immediately):
    plan = request.getfixturevalue(f"{stack}_plan")
    group = _group(plan)
    assert group.inputs["nodeType"] == node_type
    assert group.inputs["numCacheClusters"] == nodes
    assert group.inputs["applyImmediately"] is immediately
    assert group.inputs["automaticFailoverEnabled"] is failover
    assert group.inputs["multiAzEnabled"] is failover
    assert group.protect is protected
    assert group.inputs["snapshotRetentionLimit"] == snapshots
    assert group.inputs["snapshotWindow"] == "17:00-18:00"
    assert group.inputs["maintenanceWindow"] == "sat:19:00-sat:20:00"
    # Every deletion leaves a snapshot (a pause restores from it): both stacks name one.
    assert group.inputs["finalSnapshotIdentifier"].startswith(f"ohmycoins-{stack}-redis-final-")


def test_connection_outputs(any_plan):
    outputs = any_plan.outputs
    assert outputs["cachePort"] == 6379
    # The applications write to the primary; the reader endpoint is a different address.
    backend = json.loads(any_plan.named("backend-task").inputs["containerDefinitions"])[0]
    environment = {e["name"]: e["value"] for e in backend["environment"]}
    assert environment["REDIS_HOST"] == outputs["cachePrimaryEndpoint"] != outputs["cacheReaderEndpoint"]
    assert (environment["REDIS_PORT"], environment["REDIS_SSL"]) == ("6379", "true")


def test_secrets_of_the_data_tier_are_recoverable_in_production_only(staging_plan, production_plan):
    for plan, days in ((staging_plan, 0), (production_plan, 30)):
        secrets = [s for s in plan.all(SECRET) if s.name in ("app-secrets-secret", "cache-auth-secret")]
        assert [s.inputs["recoveryWindowInDays"] for s in secrets] == [days, days]
