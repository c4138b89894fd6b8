"""A private S3 bucket: public access blocked, owner-enforced, encrypted, versioned, TLS only, expiring,
its requests logged.

Every bucket of the estate (ALB access logs, CloudTrail, AWS Config, Loki, the S3 access logs) is one
of these; the caller brings what differs: the key, the lifecycle days, the service statements of its
policy and where its server access logs go.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.shared.iam_documents import document

# The caller's policy statements, built from the bucket's ARN (an Output: the name is only known
# once the bucket exists).
Statements = Callable[[pulumi.Output[str]], pulumi.Input[Sequence[Mapping[str, Any]]]]


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """Refuse every request to the bucket or its objects that does not use TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def bucket_policy(bucket_arn: str, statements: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """TLS only, then the caller's statements."""
    return document(deny_insecure_transport(bucket_arn), *statements)


def access_log_prefix(source_bucket: pulumi.Input[str]) -> pulumi.Output[str]:
    """Where a bucket's server access logs land in the access-log bucket: a folder named after it."""
    return pulumi.Output.concat(source_bucket, "/")


@dataclass(frozen=True)
class AccessLogDestination:
    """Where a bucket's server access logs go: the stack's access-log bucket (components/shared/access_logs.py)."""

    bucket: pulumi.Input[str]  # its S3 name
    policy: pulumi.Resource  # lets S3's log delivery write; in place before any bucket logs there


@dataclass(frozen=True)
class PrivateBucketArgs:
    bucket: pulumi.Input[str]  # the S3 name; global, so callers add the account id
    # None encrypts with S3-managed keys (SSE-S3) instead: ALB access-log delivery supports SSE-S3
    # only, it cannot write to a bucket whose default encryption is SSE-KMS.
    kms_key_arn: pulumi.Input[str] | None
    lifecycle_rule_id: str
    noncurrent_version_days: int  # how long deleted or overwritten objects stay recoverable
    abort_multipart_days: int
    # The stack's access-log bucket; None only for that bucket itself (S3 must not log a bucket into itself).
    access_logs: AccessLogDestination | None
    expiry_days: int | None = None  # current objects; None keeps them (their owner deletes them)
    statements: Statements | None = None  # merged after the TLS-only deny
    protect: bool = False  # the stack's protect_stateful_resources: Pulumi refuses to delete the bucket
    retain_on_delete: bool = True  # a protected bucket also stays in the account if the stack drops it
    # Where unprotected, let `pulumi destroy` empty the bucket; False leaves force_destroy unset.
    force_destroy_unprotected: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


class PrivateBucket(pulumi.ComponentResource):
    """The bucket and the settings S3 keeps beside it, hardened the same way everywhere."""

    bucket: aws.s3.Bucket
    id: pulumi.Output[str]
    arn: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    policy: aws.s3.BucketPolicy  # depend on it where a service checks its access when created

    def __init__(self, name: str, args: PrivateBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:bucket:PrivateBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=args.bucket,
            force_destroy=(not args.protect) if args.force_destroy_unprotected else None,
            tags=dict(args.tags) or None,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect and args.retain_on_delete),
        )
        access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        if args.kms_key_arn is None:
            default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(sse_algorithm="AES256")
            rule = aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(apply_server_side_encryption_by_default=default)
        else:
            default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn
            )
            # Bucket keys cut the KMS requests (and their cost) of busy log writers.
            rule = aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=default, bucket_key_enabled=True
            )
        aws.s3.BucketServerSideEncryptionConfiguration(f"{name}-encryption", bucket=bucket.id, rules=[rule], opts=child)
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id=args.lifecycle_rule_id,
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=None
                    if args.expiry_days is None
                    else aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.expiry_days),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.noncurrent_version_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=args.abort_multipart_days
                    ),
                )
            ],
            opts=child,
        )
        if args.access_logs is not None:
            aws.s3.BucketLogging(
                f"{name}-access-logging",
                bucket=bucket.bucket,
                target_bucket=args.access_logs.bucket,
                # One folder per source bucket; the target's policy admits only this stack's names.
                target_prefix=access_log_prefix(bucket.bucket),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[args.access_logs.policy]),
            )
        statements = args.statements(bucket.arn) if args.statements is not None else []
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, statements).apply(lambda v: json.dumps(bucket_policy(v[0], v[1]))),
            # S3 refuses a policy while the public access block is being set up.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_block]),
        )

        self.bucket = bucket
        self.id = bucket.id
        self.arn = bucket.arn
        self.bucket_name = bucket.bucket
        self.register_outputs({"id": self.id, "arn": self.arn, "bucket_name": self.bucket_name})
