"""`ohmycoins:buckets`: what every S3 bucket of the stack shares: how long its server access logs are kept."""

from __future__ import annotations

from pydantic import Field

from components.shared.settings_model import Model, Problem

# Access logs are audit evidence (who read or deleted what): production keeps them at least this long.
MIN_PRODUCTION_ACCESS_LOG_DAYS = 90


class BucketSettings(Model):
    # Server access logs of every bucket are deleted this many days after delivery.
    access_log_expiry_days: int = Field(ge=1, le=3650)

    def production_problems(self) -> list[Problem]:
        if self.access_log_expiry_days < MIN_PRODUCTION_ACCESS_LOG_DAYS:
            reason = (
                f"production keeps S3 access logs at least {MIN_PRODUCTION_ACCESS_LOG_DAYS} days (they record who read or deleted what)"
            )
            return [Problem(("accessLogExpiryDays",), reason)]
        return []
