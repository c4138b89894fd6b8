"""The application's secret: one Secrets Manager JSON document per stack, KMS-encrypted, Pulumi-owned.

Generated values come from pulumi-random (kept as secrets in state); third-party credentials come
from the secure config area `ohmycoins:credentials`. Non-secret settings (hosts, ports, database name,
environment) are not in it: the platforms pass those as plain environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_random as random

from components.data.app_secrets_settings import THIRD_PARTY_KEYS, SecretsSettings
from components.data.json_secret import json_secret

GENERATED_KEYS = ("SECRET_KEY", "ENCRYPTION_KEY", "FIRST_SUPERUSER_PASSWORD")
# Every key the secret can hold; `AppSecrets.keys` says which ones a stack actually has.
APP_SECRET_KEYS: tuple[str, ...] = (*GENERATED_KEYS, "FIRST_SUPERUSER", *(key.env_name for key in THIRD_PARTY_KEYS))
# Special characters that survive shells, URLs and .env files unquoted.
PASSWORD_SPECIALS = "!#%*+-.:=?_~"


def fernet_key(standard_base64: str) -> str:
    """Fernet wants the URL-safe base64 of 32 bytes, padding kept; random's `base64` is the standard alphabet."""
    return standard_base64.replace("+", "-").replace("/", "_")


@dataclass(frozen=True)
class AppSecretsArgs:
    settings: SecretsSettings
    # Third-party credentials present in this stack: app-secret key -> secret value.
    credentials: Mapping[str, pulumi.Output[str]]
    name_prefix: str
    kms_key_arn: pulumi.Input[str]
    # Values an existing deployment already uses (secure config `ohmycoins:appSecretValues`), kept
    # instead of generated ones: app-secret key -> secret value.
    carried_over: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)


class AppSecrets(pulumi.ComponentResource):
    """SECRET_KEY, ENCRYPTION_KEY, the first superuser and the third-party API keys, in one secret."""

    secret_arn: pulumi.Output[str]
    secret_name: str
    keys: list[str]

    def __init__(self, name: str, args: AppSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:secrets:AppSecrets", name, None, opts)
        unknown = sorted(set(args.credentials) - set(APP_SECRET_KEYS))
        if unknown:
            raise ValueError(f"credentials {unknown} are not keys of the app secret")

        not_generated = sorted(set(args.carried_over) - set(GENERATED_KEYS))
        if not_generated:
            raise ValueError(f"carried-over values {not_generated} are not generated keys of the app secret")

        values: dict[str, pulumi.Input[str]] = {
            **self._generated(name, skip=set(args.carried_over)),
            **args.carried_over,
            "FIRST_SUPERUSER": args.settings.first_superuser,
            **args.credentials,
        }
        self.keys = sorted(values)
        self.secret_name = f"{args.name_prefix}-app-secrets"
        secret = json_secret(
            f"{name}-secret",
            name=self.secret_name,
            description="Oh My Coins application secrets (JSON); managed by Pulumi, edits outside Pulumi are overwritten",
            values=values,
            kms_key_arn=args.kms_key_arn,
            recovery_window_days=args.settings.recovery_window_days,
            parent=self,
        )
        self.secret_arn = secret.arn
        self.register_outputs({"secret_arn": self.secret_arn, "secret_name": self.secret_name, "keys": self.keys})

    def _generated(self, name: str, skip: set[str]) -> dict[str, pulumi.Output[str]]:
        """The generated values, except those carried over (no generator exists for them)."""
        child = pulumi.ResourceOptions(parent=self)
        values: dict[str, pulumi.Output[str]] = {}
        if "SECRET_KEY" not in skip:
            # JWT signing key of the backend: 64 characters from 62 symbols is about 380 bits.
            values["SECRET_KEY"] = random.RandomPassword(f"{name}-secret-key", length=64, special=False, opts=child).result
        if "ENCRYPTION_KEY" not in skip:
            # The key that encrypts users' exchange credentials in the database (Fernet: 32 random bytes).
            values["ENCRYPTION_KEY"] = random.RandomBytes(f"{name}-encryption-key", length=32, opts=child).base64.apply(fernet_key)
        if "FIRST_SUPERUSER_PASSWORD" not in skip:
            values["FIRST_SUPERUSER_PASSWORD"] = random.RandomPassword(
                f"{name}-first-superuser-password",
                length=32,
                special=True,
                override_special=PASSWORD_SPECIALS,
                min_lower=2,
                min_upper=2,
                min_numeric=2,
                min_special=2,
                opts=child,
            ).result
        return values
