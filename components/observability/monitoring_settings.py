"""`ohmycoins:monitoring`: the monitoring stack on EKS (Prometheus, Alertmanager, Grafana, Loki, Alloy)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from components.shared.settings_model import Model, Problem

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:\d{1,5}$")


class SmtpSettings(Model):
    smarthost: str  # host:port, e.g. email-smtp.ap-southeast-2.amazonaws.com:587
    from_: str = Field(alias="from")
    # The password is the secret `ohmycoins:alertmanagerSmtpPassword`.
    username: str | None = None

    @field_validator("smarthost")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if not _HOST_PORT.match(value):
            raise ValueError(f"'{value}' is not host:port")
        return value

    @field_validator("from_")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError(f"'{value}' is not an email address")
        return value


class MonitoringSettings(Model):
    # Needs the EKS cluster (ohmycoins:eks); false installs nothing in the cluster.
    enabled: bool
    prometheus_retention_days: int = Field(ge=1, le=365)
    prometheus_volume_gib: int = Field(ge=5, le=1000)
    loki_retention_days: int = Field(ge=1, le=365)
    # filesystem: a PVC on the Loki pod (fine for staging); s3: a bucket through an IRSA role.
    loki_storage: Literal["filesystem", "s3"]
    loki_volume_gib: int = Field(default=10, ge=5, le=1000)
    grafana_volume_gib: int = Field(default=5, ge=1, le=100)
    alertmanager_volume_gib: int = Field(default=2, ge=1, le=50)
    # Slack channel for alerts; the webhook URL is the secret `ohmycoins:alertmanagerSlackWebhookUrl`.
    slack_channel: str | None = None
    # Alertmanager sends critical alerts to these addresses directly, besides the SNS topic.
    alert_emails: list[str] = Field(default_factory=list)
    smtp: SmtpSettings | None = None

    @field_validator("alert_emails")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _EMAIL.match(value):
                raise ValueError(f"'{value}' is not an email address")
        return values

    @field_validator("slack_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[#@][\w.-]+$", value):
            raise ValueError(f"'{value}' is not a Slack channel like #alerts")
        return value

    def problems(self) -> list[Problem]:
        if self.alert_emails and self.smtp is None:
            return [Problem(("smtp",), "required when alertEmails is set: Alertmanager needs an SMTP server to send email")]
        return []
