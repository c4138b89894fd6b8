"""`ohmycoins:audit`: GuardDuty, CloudTrail and AWS Config, and which stack of the account owns them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.shared.settings_model import Model, check_log_retention

# `create`: this stack creates the account-wide thing (one stack per AWS account and region);
# `existing`: another stack (or someone) already has it here, so this stack creates none of it.
Ownership = Literal["create", "existing"]

# CIS AWS Foundations and most audit regimes ask for at least 90 days of audit logs.
MIN_AUDIT_RETENTION_DAYS = 90


def _audit_log_retention(days: int) -> int:
    check_log_retention(days)
    if days < MIN_AUDIT_RETENTION_DAYS:
        raise ValueError(f"audit logs must be kept at least {MIN_AUDIT_RETENTION_DAYS} days")
    return days


class AuditSettings(Model):
    guard_duty: Ownership
    cloud_trail: Ownership
    aws_config: Ownership
    findings_publishing_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = "FIFTEEN_MINUTES"
    # CloudWatch Logs copy of the trail (what the CIS metric filters read).
    trail_log_retention_days: Annotated[int, AfterValidator(_audit_log_retention)] = 365
    # S3 copies of the trail and of Config's snapshots: moved to Glacier after 90 days, expired after this.
    bucket_retention_days: int = Field(default=365, ge=MIN_AUDIT_RETENTION_DAYS, le=3653)
