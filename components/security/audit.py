"""The account's audit services: GuardDuty, a multi-region CloudTrail with CIS alarms, and AWS Config.

Each of the three is account-wide (one detector, one recorder per region, one organisation-style
trail), so `ohmycoins:audit` says per stack whether this stack creates it or another stack of the
same account already did (`existing`): an `existing` stack creates none of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.observability.event_alerts import events_to_alerts
from components.security.audit_settings import AuditSettings
from components.shared.bucket import AccessLogDestination, PrivateBucket, PrivateBucketArgs
from components.shared.iam_documents import document, policy_document, service_trust

# GuardDuty severities: 1-3.9 low, 4-6.9 medium, 7-8.9 high, 9+ critical.
MIN_FINDING_SEVERITY = 4

# Protection plans enabled on the detector, with their additional configurations.
GUARDDUTY_FEATURES: Mapping[str, tuple[str, ...]] = {
    "S3_DATA_EVENTS": (),
    "EKS_AUDIT_LOGS": (),
    "EBS_MALWARE_PROTECTION": (),
    "RDS_LOGIN_EVENTS": (),
    # Runtime monitoring with GuardDuty managing its agent on EKS, Fargate (ECS) and EC2.
    "RUNTIME_MONITORING": ("EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"),
}

# CIS AWS Foundations Benchmark (v1.4-v3.0, section 4) metric filters on the trail's log group.
CIS_METRIC_FILTERS: Mapping[str, tuple[str, str]] = {
    "unauthorized-api-calls": (
        "CIS 4.1",
        '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    ),
    "console-signin-without-mfa": (
        "CIS 4.2",
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    ),
    "root-account-usage": (
        "CIS 4.3",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    ),
    "iam-policy-changes": (
        "CIS 4.4",
        "{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || "
        "($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || "
        "($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || "
        "($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || "
        "($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || "
        "($.eventName = DetachGroupPolicy) }",
    ),
    "cloudtrail-config-changes": (
        "CIS 4.5",
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || "
        "($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    ),
    "security-group-changes": (
        "CIS 4.10",
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || "
        "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || "
        "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    ),
    "nacl-changes": (
        "CIS 4.11",
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || "
        "($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    ),
    "route-table-changes": (
        "CIS 4.13",
        "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || "
        "($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
        "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
    ),
    "vpc-changes": (
        "CIS 4.14",
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
        "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
        "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
        "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
        "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    ),
}

# AWS Config managed rules: rule name suffix -> (source identifier, periodic?).
CONFIG_RULES: Mapping[str, tuple[str, bool]] = {
    "encrypted-volumes": ("ENCRYPTED_VOLUMES", False),
    "rds-storage-encrypted": ("RDS_STORAGE_ENCRYPTED", False),
    "restricted-ssh": ("INCOMING_SSH_DISABLED", False),
    "s3-public-read-prohibited": ("S3_BUCKET_PUBLIC_READ_PROHIBITED", False),
    "s3-public-write-prohibited": ("S3_BUCKET_PUBLIC_WRITE_PROHIBITED", False),
    "s3-sse-enabled": ("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", False),
    "default-sg-closed": ("VPC_DEFAULT_SECURITY_GROUP_CLOSED", False),
    "elasticache-encrypted-at-rest": ("ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST", False),
    "cloudtrail-enabled": ("CLOUD_TRAIL_ENABLED", True),
    "iam-root-access-key-absent": ("IAM_ROOT_ACCESS_KEY_CHECK", True),
}
# Production only, and scoped to resources tagged Environment=production, so a staging database
# in the same account is not reported for being single-AZ on purpose.
PRODUCTION_CONFIG_RULES: Mapping[str, tuple[str, bool]] = {"rds-multi-az": ("RDS_MULTI_AZ_SUPPORT", False)}


@dataclass(frozen=True)
class AuditArgs:
    settings: AuditSettings
    name_prefix: str  # `ohmycoins-<stack>`
    region: str
    account_id: pulumi.Input[str]
    alert_topic_arn: pulumi.Input[str]
    is_production: bool
    protect: bool
    access_logs: AccessLogDestination  # the stack's S3 access-log bucket: reads and deletions of the audit evidence


def statement(sid: str, effect: str, principal: Any, action: Any, resource: Any, condition: dict | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"Sid": sid, "Effect": effect, "Principal": principal, "Action": action, "Resource": resource}
    if condition:
        body["Condition"] = condition
    return body


def trail_bucket_statements(bucket_arn: str, account: str, trail_arn: str) -> list[dict[str, Any]]:
    """CloudTrail may read the ACL and write log files, and only for this account's trail."""
    source = {"StringEquals": {"aws:SourceArn": trail_arn}}
    return [
        statement("CloudTrailAclCheck", "Allow", {"Service": "cloudtrail.amazonaws.com"}, "s3:GetBucketAcl", bucket_arn, source),
        statement(
            "CloudTrailWrite",
            "Allow",
            {"Service": "cloudtrail.amazonaws.com"},
            "s3:PutObject",
            f"{bucket_arn}/AWSLogs/{account}/*",
            {"StringEquals": {"aws:SourceArn": trail_arn, "s3:x-amz-acl": "bucket-owner-full-control"}},
        ),
    ]


def config_bucket_statements(bucket_arn: str, account: str) -> list[dict[str, Any]]:
    """AWS Config of this account may check the bucket and deliver snapshots."""
    source = {"StringEquals": {"aws:SourceAccount": account}}
    return [
        statement(
            "ConfigBucketCheck", "Allow", {"Service": "config.amazonaws.com"}, ["s3:GetBucketAcl", "s3:ListBucket"], bucket_arn, source
        ),
        statement(
            "ConfigDelivery",
            "Allow",
            {"Service": "config.amazonaws.com"},
            "s3:PutObject",
            f"{bucket_arn}/AWSLogs/{account}/Config/*",
            {"StringEquals": {"aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control"}},
        ),
    ]


def audit_key_policy(account: str, region: str) -> dict[str, Any]:
    """The account administers the key; CloudTrail and CloudWatch Logs use it only for this account."""
    return document(
        statement("AccountAdministers", "Allow", {"AWS": f"arn:aws:iam::{account}:root"}, "kms:*", "*"),
        statement(
            "CloudTrailEncrypts",
            "Allow",
            {"Service": "cloudtrail.amazonaws.com"},
            "kms:GenerateDataKey*",
            "*",
            {
                "StringEquals": {"aws:SourceAccount": account},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account}:trail/*"},
            },
        ),
        statement(
            "CloudTrailDescribes",
            "Allow",
            {"Service": "cloudtrail.amazonaws.com"},
            "kms:DescribeKey",
            "*",
            {"StringEquals": {"aws:SourceAccount": account}},
        ),
        statement(
            "CloudWatchLogsEncrypts",
            "Allow",
            {"Service": f"logs.{region}.amazonaws.com"},
            ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "*",
            {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account}:log-group:*"}},
        ),
    )


def findings_pattern() -> dict[str, Any]:
    """GuardDuty findings of medium severity and above."""
    return {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", MIN_FINDING_SEVERITY]}]},
    }


class Audit(pulumi.ComponentResource):
    """Threat detection, an API audit trail with CIS alarms, and configuration compliance."""

    guardduty_detector_id: pulumi.Output[str]
    trail_arn: pulumi.Output[str] | None
    trail_bucket_name: pulumi.Output[str] | None
    config_bucket_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:audit:Audit", name, None, opts)
        self._name = name
        self._args = args
        settings = args.settings

        self.guardduty_detector_id = self._guardduty() if settings.guard_duty == "create" else self._existing_detector()
        self.trail_arn = self.trail_bucket_name = self.config_bucket_name = None
        key = self._key() if "create" in (settings.cloud_trail, settings.aws_config) else None
        if key is not None and settings.cloud_trail == "create":
            self._cloudtrail(key)
        if key is not None and settings.aws_config == "create":
            self._config(key)

        self.register_outputs(
            {
                "guardduty_detector_id": self.guardduty_detector_id,
                "trail_arn": self.trail_arn,
                "trail_bucket_name": self.trail_bucket_name,
                "config_bucket_name": self.config_bucket_name,
            }
        )

    def _child(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _stateful(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, protect=self._args.protect, **kwargs)

    def _tags(self, thing: str) -> dict[str, str]:
        return {"Name": f"{self._args.name_prefix}-{thing}"}

    # GuardDuty

    def _guardduty(self) -> pulumi.Output[str]:
        name, args = self._name, self._args
        detector = aws.guardduty.Detector(
            f"{name}-guardduty",
            enable=True,
            finding_publishing_frequency=args.settings.findings_publishing_frequency,
            tags=self._tags("guardduty"),
            opts=self._child(),
        )
        for feature, additional in GUARDDUTY_FEATURES.items():
            aws.guardduty.DetectorFeature(
                f"{name}-guardduty-{feature.lower().replace('_', '-')}",
                detector_id=detector.id,
                name=feature,
                status="ENABLED",
                additional_configurations=[
                    aws.guardduty.DetectorFeatureAdditionalConfigurationArgs(name=extra, status="ENABLED") for extra in additional
                ]
                or None,
                opts=self._child(),
            )
        events_to_alerts(
            f"{name}-guardduty-findings",
            f"{args.name_prefix}-guardduty-findings",
            f"GuardDuty findings of severity {MIN_FINDING_SEVERITY} (medium) and above to the alert topic",
            json.dumps(findings_pattern()),
            args.alert_topic_arn,
            {
                "severity": "$.detail.severity",
                "type": "$.detail.type",
                "title": "$.detail.title",
                "account": "$.account",
                "region": "$.region",
                "id": "$.detail.id",
            },
            "GuardDuty finding <type> (severity <severity>) in <account>/<region>: <title>. Finding id <id>.",
            parent=self,
        )
        return detector.id

    def _existing_detector(self) -> pulumi.Output[str]:
        # Fails the preview when the account has no detector: `existing` must not silently mean "none".
        return aws.guardduty.get_detector_output(opts=pulumi.InvokeOutputOptions(parent=self)).id

    # Shared by the trail, its log group and Config's bucket.

    def _key(self) -> aws.kms.Key:
        args = self._args
        key = aws.kms.Key(
            f"{self._name}-key",
            description=f"{args.name_prefix}: CloudTrail, its log group and AWS Config snapshots",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.from_input(args.account_id).apply(lambda account: json.dumps(audit_key_policy(account, args.region))),
            tags=self._tags("audit-key"),
            opts=self._stateful(),
        )
        aws.kms.Alias(f"{self._name}-key-alias", name=f"alias/{args.name_prefix}-audit", target_key_id=key.key_id, opts=self._child())
        return key

    def _bucket(self, thing: str, key: aws.kms.Key, statements: Callable[[str, str], list[dict[str, Any]]]) -> PrivateBucket:
        """A private, versioned, KMS-encrypted, TLS-only bucket that keeps objects `bucketRetentionDays`."""
        args = self._args
        return PrivateBucket(
            f"{self._name}-{thing}",
            PrivateBucketArgs(
                bucket=pulumi.Output.concat(args.name_prefix, f"-{thing}-", args.account_id),
                kms_key_arn=key.arn,
                lifecycle_rule_id="retention",
                expiry_days=args.settings.bucket_retention_days,
                noncurrent_version_days=90,
                abort_multipart_days=7,
                access_logs=args.access_logs,
                statements=lambda arn: pulumi.Output.all(arn, args.account_id).apply(lambda v: statements(v[0], v[1])),
                protect=args.protect,
                retain_on_delete=False,
                force_destroy_unprotected=False,
                tags=self._tags(f"{thing}-bucket"),
            ),
            self._child(),
        )

    # CloudTrail

    def _cloudtrail(self, key: aws.kms.Key) -> None:
        name, args = self._name, self._args
        trail_name = f"{args.name_prefix}-trail"
        trail_arn = pulumi.Output.concat("arn:aws:cloudtrail:", args.region, ":", args.account_id, ":trail/", trail_name)
        bucket = self._bucket(
            "cloudtrail",
            key,
            lambda arn, account: trail_bucket_statements(arn, account, f"arn:aws:cloudtrail:{args.region}:{account}:trail/{trail_name}"),
        )

        group = aws.cloudwatch.LogGroup(
            f"{name}-trail-logs",
            name=f"/aws/cloudtrail/{args.name_prefix}",
            retention_in_days=args.settings.trail_log_retention_days,
            kms_key_id=key.arn,
            tags=self._tags("trail-logs"),
            opts=self._stateful(),
        )
        role = aws.iam.Role(
            f"{name}-trail-logs-role",
            name=f"{args.name_prefix}-cloudtrail-logs",
            assume_role_policy=pulumi.Output.all(args.account_id, trail_arn).apply(
                # Exactly this trail (its ARN names the account).
                lambda v: service_trust("cloudtrail.amazonaws.com", None, v[1], arn_operator="StringEquals")
            ),
            tags=self._tags("cloudtrail-logs-role"),
            opts=self._child(),
        )
        write = aws.iam.RolePolicy(
            f"{name}-trail-logs-write",
            role=role.id,
            policy=group.arn.apply(
                lambda arn: policy_document(
                    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{arn}:log-stream:*"}
                )
            ),
            opts=self._child(),
        )
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=bucket.bucket_name,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=key.arn,
            cloud_watch_logs_group_arn=pulumi.Output.concat(group.arn, ":*"),
            cloud_watch_logs_role_arn=role.arn,
            tags=self._tags("trail"),
            # CloudTrail checks the bucket policy and the role when the trail is created.
            opts=self._child(depends_on=[bucket.policy, write]),
        )
        self.trail_arn = trail.arn
        self.trail_bucket_name = bucket.bucket_name
        self._cis_alarms(group)

    def _cis_alarms(self, group: aws.cloudwatch.LogGroup) -> None:
        name, args = self._name, self._args
        namespace = f"{args.name_prefix}/CISBenchmark"
        for check, (item, pattern) in CIS_METRIC_FILTERS.items():
            metric = "".join(part.capitalize() for part in check.split("-"))
            aws.cloudwatch.LogMetricFilter(
                f"{name}-cis-{check}",
                name=f"{args.name_prefix}-cis-{check}",
                log_group_name=group.name,
                pattern=pattern,
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=metric, namespace=namespace, value="1", default_value="0"
                ),
                opts=self._child(),
            )
            aws.cloudwatch.MetricAlarm(
                f"{name}-cis-{check}-alarm",
                name=f"{args.name_prefix}-cis-{check}",
                alarm_description=f"{item}: {check.replace('-', ' ')} seen in CloudTrail",
                namespace=namespace,
                metric_name=metric,
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[args.alert_topic_arn],
                tags=self._tags(f"cis-{check}"),
                opts=self._child(),
            )

    # AWS Config

    def _config(self, key: aws.kms.Key) -> None:
        name, args = self._name, self._args
        bucket = self._bucket("config", key, config_bucket_statements)
        role = aws.iam.Role(
            f"{name}-config-role",
            name=f"{args.name_prefix}-config",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(lambda a: service_trust("config.amazonaws.com", a)),
            tags=self._tags("config-role"),
            opts=self._child(),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-config-managed-policy",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",
            opts=self._child(),
        )
        delivery_rights = aws.iam.RolePolicy(
            f"{name}-config-delivery",
            role=role.id,
            policy=pulumi.Output.all(bucket.arn, key.arn).apply(
                lambda v: policy_document(
                    {"Effect": "Allow", "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": v[0]},
                    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{v[0]}/AWSLogs/*"},
                    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": v[1]},
                )
            ),
            opts=self._child(),
        )
        recorder = aws.cfg.Recorder(
            f"{name}-config-recorder",
            name=f"{args.name_prefix}-recorder",
            role_arn=role.arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(all_supported=True, include_global_resource_types=True),
            opts=self._child(),
        )
        channel = aws.cfg.DeliveryChannel(
            f"{name}-config-delivery-channel",
            name=f"{args.name_prefix}-delivery",
            s3_bucket_name=bucket.bucket_name,
            s3_kms_key_arn=key.arn,
            snapshot_delivery_properties=aws.cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs(delivery_frequency="TwentyFour_Hours"),
            opts=self._child(depends_on=[recorder, delivery_rights, bucket.policy]),
        )
        aws.cfg.RecorderStatus(
            f"{name}-config-recorder-status", name=recorder.name, is_enabled=True, opts=self._child(depends_on=[channel])
        )
        rules = dict(CONFIG_RULES)
        if args.is_production:
            rules.update(PRODUCTION_CONFIG_RULES)
        for rule, (identifier, periodic) in rules.items():
            scope = None
            if rule in PRODUCTION_CONFIG_RULES:
                scope = aws.cfg.RuleScopeArgs(
                    compliance_resource_types=["AWS::RDS::DBInstance"], tag_key="Environment", tag_value="production"
                )
            aws.cfg.Rule(
                f"{name}-config-{rule}",
                name=f"{args.name_prefix}-{rule}",
                source=aws.cfg.RuleSourceArgs(owner="AWS", source_identifier=identifier),
                maximum_execution_frequency="TwentyFour_Hours" if periodic else None,
                scope=scope,
                tags=self._tags(f"config-{rule}"),
                opts=self._child(depends_on=[recorder]),
            )
        self.config_bucket_name = bucket.bucket_name
