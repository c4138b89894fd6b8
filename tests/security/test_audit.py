"""GuardDuty, CloudTrail and AWS Config: production owns them in the shared account, staging creates none."""

from __future__ import annotations

import json

import pytest

from components.settings import SettingsError

AUDIT = "ohmycoins:audit:Audit"


def audit_children(plan):
    component = plan.one(AUDIT)
    return [r for r in plan.resources if plan.component_of(r) == component and r is not component]


def test_production_detector_has_every_protection_plan(production_plan):
    detector = production_plan.one("aws:guardduty/detector:Detector")
    assert detector.inputs["enable"] is True
    assert detector.inputs["findingPublishingFrequency"] == "FIFTEEN_MINUTES"
    features = {f.inputs["name"]: f for f in production_plan.all("aws:guardduty/detectorFeature:DetectorFeature")}
    assert set(features) == {"S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS"}
    assert all(f.inputs["status"] == "ENABLED" for f in features.values())
    assert all(production_plan.one("aws:guardduty/detector:Detector").urn in f.dependencies for f in features.values())
    runtime = {c["name"]: c["status"] for c in features["RUNTIME_MONITORING"].inputs["additionalConfigurations"]}
    assert runtime == {"EKS_ADDON_MANAGEMENT": "ENABLED", "ECS_FARGATE_AGENT_MANAGEMENT": "ENABLED", "EC2_AGENT_MANAGEMENT": "ENABLED"}


def test_medium_and_higher_findings_reach_the_alert_topic(production_plan):
    rule = production_plan.one("aws:cloudwatch/eventRule:EventRule", "audit-guardduty-findings")
    pattern = json.loads(rule.inputs["eventPattern"])
    assert pattern == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", 4]}]},
    }
    target = production_plan.one("aws:cloudwatch/eventTarget:EventTarget", "audit-guardduty-findings-to-alerts")
    assert target.inputs["arn"] == production_plan.outputs["alertTopicArn"]


def test_trail_is_multi_region_validated_encrypted_and_in_cloudwatch(production_plan):
    trail = production_plan.one("aws:cloudtrail/trail:Trail")
    key = production_plan.one("aws:kms/key:Key", "audit-key")
    group = production_plan.one("aws:cloudwatch/logGroup:LogGroup", "audit-trail-logs")
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["includeGlobalServiceEvents"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    assert trail.inputs["name"] == "ohmycoins-production-trail"
    assert key.urn in trail.dependencies and group.urn in trail.dependencies
    assert key.inputs["enableKeyRotation"] is True and key.protect
    assert production_plan.named("audit-key-alias").inputs["name"] == "alias/ohmycoins-production-audit"
    assert group.inputs["name"] == "/aws/cloudtrail/ohmycoins-production"
    assert group.inputs["retentionInDays"] == 365
    assert group.protect
    role = production_plan.one("aws:iam/role:Role", "audit-trail-logs-role")
    assert role.inputs["name"] == "ohmycoins-production-cloudtrail-logs" and role.urn in trail.dependencies
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    (write,) = json.loads(production_plan.one("aws:iam/rolePolicy:RolePolicy", "audit-trail-logs-write").inputs["policy"])["Statement"]
    group_arn = trail.inputs["cloudWatchLogsGroupArn"].removesuffix(":*")
    assert write == {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{group_arn}:log-stream:*"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:ap-southeast-2:123456789012:trail/ohmycoins-production-trail"}
    }


def test_trail_bucket_is_private_versioned_kms_tls_only_and_kept_90_days(production_plan):
    bucket = production_plan.one("aws:s3/bucket:Bucket", "audit-cloudtrail-bucket")
    assert bucket.protect
    block = production_plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "audit-cloudtrail-public-access")
    assert all(block.inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    versioning = production_plan.one("aws:s3/bucketVersioning:BucketVersioning", "audit-cloudtrail-versioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    sse = production_plan.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "audit-cloudtrail-encryption"
    )
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    lifecycle = production_plan.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "audit-cloudtrail-lifecycle")
    assert lifecycle.inputs["rules"][0]["expiration"]["days"] == 2557
    assert bucket.inputs["bucket"] == "ohmycoins-production-cloudtrail-123456789012"

    policy = json.loads(production_plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-cloudtrail-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["DenyInsecureTransport"]["Effect"] == "Deny"
    assert by_sid["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    trail_arn = "arn:aws:cloudtrail:ap-southeast-2:123456789012:trail/ohmycoins-production-trail"
    assert by_sid["CloudTrailAclCheck"]["Action"] == "s3:GetBucketAcl"
    assert by_sid["CloudTrailAclCheck"]["Condition"] == {"StringEquals": {"aws:SourceArn": trail_arn}}
    assert by_sid["CloudTrailWrite"] == {
        "Sid": "CloudTrailWrite",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::ohmycoins-production-cloudtrail-123456789012/AWSLogs/123456789012/*",
        "Condition": {"StringEquals": {"aws:SourceArn": trail_arn, "s3:x-amz-acl": "bucket-owner-full-control"}},
    }


def test_config_bucket_lets_only_this_accounts_config_check_it_and_deliver(production_plan):
    bucket = production_plan.one("aws:s3/bucket:Bucket", "audit-config-bucket")
    assert bucket.inputs["bucket"] == "ohmycoins-production-config-123456789012" and bucket.protect
    policy = json.loads(production_plan.one("aws:s3/bucketPolicy:BucketPolicy", "audit-config-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert set(by_sid) == {"DenyInsecureTransport", "ConfigBucketCheck", "ConfigDelivery"}
    arn = "arn:aws:s3:::ohmycoins-production-config-123456789012"
    assert by_sid["ConfigBucketCheck"] == {
        "Sid": "ConfigBucketCheck",
        "Effect": "Allow",
        "Principal": {"Service": "config.amazonaws.com"},
        "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
        "Resource": arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }
    assert by_sid["ConfigDelivery"] == {
        "Sid": "ConfigDelivery",
        "Effect": "Allow",
        "Principal": {"Service": "config.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{arn}/AWSLogs/123456789012/Config/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012", "s3:x-amz-acl": "bucket-owner-full-control"}},
    }
    channel = production_plan.one("aws:cfg/deliveryChannel:DeliveryChannel")
    assert production_plan.one("aws:cfg/recorder:Recorder").urn in channel.dependencies
    # The recorder's role delivers to this bucket only, encrypting with the audit key.
    delivery = json.loads(production_plan.one("aws:iam/rolePolicy:RolePolicy", "audit-config-delivery").inputs["policy"])["Statement"]
    key = production_plan.one("aws:kms/key:Key", "audit-key")
    acl, put, encrypt = delivery
    assert acl == {"Effect": "Allow", "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": arn}
    assert put == {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{arn}/AWSLogs/*"}
    assert encrypt["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"] and encrypt["Resource"] != "*"
    assert key.urn in production_plan.one("aws:iam/rolePolicy:RolePolicy", "audit-config-delivery").dependencies


def test_the_audit_key_serves_cloudtrail_and_logs_of_this_account_only(production_plan):
    key = production_plan.one("aws:kms/key:Key", "audit-key")
    by_sid = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert by_sid["AccountAdministers"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert by_sid["CloudTrailEncrypts"]["Action"] == "kms:GenerateDataKey*"
    assert by_sid["CloudTrailEncrypts"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*"},
    }
    assert by_sid["CloudTrailDescribes"]["Action"] == "kms:DescribeKey"
    assert by_sid["CloudTrailDescribes"]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert by_sid["CloudWatchLogsEncrypts"]["Principal"] == {"Service": "logs.ap-southeast-2.amazonaws.com"}
    assert by_sid["CloudWatchLogsEncrypts"]["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:ap-southeast-2:123456789012:log-group:*"}
    }
    assert "kms:*" not in by_sid["CloudWatchLogsEncrypts"]["Action"]
    assert key.inputs["enableKeyRotation"] is True


# CIS AWS Foundations 4.x item -> events its filter must match.
CIS_EVENTS = {
    "unauthorized-api-calls": ("UnauthorizedOperation", "AccessDenied"),
    "console-signin-without-mfa": ("ConsoleLogin", "MFAUsed"),
    "root-account-usage": ('userIdentity.type = "Root"',),
    "iam-policy-changes": ("PutRolePolicy", "AttachRolePolicy", "CreatePolicyVersion", "DetachGroupPolicy"),
    "cloudtrail-config-changes": ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    "security-group-changes": ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "DeleteSecurityGroup"),
    "nacl-changes": ("CreateNetworkAclEntry", "ReplaceNetworkAclAssociation"),
    "route-table-changes": ("CreateRoute", "ReplaceRouteTableAssociation", "DisassociateRouteTable"),
    "vpc-changes": ("CreateVpc", "ModifyVpcAttribute", "CreateVpcPeeringConnection"),
}


def test_cis_metric_filters_alarm_to_the_alert_topic(production_plan):
    filters = {f.name: f for f in production_plan.all("aws:cloudwatch/logMetricFilter:LogMetricFilter") if f.name.startswith("audit-cis-")}
    alarms = {a.name: a for a in production_plan.all("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.startswith("audit-cis-")}
    assert set(filters) == {f"audit-cis-{check}" for check in CIS_EVENTS}
    assert set(alarms) == {f"audit-cis-{check}-alarm" for check in CIS_EVENTS}
    for check, events in CIS_EVENTS.items():
        metric_filter, alarm = filters[f"audit-cis-{check}"], alarms[f"audit-cis-{check}-alarm"]
        assert all(event in metric_filter.inputs["pattern"] for event in events), check
        assert metric_filter.inputs["logGroupName"] == "/aws/cloudtrail/ohmycoins-production"
        transformation = metric_filter.inputs["metricTransformation"]
        assert (alarm.inputs["metricName"], alarm.inputs["namespace"]) == (transformation["name"], transformation["namespace"])
        assert alarm.inputs["threshold"] == 1 and alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm.inputs["alarmActions"] == [production_plan.outputs["alertTopicArn"]]
    assert 'userIdentity.type = "Root"' in filters["audit-cis-root-account-usage"].inputs["pattern"]
    assert "MFAUsed" in filters["audit-cis-console-signin-without-mfa"].inputs["pattern"]


def test_config_records_everything_and_delivers_to_its_bucket(production_plan):
    recorder = production_plan.one("aws:cfg/recorder:Recorder")
    assert recorder.inputs["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": True}
    role = production_plan.one("aws:iam/role:Role", "audit-config-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "config.amazonaws.com"}
    attachment = production_plan.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "audit-config-managed-policy")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
    channel = production_plan.one("aws:cfg/deliveryChannel:DeliveryChannel")
    assert channel.inputs["s3BucketName"] == production_plan.one("aws:s3/bucket:Bucket", "audit-config-bucket").inputs["bucket"]
    # Snapshots and history are encrypted with the audit key, not left to S3's default key.
    assert "s3KmsKeyArn" in channel.inputs
    assert production_plan.one("aws:kms/key:Key", "audit-key").urn in channel.propertyDependencies["s3KmsKeyArn"]
    assert production_plan.one("aws:cfg/recorderStatus:RecorderStatus").inputs["isEnabled"] is True


def test_production_config_rules_include_multi_az_for_production_resources_only(production_plan):
    rules = {r.inputs["source"]["sourceIdentifier"]: r for r in production_plan.all("aws:cfg/rule:Rule")}
    assert set(rules) == {
        "ENCRYPTED_VOLUMES",
        "RDS_STORAGE_ENCRYPTED",
        "INCOMING_SSH_DISABLED",
        "S3_BUCKET_PUBLIC_READ_PROHIBITED",
        "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
        "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
        "VPC_DEFAULT_SECURITY_GROUP_CLOSED",
        "ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST",
        "CLOUD_TRAIL_ENABLED",
        "IAM_ROOT_ACCESS_KEY_CHECK",
        "RDS_MULTI_AZ_SUPPORT",
    }
    assert all(r.inputs["source"]["owner"] == "AWS" for r in rules.values())
    # Periodic rules run daily; the others react to configuration changes.
    periodic = {name for name, r in rules.items() if "maximumExecutionFrequency" in r.inputs}
    assert periodic == {"CLOUD_TRAIL_ENABLED", "IAM_ROOT_ACCESS_KEY_CHECK"}
    assert rules["RDS_MULTI_AZ_SUPPORT"].inputs["scope"] == {
        "complianceResourceTypes": ["AWS::RDS::DBInstance"],
        "tagKey": "Environment",
        "tagValue": "production",
    }
    assert rules["IAM_ROOT_ACCESS_KEY_CHECK"].inputs["maximumExecutionFrequency"] == "TwentyFour_Hours"


def test_staging_uses_the_accounts_existing_services_and_creates_none(staging_plan):
    assert audit_children(staging_plan) == []
    for type_ in (
        "aws:guardduty/detector:Detector",
        "aws:cloudtrail/trail:Trail",
        "aws:cfg/recorder:Recorder",
        "aws:cfg/deliveryChannel:DeliveryChannel",
    ):
        assert staging_plan.all(type_) == []
    # The looked-up detector, so a missing one fails the preview instead of going unnoticed.
    assert staging_plan.outputs["guardDutyDetectorId"]


def _existing(*areas):
    def change(config):
        for area, key in areas:
            config[f"ohmycoins:{area}"][key] = "existing"

    return change


def test_a_second_stack_in_productions_account_creates_no_singleton(plan_variant):
    plan = plan_variant(
        "production",
        _existing(("audit", "guardDuty"), ("audit", "cloudTrail"), ("audit", "awsConfig"), ("ci", "oidcProvider")),
        stack="prod2",
    )
    assert audit_children(plan) == []
    assert plan.all("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    # The roles trust the looked-up provider.
    trust = json.loads(plan.named("ci-deploy").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Federated": plan.outputs["githubOidcProviderArn"]}


def test_each_singleton_is_owned_separately(plan_variant):
    plan = plan_variant("production", _existing(("audit", "guardDuty")))
    findings_rules = [r for r in audit_children(plan) if r.type == "aws:cloudwatch/eventRule:EventRule"]
    assert plan.all("aws:guardduty/detector:Detector") == [] and findings_rules == []
    assert len(plan.all("aws:cloudtrail/trail:Trail")) == 1 and len(plan.all("aws:cfg/recorder:Recorder")) == 1


def test_audit_logs_shorter_than_90_days_are_refused(plan_variant):
    def change(config):
        config["ohmycoins:audit"]["trailLogRetentionDays"] = 30
        config["ohmycoins:audit"]["bucketRetentionDays"] = 60

    with pytest.raises(SettingsError) as caught:
        plan_variant("production", change)
    problems = dict(caught.value.problems)
    assert "at least 90 days" in problems["ohmycoins:audit.trailLogRetentionDays"]
    assert "greater than or equal to 90" in problems["ohmycoins:audit.bucketRetentionDays"]
