"""The app secret: one KMS-encrypted JSON per stack, generated values and third-party keys, never in plain text."""

from __future__ import annotations

import base64
import os

from components.data.app_secrets import APP_SECRET_KEYS, fernet_key
from tests.data.data_tier import key_arn
from tools.plan_model import SECRET as MASKED
from tools.stack_file import FAKE_SECRET_PREFIX

REQUIRED = {
    "SECRET_KEY",
    "ENCRYPTION_KEY",
    "FIRST_SUPERUSER",
    "FIRST_SUPERUSER_PASSWORD",
    "OPENAI_API_KEY",
    "CRYPTOPANIC_API_KEY",
    "SEC_API_KEY",
    "REDDIT_CLIENT_ID",
    "REDDIT_CLIENT_SECRET",
}
# Both committed stacks send mail (ohmycoins:email), so both hold the SMTP account.
MAIL_ACCOUNT = {"SMTP_USER", "SMTP_PASSWORD"}


def test_fernet_key_is_url_safe_base64_of_32_bytes():
    for _ in range(50):
        key = fernet_key(base64.b64encode(os.urandom(32)).decode())
        assert len(key) == 44 and "+" not in key and "/" not in key
        assert len(base64.urlsafe_b64decode(key.encode())) == 32


def test_one_encrypted_secret_per_stack(any_plan):
    secret = any_plan.named("app-secrets-secret")
    assert secret.inputs["name"] == f"ohmycoins-{any_plan.stack}-app-secrets"
    assert secret.inputs["kmsKeyId"] == key_arn(any_plan)
    assert secret.inputs["recoveryWindowInDays"] == (0 if any_plan.stack == "staging" else 30)
    version = any_plan.named("app-secrets-secret-value")
    assert version.inputs["secretString"] == MASKED
    # Pulumi owns the values: no ignore_changes that would let edits outside it stick.
    assert version.ignoreChanges == []
    assert any_plan.outputs["appSecretArn"].startswith(
        f"arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:ohmycoins-{any_plan.stack}-app-secrets-"
    )


def test_secret_holds_the_required_keys_and_no_plain_settings(any_plan):
    keys = set(any_plan.outputs["appSecretKeys"])
    assert keys == REQUIRED | MAIL_ACCOUNT
    assert keys <= set(APP_SECRET_KEYS)
    assert not {k for k in keys if k.startswith(("POSTGRES_", "REDIS_")) or k in ("ENVIRONMENT", "FRONTEND_HOST", "SMTP_HOST")}


def test_optional_credentials_join_the_secret_when_set(staging_extras):
    assert set(staging_extras.outputs["appSecretKeys"]) == REQUIRED | MAIL_ACCOUNT | {"ANTHROPIC_API_KEY", "SENTRY_DSN"}


def test_generated_values_come_from_pulumi_random(any_plan):
    assert any_plan.named("app-secrets-encryption-key").inputs["length"] == 32
    assert any_plan.named("app-secrets-secret-key").inputs["length"] >= 50
    password = any_plan.named("app-secrets-first-superuser-password")
    assert password.inputs["length"] >= 24 and password.inputs["special"] is True
    version = any_plan.named("app-secrets-secret-value")
    for name in ("app-secrets-secret-key", "app-secrets-encryption-key", "app-secrets-first-superuser-password"):
        assert any_plan.named(name).urn in version.dependencies


def test_no_secret_reaches_the_plan_in_plain_text(any_plan):
    # The engine raises on a leak; this also covers the exported plan document itself.
    assert FAKE_SECRET_PREFIX not in any_plan.to_json()
    assert any_plan.named("cache-redis").inputs["authToken"] == MASKED
