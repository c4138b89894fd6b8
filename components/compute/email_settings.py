"""`ohmycoins:email`: the SMTP server the backend sends mail through (password resets, invitations).

The account's user name and password are secure credentials (`ohmycoins:credentials.smtpUser` /
`smtpPassword`, in the app secret); everything here is plain and reaches the workloads that send
mail as SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_SSL and EMAILS_FROM_EMAIL.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from components.shared.settings_model import Model, Problem

_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# AWS blocks outbound port 25 from EC2 and Fargate unless the account has the limit lifted.
_BLOCKED_PORT = 25


class EmailSettings(Model):
    # Absent: the stack sends no mail (no SMTP variables, no SMTP egress).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # STARTTLS on a plain connection (587); `smtpSsl` is TLS from the first byte (465).
    smtp_tls: bool = True
    smtp_ssl: bool = False
    from_address: str | None = None

    @field_validator("smtp_host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if value is not None and not _HOST.match(value):
            raise ValueError(f"'{value}' is not a DNS name like email-smtp.ap-southeast-2.amazonaws.com")
        return value

    @field_validator("smtp_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if value == _BLOCKED_PORT:
            raise ValueError("AWS blocks outbound port 25 from Fargate and EC2 by default; use 587 (STARTTLS) or 465 (smtpSsl)")
        return value

    @field_validator("from_address")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(f"'{value}' is not an email address")
        return value

    @property
    def enabled(self) -> bool:
        return self.smtp_host is not None

    def problems(self) -> list[Problem]:
        problems = []
        if self.smtp_tls and self.smtp_ssl:
            problems.append(Problem(("smtpSsl",), "smtpTls (STARTTLS) and smtpSsl (implicit TLS) exclude each other; keep one"))
        if self.enabled and self.from_address is None:
            problems.append(Problem(("fromAddress",), "mail needs a sender address (EMAILS_FROM_EMAIL)"))
        if not self.enabled:
            for key, value in (("fromAddress", self.from_address),):
                if value is not None:
                    problems.append(Problem((key,), "has no effect without smtpHost; set smtpHost or remove it"))
        return problems

    def production_problems(self) -> list[Problem]:
        if not self.enabled:
            return [Problem(("smtpHost",), "production must send mail (password resets); set the SMTP server")]
        return []

    def environment(self) -> dict[str, str]:
        """The plain variables of the workloads that send mail; empty when the stack sends none."""
        if not self.enabled:
            return {}
        return {
            "SMTP_HOST": str(self.smtp_host),
            "SMTP_PORT": str(self.smtp_port),
            "SMTP_TLS": "true" if self.smtp_tls else "false",
            "SMTP_SSL": "true" if self.smtp_ssl else "false",
            "EMAILS_FROM_EMAIL": str(self.from_address),
        }
