"""Redis 7: TLS and AUTH in every stack, token only in Secrets Manager, failover and protection in production."""

from __future__ import annotations

import pytest

from components.data.cache import AUTH_TOKEN_SPECIALS
from tests.data.data_tier import SECRET, key_arn
from tools.plan_model import SECRET as MASKED


def _group(plan):
    return plan.named("cache-redis")


def test_engine_is_redis_7_with_lru_eviction(any_plan):
    group = _group(any_plan)
    assert group.inputs["engine"] == "redis"
    assert group.inputs["engineVersion"].startswith("7.")
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
    assert 32 <= token.inputs["length"] <= 128
    assert token.inputs["special"] is True
    assert not set(token.inputs["overrideSpecial"]) & set('@"/ ')
    assert set(token.inputs["overrideSpecial"]) <= set(AUTH_TOKEN_SPECIALS)
    assert token.urn in group.dependencies
    secret = any_plan.named("cache-auth-secret")
    assert secret.inputs["kmsKeyId"] == key_arn(any_plan)
    assert any_plan.named("cache-auth-secret-value").inputs["secretString"] == MASKED
    assert any_plan.outputs["cacheAuthSecretArn"].startswith(
        f"arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:ohmycoins-{any_plan.stack}-redis-auth-"
    )


def test_slow_and_engine_logs_go_to_encrypted_log_groups(any_plan):
    deliveries = {d["logType"]: d for d in _group(any_plan).inputs["logDeliveryConfigurations"]}
    assert sorted(deliveries) == ["engine-log", "slow-log"]
    for log_type, delivery in deliveries.items():
        log_group = any_plan.named(f"cache-{log_type}")
        assert delivery["destination"] == log_group.inputs["name"] == f"/aws/elasticache/ohmycoins-{any_plan.stack}/{log_type}"
        assert delivery["destinationType"] == "cloudwatch-logs" and delivery["logFormat"] == "json"
        assert log_group.inputs["kmsKeyId"] == key_arn(any_plan)


@pytest.mark.parametrize(
    "stack, nodes, failover, protected, snapshots",
    [("staging", 1, False, False, 1), ("production", 2, True, True, 7)],
)
def test_size_and_resilience_differ_per_stack(request, stack, nodes, failover, protected, snapshots):
    plan = request.getfixturevalue(f"{stack}_plan")
    group = _group(plan)
    assert group.inputs["numCacheClusters"] == nodes
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
    assert outputs["cachePrimaryEndpoint"].startswith(f"master.ohmycoins-{any_plan.stack}-redis.")
    assert outputs["cacheReaderEndpoint"].startswith(f"replica.ohmycoins-{any_plan.stack}-redis.")


def test_secrets_of_the_data_tier_are_recoverable_in_production_only(staging_plan, production_plan):
    for plan, days in ((staging_plan, 0), (production_plan, 30)):
        secrets = [s for s in plan.all(SECRET) if s.name in ("app-secrets-secret", "cache-auth-secret")]
        assert [s.inputs["recoveryWindowInDays"] for s in secrets] == [days, days]
