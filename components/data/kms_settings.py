"""`ohmycoins:kms`: the stack's customer-managed KMS key (databases, cache, secrets, log groups)."""

from __future__ import annotations

from pydantic import Field

from components.shared.settings_model import Model


class KmsSettings(Model):
    # Days between `pulumi destroy` (or a delete) and the key being gone for good; AWS allows 7-30.
    deletion_window_days: int = Field(ge=7, le=30)
