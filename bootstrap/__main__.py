"""The account's foundation for Pulumi itself: a state bucket, a KMS key for stack secrets, and the
bucket that records every request to the state (S3 server access logs).

Everything here is protected: losing the bucket loses every stack's state, losing the key makes
every stack's secrets unreadable, and the access logs are the record of who read or changed them.
"""

import json
import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws

# The access-log bucket is the main program's own kind (components/shared/access_logs.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.shared.access_logs import AccessLogBucket, AccessLogBucketArgs  # noqa: E402
from components.shared.bucket import access_log_prefix  # noqa: E402

config = pulumi.Config()
bucket_name = config.get("stateBucket") or "ohmycoins-pulumi-state"
key_alias = config.get("secretsKeyAlias") or "alias/ohmycoins-pulumi-secrets"
noncurrent_days = config.get_int("noncurrentVersionDays") or 90
access_log_days = config.get_int("accessLogExpiryDays") or 365
access_log_bucket_name = f"{bucket_name}-access-logs"
if len(access_log_bucket_name) > 63:
    raise pulumi.RunError(
        f"stateBucket: '{bucket_name}' leaves no room for its access-log bucket '{access_log_bucket_name}' (S3 names: at most 63)"
    )
region = aws.config.region or "ap-southeast-2"

kept = pulumi.ResourceOptions(protect=True)
tags = {"Project": "ohmycoins", "ManagedBy": "pulumi", "Stack": "bootstrap"}
account = aws.get_caller_identity_output().account_id

key = aws.kms.Key(
    "secrets-key",
    description="Pulumi secrets provider and state bucket encryption for ohmycoins",
    enable_key_rotation=True,
    deletion_window_in_days=30,
    tags=tags,
    opts=kept,
)
alias = aws.kms.Alias("secrets-key-alias", name=key_alias, target_key_id=key.key_id)

bucket = aws.s3.Bucket(
    "state-bucket",
    bucket=bucket_name,
    tags=tags,
    opts=kept,
)
child = pulumi.ResourceOptions(parent=bucket)

aws.s3.BucketVersioning(
    "state-bucket-versioning",
    bucket=bucket.id,
    versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
    opts=child,
)
aws.s3.BucketServerSideEncryptionConfiguration(
    "state-bucket-encryption",
    bucket=bucket.id,
    rules=[
        aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=key.arn
            ),
            bucket_key_enabled=True,
        )
    ],
    opts=child,
)
access_block = aws.s3.BucketPublicAccessBlock(
    "state-bucket-public-access-block",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
    opts=child,
)
aws.s3.BucketOwnershipControls(
    "state-bucket-ownership",
    bucket=bucket.id,
    rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
    opts=child,
)
aws.s3.BucketLifecycleConfiguration(
    "state-bucket-lifecycle",
    bucket=bucket.id,
    rules=[
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="old-state-versions",
            status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=noncurrent_days
            ),
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=7
            ),
        )
    ],
    opts=child,
)


def tls_only(bucket_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


aws.s3.BucketPolicy(
    "state-bucket-policy",
    bucket=bucket.id,
    policy=bucket.arn.apply(tls_only),
    # S3 rejects a policy while the public access block is being written.
    opts=pulumi.ResourceOptions(parent=bucket, depends_on=[access_block]),
)

# Server access logs of the state bucket, in a bucket of the program's own kind (SSE-S3: the only
# default encryption AWS supports on a log destination; a bucket must not log into itself).
logs = AccessLogBucket(
    "state-access-logs",
    AccessLogBucketArgs(
        bucket=access_log_bucket_name,
        source_buckets=bucket_name,
        account_id=account,
        expiry_days=access_log_days,
        protect=True,
        name_tag=access_log_bucket_name,
    ),
)
aws.s3.BucketLogging(
    "state-bucket-access-logging",
    bucket=bucket.bucket,
    target_bucket=logs.destination.bucket,
    target_prefix=access_log_prefix(bucket.bucket),
    opts=pulumi.ResourceOptions(parent=bucket, depends_on=[logs.destination.policy]),
)

pulumi.export("stateBucket", bucket.bucket)
pulumi.export("stateAccessLogBucket", logs.bucket_name)
pulumi.export("backendUrl", pulumi.Output.concat("s3://", bucket.bucket, f"?region={region}"))
pulumi.export("secretsKeyArn", key.arn)
pulumi.export("secretsProvider", alias.name.apply(lambda name: f"awskms://{name}?region={region}"))
