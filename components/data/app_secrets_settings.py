"""`ohmycoins:secrets` (plain) and `ohmycoins:credentials` (secure): what goes into the app's secret.

Generated values (SECRET_KEY, ENCRYPTION_KEY, FIRST_SUPERUSER_PASSWORD) need no config. Third-party
credentials cannot be generated: each is one secure key under `ohmycoins:credentials`, set with
`pulumi config set --secret --path 'ohmycoins:credentials.<key>' <value>`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import field_validator

from components.shared.settings_model import Model, Path, Problem

CREDENTIALS_AREA = "credentials"
# Values an existing deployment already uses, kept instead of generated ones (see README "Adoption").
CARRIED_OVER_AREA = "appSecretValues"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


@dataclass(frozen=True)
class ThirdPartyKey:
    """One secret value the stack supplies (a credential issued by someone else, or a value carried
    over from an existing deployment): its stack-config key and its key in the app secret."""

    config_key: str
    env_name: str
    required: bool
    purpose: str


THIRD_PARTY_KEYS: tuple[ThirdPartyKey, ...] = (
    ThirdPartyKey("openaiApiKey", "OPENAI_API_KEY", True, "LLM provider of the backend and the agents"),
    ThirdPartyKey("anthropicApiKey", "ANTHROPIC_API_KEY", False, "alternative LLM provider of the agents"),
    ThirdPartyKey("cryptopanicApiKey", "CRYPTOPANIC_API_KEY", True, "CryptoPanic news collector"),
    ThirdPartyKey("secApiKey", "SEC_API_KEY", True, "SEC filings collector (sec-api.io)"),
    ThirdPartyKey("redditClientId", "REDDIT_CLIENT_ID", True, "Reddit collector (OAuth app id)"),
    ThirdPartyKey("redditClientSecret", "REDDIT_CLIENT_SECRET", True, "Reddit collector (OAuth app secret)"),
    ThirdPartyKey("smtpUser", "SMTP_USER", False, "outgoing mail account (with smtpPassword)"),
    ThirdPartyKey("smtpPassword", "SMTP_PASSWORD", False, "outgoing mail password (with smtpUser)"),
    ThirdPartyKey("sentryDsn", "SENTRY_DSN", False, "error reporting of the backend, agents and collectors (Sentry DSN)"),
)

# Generated values an existing deployment has its own of: keeping them keeps data the app encrypted
# readable (ENCRYPTION_KEY), sessions alive (SECRET_KEY) and the admin's password.
CARRIED_OVER_KEYS: tuple[ThirdPartyKey, ...] = (
    ThirdPartyKey("secretKey", "SECRET_KEY", False, "the existing JWT signing key"),
    ThirdPartyKey("encryptionKey", "ENCRYPTION_KEY", False, "the existing Fernet key of data the app encrypted"),
    ThirdPartyKey("firstSuperuserPassword", "FIRST_SUPERUSER_PASSWORD", False, "the existing first superuser's password"),
)

# Keys that only make sense together: either all present or none.
_PAIRS = (("smtpUser", "smtpPassword"),)


def set_command(config_key: str, area: str = CREDENTIALS_AREA) -> str:
    return f"pulumi config set --secret --path 'ohmycoins:{area}.{config_key}' <value>"


def check_secret_area(
    raw: Any, is_secret: bool, keys: tuple[ThirdPartyKey, ...] = THIRD_PARTY_KEYS, area: str = CREDENTIALS_AREA
) -> list[Problem]:
    """Problems of a secure area, with paths inside it; values are never put into a message."""
    if raw is None:
        raw = {}
    elif not is_secret:
        # Plain values here would sit in the stack file and in resource inputs unmasked.
        return [Problem((), "holds plain values; set each key with `pulumi config set --secret --path`")]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return [Problem((), "must be an object of secure values")]
    if not isinstance(raw, dict):
        return [Problem((), "must be an object of secure values")]
    known = {key.config_key: key for key in keys}
    problems: list[Problem] = []
    for name in sorted(raw):
        if name not in known:
            problems.append(Problem((name,), f"unknown secret; known ones are {', '.join(sorted(known))}"))
    for key in keys:
        path: Path = (key.config_key,)
        value = raw.get(key.config_key)
        if value is None:
            if key.required:
                command = set_command(key.config_key, area)
                problems.append(Problem(path, f"required secret is missing ({key.purpose}); set it with `{command}`"))
        elif not isinstance(value, str):
            problems.append(Problem(path, "must be a single string value"))
        elif not value.strip():
            problems.append(Problem(path, "is empty; remove it if it is optional, or set a real value"))
    for first, second in _PAIRS:
        if first not in known:
            continue
        if (raw.get(first) is None) != (raw.get(second) is None):
            missing = second if raw.get(second) is None else first
            problems.append(Problem((missing,), f"{first} and {second} go together; set both or neither"))
    return problems


def present_values(raw: Any, keys: tuple[ThirdPartyKey, ...] = THIRD_PARTY_KEYS) -> dict[str, str]:
    """Env name -> value of every key of `keys` the (already checked) area holds."""
    if isinstance(raw, str):
        raw = json.loads(raw)
    raw = raw or {}
    return {key.env_name: raw[key.config_key] for key in keys if raw.get(key.config_key) is not None}


class SecretsSettings(Model):
    # FIRST_SUPERUSER: the admin account the backend creates on first start (its password is generated).
    first_superuser: str
    # Days Secrets Manager keeps a deleted secret recoverable: 0 deletes at once, else 7-30.
    recovery_window_days: int

    @field_validator("first_superuser")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError(f"'{value}' is not an email address")
        return value

    @field_validator("recovery_window_days")
    @classmethod
    def _window(cls, days: int) -> int:
        if days != 0 and not 7 <= days <= 30:
            raise ValueError(f"{days} is not a recovery window Secrets Manager accepts: 0 (delete at once) or 7-30")
        return days

    def production_problems(self) -> list[Problem]:
        if self.recovery_window_days < 7:
            return [Problem(("recoveryWindowDays",), "production secrets stay recoverable for at least 7 days after a delete")]
        return []
