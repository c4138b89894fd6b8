"""An S3 server access-log bucket: where the other buckets record who read, wrote or deleted what.

Its own requests are not logged (S3 would log its log deliveries into itself without end). It is
encrypted with S3-managed keys: AWS documents SSE-S3 as the only default encryption a server access
log destination supports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.shared.bucket import AccessLogDestination, PrivateBucket, PrivateBucketArgs

LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com"


def access_log_delivery_statements(bucket_arn: str, account: str, source_buckets: str) -> list[dict[str, Any]]:
    """S3's log delivery may write for this account's buckets named `source_buckets` (a name or pattern),
    each under the folder named after it."""
    return [
        {
            "Sid": "S3ServerAccessLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": LOG_DELIVERY_SERVICE},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{source_buckets}/*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source_buckets}"},
            },
        }
    ]


@dataclass(frozen=True)
class AccessLogBucketArgs:
    bucket: pulumi.Input[str]  # its S3 name
    source_buckets: str  # the names (or `<prefix>-*`) of the buckets that may log here
    account_id: pulumi.Input[str]
    expiry_days: int  # ohmycoins:buckets.accessLogExpiryDays
    protect: bool
    name_tag: str


class AccessLogBucket(pulumi.ComponentResource):
    """Private, SSE-S3, TLS only, versioned, expiring; `destination` is what the source buckets log to."""

    destination: AccessLogDestination
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:bucket:AccessLogBucket", name, None, opts)
        bucket = PrivateBucket(
            f"{name}-store",
            PrivateBucketArgs(
                bucket=args.bucket,
                kms_key_arn=None,
                lifecycle_rule_id="expire-access-logs",
                expiry_days=args.expiry_days,
                # Deleted logs stay recoverable a week, then go.
                noncurrent_version_days=7,
                abort_multipart_days=1,
                access_logs=None,
                statements=lambda arn: pulumi.Output.all(arn, args.account_id).apply(
                    lambda v: access_log_delivery_statements(v[0], v[1], args.source_buckets)
                ),
                protect=args.protect,
                force_destroy_unprotected=True,
                tags={"Name": args.name_tag},
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.bucket_name = bucket.bucket_name
        self.destination = AccessLogDestination(bucket=bucket.bucket_name, policy=bucket.policy)
        self.register_outputs({"bucket_name": self.bucket_name})
