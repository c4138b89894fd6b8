"""`ohmycoins:alerts`: who hears about alarms and security findings of a stack."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from components.shared.settings_model import Model

# Deliberately plain: an address SNS can deliver to, not every address RFC 5322 allows.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class AlertsSettings(Model):
    # Each address gets an SNS email subscription; AWS mails a confirmation link first.
    emails: list[str] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _valid_emails(cls, emails: list[str]) -> list[str]:
        for email in emails:
            if not _EMAIL.match(email):
                raise ValueError(f"'{email}' is not an email address")
        if len({e.lower() for e in emails}) != len(emails):
            raise ValueError("email addresses must not repeat")
        return emails
