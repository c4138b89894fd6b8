"""The stack's alert topic: encrypted with the stack key, publishable by alarms, EventBridge and budgets of this account."""

from __future__ import annotations

import json

import pytest

from components.settings import SettingsError

TOPIC = "aws:sns/topic:Topic"


def test_one_encrypted_topic_per_stack(any_plan):
    topic = any_plan.one(TOPIC, "alerts-topic")
    assert topic.inputs["name"] == f"ohmycoins-{any_plan.stack}-alerts"
    assert topic.inputs["kmsMasterKeyId"] == any_plan.outputs["kmsKeyArn"]
    # The exported topic is the one the subscriptions and the topic policy are for.
    policy = any_plan.one("aws:sns/topicPolicy:TopicPolicy")
    assert policy.inputs["arn"] == any_plan.outputs["alertTopicArn"] and topic.urn in policy.dependencies
    assert all(s.inputs["topic"] == any_plan.outputs["alertTopicArn"] for s in any_plan.all("aws:sns/topicSubscription:TopicSubscription"))


def test_only_this_accounts_alarms_and_rules_may_publish(any_plan):
    policy = json.loads(any_plan.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    account = "123456789012"
    for sid, service, source in (
        ("CloudWatchAlarmsPublish", "cloudwatch.amazonaws.com", f"arn:aws:cloudwatch:ap-southeast-2:{account}:alarm:*"),
        ("EventBridgePublish", "events.amazonaws.com", f"arn:aws:events:ap-southeast-2:{account}:rule/*"),
        # Budgets are global: their ARNs carry no region.
        ("BudgetsPublish", "budgets.amazonaws.com", f"arn:aws:budgets::{account}:*"),
    ):
        statement = by_sid[sid]
        assert statement["Effect"] == "Allow" and statement["Resource"] == any_plan.outputs["alertTopicArn"]
        assert statement["Principal"] == {"Service": service} and statement["Action"] == "sns:Publish"
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source}}
    assert by_sid["DenyPublishWithoutTls"] == {
        "Sid": "DenyPublishWithoutTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:Publish",
        "Resource": any_plan.outputs["alertTopicArn"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert set(by_sid) == {
        "AccountManagesTopic",
        "CloudWatchAlarmsPublish",
        "EventBridgePublish",
        "BudgetsPublish",
        "DenyPublishWithoutTls",
    }
    # The account's own principals, through IAM; nobody outside it.
    assert by_sid["AccountManagesTopic"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert by_sid["AccountManagesTopic"]["Effect"] == "Allow"
    assert by_sid["AccountManagesTopic"]["Action"] == [
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:AddPermission",
        "sns:RemovePermission",
        "sns:DeleteTopic",
        "sns:Subscribe",
        "sns:ListSubscriptionsByTopic",
        "sns:Publish",
    ]


@pytest.mark.parametrize(
    "stack, emails", [("staging", ["ops@ohmycoins.com"]), ("production", ["ops@ohmycoins.com", "security@ohmycoins.com"])]
)
def test_email_subscriptions_come_from_config(request, stack, emails):
    plan = request.getfixturevalue(f"{stack}_plan")
    subscriptions = plan.all("aws:sns/topicSubscription:TopicSubscription")
    subscriptions = [s for s in subscriptions if s.name.startswith("alerts-email-")]
    assert sorted(s.inputs["endpoint"] for s in subscriptions) == emails
    assert {s.inputs["protocol"] for s in subscriptions} == {"email"}


@pytest.mark.parametrize(
    "emails, reason",
    [(["not-an-address"], "'not-an-address' is not an email address"), (["a@b.io", "A@b.io"], "must not repeat")],
)
def test_bad_alert_emails_are_refused(plan_variant, emails, reason):
    def change(config):
        config["ohmycoins:alerts"]["emails"] = emails

    with pytest.raises(SettingsError) as caught:
        plan_variant("staging", change)
    assert any(key == "ohmycoins:alerts.emails" and reason in why for key, why in caught.value.problems), caught.value.problems


def test_the_topics_key_lets_alarms_and_eventbridge_publish(any_plan):
    """SNS drops an encrypted publish whose sender may not use the topic's key, silently."""
    key = any_plan.one("aws:kms/key:Key", "kms-key")
    statements = json.loads(key.inputs["policy"])["Statement"]
    for service in ("cloudwatch.amazonaws.com", "events.amazonaws.com"):
        granted = set()
        for statement in statements:
            principals = (statement.get("Principal") or {}).get("Service", [])
            if statement["Effect"] == "Allow" and service in ([principals] if isinstance(principals, str) else principals):
                granted |= set([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= granted, f"the stack key does not let {service} use it"
