"""The data tier's pause machinery: the database's stop schedule and its role, the cache's memory."""

from __future__ import annotations

import json

from components.data.cache_pause import endpoints_document, final_snapshot_name, restore_source
from components.data.database_state import stop_policy


def test_the_restop_role_may_only_stop_this_database(any_plan):
    stack = any_plan.stack
    policy = json.loads(any_plan.named("database-state-restop-policy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "StopTheDatabase",
            "Effect": "Allow",
            "Action": "rds:StopDBInstance",
            "Resource": f"arn:aws:rds:ap-southeast-2:123456789012:db:ohmycoins-{stack}-postgres",
        }
    ]
    trust = json.loads(any_plan.named("database-state-restop-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    restop = any_plan.named("database-state-restop").inputs
    assert restop["target"]["roleArn"].endswith(f":role/ohmycoins-{stack}-postgres-restop-scheduler")
    assert restop["target"]["retryPolicy"] == {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 3600}


def test_a_running_stack_keeps_its_database_available_and_the_schedule_off(any_plan):
    assert any_plan.named("database-state-desired-state").inputs["state"] == "available"
    assert any_plan.named("database-state-restop").inputs["state"] == "DISABLED"


def test_the_cache_remembers_its_restore_point_and_endpoints_in_ssm(staging_plan):
    point = staging_plan.named("cache-pause-memory-restore-point")
    assert point.inputs["name"] == "/ohmycoins-staging/cache/restore-point"
    assert point.inputs["insecureValue"] == "none"
    # Running, the stored restore point is left as it is: the group's snapshotName never moves.
    assert point.ignoreChanges == ["insecureValue"]
    endpoints = json.loads(staging_plan.named("cache-pause-memory-endpoints").inputs["insecureValue"])
    assert endpoints == {"primary": staging_plan.outputs["cachePrimaryEndpoint"], "reader": staging_plan.outputs["cacheReaderEndpoint"]}
    token = staging_plan.named("cache-pause-memory-snapshot-token")
    assert token.inputs["keepers"] == {"restoredFrom": "none"}


def test_snapshot_names_and_restore_sources():
    assert final_snapshot_name("ohmycoins-staging-redis", "1a2b3c4d") == "ohmycoins-staging-redis-final-1a2b3c4d"
    assert restore_source("none") is None
    assert restore_source("ohmycoins-staging-redis-final-1a2b3c4d") == "ohmycoins-staging-redis-final-1a2b3c4d"
    assert json.loads(endpoints_document("master.x", "replica.x")) == {"primary": "master.x", "reader": "replica.x"}


def test_the_stop_policy_names_one_instance():
    assert json.loads(stop_policy("arn:aws:rds:ap-southeast-2:1:db:x"))["Statement"][0]["Resource"] == "arn:aws:rds:ap-southeast-2:1:db:x"
