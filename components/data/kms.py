"""The stack's customer-managed KMS key: one key for the data tier, its secrets and its log groups."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.data.kms_settings import KmsSettings
from components.shared.iam_documents import document, source_conditions

# Services that encrypt this stack's data with the key on behalf of the account's principals.
DATA_SERVICES = ("rds", "elasticache", "secretsmanager")
AUTOSCALING_ROLE = "AWSServiceRoleForAutoScaling"
# Services that publish to the stack's KMS-encrypted SNS topics.
PUBLISHING_SERVICES = ("cloudwatch.amazonaws.com", "events.amazonaws.com")


@dataclass(frozen=True)
class EncryptionKeyArgs:
    settings: KmsSettings
    name_prefix: str  # `ohmycoins-<stack>`
    region: str
    account_id: pulumi.Input[str]
    protect: bool


def key_policy(account: str, region: str) -> dict:
    """Administered by the account (IAM decides who); used by the data services, node volumes, alarms and Logs."""
    root = f"arn:aws:iam::{account}:root"
    return document(
        {
            # Without this statement nobody, not even the account, could ever change the key again.
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            # The data services, acting for this account's principals (whose IAM policies
            # still decide), may encrypt with the key and create the grants they need.
            "Sid": "DataServicesOfThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:CreateGrant",
                "kms:ListGrants",
                "kms:DescribeKey",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account,
                    "kms:ViaService": [f"{service}.{region}.amazonaws.com" for service in DATA_SERVICES],
                }
            },
        },
        {
            # EC2 Auto Scaling (EKS node groups) encrypts node volumes with the key through its
            # service-linked role, whose IAM policy grants no KMS. A condition on the principal
            # ARN instead of naming the role keeps the policy valid before the role exists.
            "Sid": "AutoScalingNodeVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": account},
                "ArnEquals": {
                    "aws:PrincipalArn": f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/{AUTOSCALING_ROLE}"
                },
            },
        },
        {
            # The stack's alert topic is encrypted with this key: CloudWatch alarms and EventBridge
            # rules must be able to use it, or SNS drops their messages without a word.
            "Sid": "AlarmsAndEventsPublishToEncryptedTopics",
            "Effect": "Allow",
            "Principal": {"Service": list(PUBLISHING_SERVICES)},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
        {
            # AWS Budgets publishes its alerts to the same topic, only for this account's budgets.
            "Sid": "BudgetsPublishToEncryptedTopics",
            "Effect": "Allow",
            "Principal": {"Service": "budgets.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": source_conditions(account, f"arn:aws:budgets::{account}:*"),
        },
        {
            # CloudWatch Logs encrypts a log group's events itself; it may use the key only for
            # log groups of this account and region.
            "Sid": "CloudWatchLogsOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}},
        },
    )


class EncryptionKey(pulumi.ComponentResource):
    """Encrypts RDS storage, Performance Insights, ElastiCache, Secrets Manager secrets and log groups."""

    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    alias_name: str

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:kms:EncryptionKey", name, None, opts)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{args.name_prefix}: data tier, secrets and logs",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=args.settings.deletion_window_days,
            policy=pulumi.Output.from_input(args.account_id).apply(lambda account: json.dumps(key_policy(account, args.region))),
            tags={"Name": f"{args.name_prefix}-key"},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.alias_name = f"alias/{args.name_prefix}"
        aws.kms.Alias(f"{name}-alias", name=self.alias_name, target_key_id=key.key_id, opts=pulumi.ResourceOptions(parent=self))
        self.arn = key.arn
        self.key_id = key.key_id
        self.register_outputs({"arn": self.arn, "key_id": self.key_id, "alias_name": self.alias_name})
