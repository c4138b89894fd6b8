"""The app secret: one KMS-encrypted JSON per stack, generated values and third-party keys, never in plain text."""

from __future__ import annotations

import base64
import json
import os

from components.data.app_secrets import fernet_key
from tests.data.data_tier import key_arn
from tools.plan_model import SECRET as MASKED

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
    # Consumers read the secret by the exported ARN: the backend's SECRET_KEY comes from it.
    backend = json.loads(any_plan.named("backend-task").inputs["containerDefinitions"])[0]
    references = {ref["name"]: ref["valueFrom"] for ref in backend["secrets"]}
    assert references["SECRET_KEY"] == f"{any_plan.outputs['appSecretArn']}:SECRET_KEY::"


def test_secret_holds_the_required_keys_and_no_plain_settings(any_plan):
    keys = set(any_plan.outputs["appSecretKeys"])
    assert keys == REQUIRED | MAIL_ACCOUNT
    assert not {k for k in keys if k.startswith(("POSTGRES_", "REDIS_")) or k in ("ENVIRONMENT", "FRONTEND_HOST", "SMTP_HOST")}


def test_optional_credentials_join_the_secret_when_set(staging_extras):
    assert set(staging_extras.outputs["appSecretKeys"]) == REQUIRED | MAIL_ACCOUNT | {"ANTHROPIC_API_KEY", "SENTRY_DSN"}


def test_generated_values_come_from_pulumi_random(any_plan):
    assert any_plan.named("app-secrets-encryption-key").inputs["length"] == 32
    secret_key = any_plan.named("app-secrets-secret-key").inputs
    assert (secret_key["length"], secret_key["special"]) == (64, False)
    password = any_plan.named("app-secrets-first-superuser-password").inputs
    assert (password["length"], password["special"], password["overrideSpecial"]) == (32, True, "!#%*+-.:=?_~")
    assert (password["minLower"], password["minUpper"], password["minNumeric"], password["minSpecial"]) == (2, 2, 2, 2)
    version = any_plan.named("app-secrets-secret-value")
    for name in ("app-secrets-secret-key", "app-secrets-encryption-key", "app-secrets-first-superuser-password"):
        assert any_plan.named(name).urn in version.dependencies


def test_generated_and_configured_secrets_reach_their_resources_as_secrets(any_plan):
    assert any_plan.named("cache-redis").inputs["authToken"] == MASKED
    assert any_plan.named("runners-github-app").inputs["stringData"] == MASKED
