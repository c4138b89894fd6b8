"""Logging and detection."""

from __future__ import annotations

from .base import UNKNOWN, as_list, is_false, is_true, is_unknown, of_type, refers_to, resource_rule, stack_rule
from .types import (
    BUCKET_LOGGING,
    BUCKET_SSE,
    BUCKETS,
    CONFIG_RECORDER,
    EKS_CLUSTER,
    EKS_COMPONENT,
    FLOW_LOG,
    GUARDDUTY_DETECTOR,
    LOAD_BALANCERS,
    LOG_GROUP,
    RDS_INSTANCE,
    TRAIL,
    VPC,
    WEB_ACL,
    WEB_ACL_LOGGING,
)

CATEGORY = "logging"
EKS_LOG_TYPES = {"api", "audit", "authenticator", "controllerManager", "scheduler"}


@stack_rule("vpc-flow-logs", "Every VPC has flow logs", "AWS FSBP EC2.6 / CIS AWS v1.4 3.9", CATEGORY, "mandatory")
def vpc_flow_logs(resources, ctx):
    logs = of_type(resources, FLOW_LOG)
    for vpc in of_type(resources, VPC):
        if not any(refers_to(f, vpc, "vpcId") for f in logs):
            yield vpc, "no aws.ec2.FlowLog for this VPC"


@resource_rule(
    "alb-access-logs",
    "The production ALB writes access logs",
    "AWS FSBP ELB.5",
    CATEGORY,
    "mandatory",
    LOAD_BALANCERS,
    production_only=True,
)
def alb_access_logs(r, ctx):
    if r.get("loadBalancerType", default="application") == "application" and not is_true(r.get("accessLogs", "enabled")):
        yield "accessLogs.enabled must be true in production"


@resource_rule(
    "cloudtrail-multi-region", "The trail is multi-region", "AWS FSBP CloudTrail.1 / CIS AWS v1.4 3.1", CATEGORY, "mandatory", [TRAIL]
)
def trail_multi_region(r, ctx):
    if not is_true(r.get("isMultiRegionTrail")):
        yield "isMultiRegionTrail must be true"


@resource_rule(
    "cloudtrail-log-validation",
    "The trail validates its log files",
    "AWS FSBP CloudTrail.4 / CIS AWS v1.4 3.2",
    CATEGORY,
    "mandatory",
    [TRAIL],
)
def trail_validation(r, ctx):
    if not is_true(r.get("enableLogFileValidation")):
        yield "enableLogFileValidation must be true"


@resource_rule(
    "cloudtrail-encrypted", "The trail is encrypted with KMS", "AWS FSBP CloudTrail.2 / CIS AWS v1.4 3.7", CATEGORY, "mandatory", [TRAIL]
)
def trail_kms(r, ctx):
    if "kmsKeyId" not in r.inputs:
        yield "kmsKeyId must be set"


@resource_rule(
    "cloudtrail-cloudwatch-logs",
    "The trail delivers to CloudWatch Logs",
    "AWS FSBP CloudTrail.5 / CIS AWS v1.4 3.4",
    CATEGORY,
    "mandatory",
    [TRAIL],
)
def trail_cloudwatch(r, ctx):
    if "cloudWatchLogsGroupArn" not in r.inputs or "cloudWatchLogsRoleArn" not in r.inputs:
        yield "cloudWatchLogsGroupArn and cloudWatchLogsRoleArn must be set"


@resource_rule(
    "eks-control-plane-logs",
    "EKS logs every control-plane component",
    "AWS FSBP EKS.8",
    CATEGORY,
    "mandatory",
    [EKS_CLUSTER, EKS_COMPONENT],
)
def eks_logs(r, ctx):
    missing = EKS_LOG_TYPES - set(as_list(r.get("enabledClusterLogTypes")))
    if missing:
        yield f"enabledClusterLogTypes lacks {', '.join(sorted(missing))}"


@stack_rule("waf-logging", "Every web ACL has logging", "AWS FSBP WAF.11", CATEGORY, "mandatory")
def waf_logging(resources, ctx):
    configs = of_type(resources, WEB_ACL_LOGGING)
    for acl in of_type(resources, WEB_ACL):
        if not any(refers_to(c, acl, "resourceArn") for c in configs):
            yield acl, "no WebAclLoggingConfiguration for this web ACL"


@resource_rule(
    "log-group-retention", "Log groups expire their events", "AWS FSBP CloudWatch.16 (retention set)", CATEGORY, "mandatory", [LOG_GROUP]
)
def log_retention(r, ctx):
    days = r.get("retentionInDays")
    if not isinstance(days, int) or days <= 0:
        yield "retentionInDays must be set (never-expire log groups grow cost without bound)"


@resource_rule("guardduty-enabled", "GuardDuty detectors are enabled", "AWS FSBP GuardDuty.1", CATEGORY, "mandatory", [GUARDDUTY_DETECTOR])
def guardduty_enabled(r, ctx):
    if is_false(r.get("enable", default=True)):
        yield "enable must be true"


@resource_rule(
    "config-records-everything",
    "AWS Config records all resources incl. global ones",
    "AWS FSBP Config.1 / CIS AWS v1.4 3.5",
    CATEGORY,
    "mandatory",
    [CONFIG_RECORDER],
)
def config_all(r, ctx):
    group = r.get("recordingGroup") or {}
    if not is_true(group.get("allSupported", True)) or not is_true(group.get("includeGlobalResourceTypes")):
        yield "recordingGroup needs allSupported and includeGlobalResourceTypes"


@resource_rule("rds-log-exports", "PostgreSQL logs go to CloudWatch", "AWS FSBP RDS.9", CATEGORY, "advisory", [RDS_INSTANCE])
def rds_logs(r, ctx):
    if str(r.get("engine", default="")).startswith("postgres") and "postgresql" not in as_list(r.get("enabledCloudwatchLogsExports")):
        yield "enabledCloudwatchLogsExports should include postgresql"


def _bucket_names(bucket) -> set:
    return {bucket.name, bucket.inputs.get("bucket")} - {None, UNKNOWN}


def _logs_into(logging, bucket) -> bool:
    """The logging configuration delivers to `bucket`."""
    target = logging.inputs.get("targetBucket")
    return not is_unknown(target) and target in _bucket_names(bucket)


def _logs_requests_of(logging, bucket) -> bool:
    """The logging configuration records `bucket`'s requests (by name, or by dependency while names are unknown)."""
    source = logging.inputs.get("bucket")
    if not is_unknown(source):
        return source in _bucket_names(bucket)
    return bool(bucket.urn) and bucket.urn in logging.dependencies and not _logs_into(logging, bucket)


def _default_algorithms(configs, bucket) -> set:
    return {
        (rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
        for config in configs
        if refers_to(config, bucket, "bucket")
        for rule in as_list(config.inputs.get("rules"))
        if isinstance(rule, dict)
    }


@stack_rule(
    "s3-access-logging",
    "Every bucket logs its requests to an SSE-S3 access-log bucket; only that bucket logs nothing",
    "AWS FSBP S3.9 / CIS AWS v1.4 3.6 (CloudTrail bucket)",
    CATEGORY,
    "mandatory",
)
def s3_access_logging(resources, ctx):
    loggings = of_type(resources, *BUCKET_LOGGING)
    configs = of_type(resources, *BUCKET_SSE)
    for bucket in of_type(resources, *BUCKETS):
        own = [entry for entry in loggings if _logs_requests_of(entry, bucket)]
        is_target = any(_logs_into(entry, bucket) for entry in loggings)
        if any(_logs_into(entry, bucket) for entry in own):
            yield bucket, "logs its requests into itself (every delivery would be logged again)"
        elif not own and not is_target:
            yield bucket, "no BucketLogging: reads and deletions of its objects are recorded nowhere"
        if is_target and _default_algorithms(configs, bucket) - {"AES256"}:
            yield bucket, "is a server access log destination: AWS supports only SSE-S3 (AES256) default encryption there"
