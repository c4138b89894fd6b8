"""The stack's KMS key: rotated, aliased, administered by the account, usable by Logs and the data services."""

from __future__ import annotations

import json

import pytest

from tests.data.data_tier import KMS_KEY, LOG_GROUP, SECRET, key_arn


def _statements(plan):
    policy = json.loads(plan.named("kms-key").inputs["policy"])
    return {statement["Sid"]: statement for statement in policy["Statement"]}


@pytest.mark.parametrize("stack, window, protect", [("staging", 7, False), ("production", 30, True)])
def test_one_rotated_key_per_stack(request, stack, window, protect):
    plan = request.getfixturevalue(f"{stack}_plan")
    data_keys = [k for k in plan.all(KMS_KEY) if k.name == "kms-key"]
    assert len(data_keys) == 1
    key = data_keys[0]
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == window
    assert key.protect is protect
    alias = plan.named("kms-alias")
    assert alias.inputs["name"] == f"alias/ohmycoins-{stack}"
    assert alias.inputs["targetKeyId"] in key_arn(plan)


def test_the_account_administers_the_key(any_plan):
    admin = _statements(any_plan)["AccountAdministersTheKey"]
    assert admin["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert admin["Action"] == "kms:*"


def test_cloudwatch_logs_may_use_the_key_for_this_accounts_log_groups_only(any_plan):
    logs = _statements(any_plan)["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {"Service": "logs.ap-southeast-2.amazonaws.com"}
    assert logs["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:ap-southeast-2:123456789012:log-group:*"}}
    assert "kms:*" not in logs["Action"]


def test_data_services_use_the_key_only_through_their_service(any_plan):
    services = _statements(any_plan)["DataServicesOfThisAccount"]
    assert services["Condition"]["StringEquals"]["kms:CallerAccount"] == "123456789012"
    assert sorted(services["Condition"]["StringEquals"]["kms:ViaService"]) == [
        "elasticache.ap-southeast-2.amazonaws.com",
        "rds.ap-southeast-2.amazonaws.com",
        "secretsmanager.ap-southeast-2.amazonaws.com",
    ]


def test_data_tier_log_groups_and_secrets_are_encrypted_with_the_stacks_key(any_plan):
    arn = key_arn(any_plan)
    data_log_groups = [g for g in any_plan.all(LOG_GROUP) if g.name.startswith(("database-", "cache-")) or g.name == "network-flow-logs"]
    assert len(data_log_groups) == 5
    assert all(g.inputs["kmsKeyId"] == arn for g in data_log_groups)
    data_secrets = [s for s in any_plan.all(SECRET) if s.name in ("app-secrets-secret", "cache-auth-secret")]
    assert len(data_secrets) == 2 and all(s.inputs["kmsKeyId"] == arn for s in data_secrets)


def test_only_the_auto_scaling_service_role_may_use_the_key_without_iam(any_plan):
    statements = _statements(any_plan)
    open_principals = [sid for sid, st in statements.items() if st["Principal"] == {"AWS": "*"}]
    assert open_principals == ["AutoScalingNodeVolumes"]
    condition = statements["AutoScalingNodeVolumes"]["Condition"]
    assert condition["StringEquals"] == {"kms:CallerAccount": "123456789012"}
    assert condition["ArnEquals"] == {
        "aws:PrincipalArn": "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    }
    assert "kms:*" not in statements["AutoScalingNodeVolumes"]["Action"]


def test_alarms_and_events_may_only_encrypt_messages_for_the_topics(any_plan):
    publishers = _statements(any_plan)["AlarmsAndEventsPublishToEncryptedTopics"]
    assert publishers["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]}
    assert publishers["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
