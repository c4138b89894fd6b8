"""The stack's alert topic: where CloudWatch alarms and security findings go, and who gets the mail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.observability.alerts_settings import AlertsSettings
from components.shared.iam_documents import document, source_conditions


@dataclass(frozen=True)
class AlertTopicArgs:
    settings: AlertsSettings
    name_prefix: str  # `ohmycoins-<stack>`
    region: str
    account_id: pulumi.Input[str]
    # The stack's KMS key; its key policy must let cloudwatch.amazonaws.com and
    # events.amazonaws.com use it, or encrypted publishes are dropped.
    kms_key_arn: pulumi.Input[str]


def _service_publishes(sid: str, service: str, topic_arn: str, account: str, source_arn: str) -> dict[str, Any]:
    """An AWS service may publish on behalf of this account's resources matching `source_arn` only."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": f"{service}.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": source_conditions(account, source_arn),
    }


def topic_policy(topic_arn: str, account: str, region: str) -> dict[str, Any]:
    """Alarms, EventBridge rules and budgets of this account may publish; nobody may publish without TLS."""
    return document(
        {
            "Sid": "AccountManagesTopic",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": [
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:AddPermission",
                "sns:RemovePermission",
                "sns:DeleteTopic",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
                "sns:Publish",
            ],
            "Resource": topic_arn,
        },
        _service_publishes("CloudWatchAlarmsPublish", "cloudwatch", topic_arn, account, f"arn:aws:cloudwatch:{region}:{account}:alarm:*"),
        _service_publishes("EventBridgePublish", "events", topic_arn, account, f"arn:aws:events:{region}:{account}:rule/*"),
        # Budgets are global: their ARNs have no region.
        _service_publishes("BudgetsPublish", "budgets", topic_arn, account, f"arn:aws:budgets::{account}:*"),
        {
            "Sid": "DenyPublishWithoutTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


class AlertTopic(pulumi.ComponentResource):
    """One encrypted SNS topic per stack; every alarm and security finding of the stack ends here."""

    topic_arn: pulumi.Output[str]
    topic_name: pulumi.Output[str]

    def __init__(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:alerts:AlertTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        topic_name = f"{args.name_prefix}-alerts"

        topic = aws.sns.Topic(
            f"{name}-topic",
            name=topic_name,
            kms_master_key_id=args.kms_key_arn,
            tags={"Name": topic_name},
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, args.account_id).apply(
                lambda values: json.dumps(topic_policy(values[0], values[1], args.region))
            ),
            opts=child,
        )
        for email in args.settings.emails:
            aws.sns.TopicSubscription(
                f"{name}-email-{email.lower()}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )

        self.topic_arn = topic.arn
        self.topic_name = topic.name
        self.register_outputs({"topic_arn": self.topic_arn, "topic_name": self.topic_name})
