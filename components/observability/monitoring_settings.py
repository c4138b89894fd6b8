"""`ohmycoins:monitoring`: the monitoring stack on EKS (Prometheus, Alertmanager, Grafana, Loki, Alloy)."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator

from components.edge.edge_settings import EdgeSettings, check_hostname, within
from components.shared.settings_model import Model, Problem

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:\d{1,5}$")
# GitHub organisation logins: letters, digits, single inner hyphens, at most 39 characters.
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
# GitHub client ids are 20 characters: `Ov23li...` (OAuth Apps), `Iv1.`/`Iv23li...` (GitHub Apps), or
# 20 hex digits (older OAuth Apps).
_GITHUB_CLIENT_ID = re.compile(r"^[A-Za-z0-9.]{20}$")


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


class GrafanaGithubLogin(Model):
    # The GitHub OAuth App's client id (plain); its secret is `ohmycoins:grafanaGithubClientSecret`.
    client_id: str
    # Only members of these organisations may sign in (GitHub OAuth admits any GitHub user otherwise).
    allowed_organizations: list[str] = Field(min_length=1)
    # Optionally only members of these teams (numeric team ids).
    team_ids: list[int] = Field(default_factory=list)

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str) -> str:
        if not _GITHUB_CLIENT_ID.match(value):
            raise ValueError(f"'{value}' is not a GitHub OAuth client id (the Client ID on the OAuth App's page)")
        return value

    @field_validator("allowed_organizations")
    @classmethod
    def _organizations(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _GITHUB_LOGIN.match(value):
                raise ValueError(f"'{value}' is not a GitHub organisation login")
        return values


class GrafanaSettings(Model):
    """Grafana at https://<host> through the stack's ALB and WAF."""

    # A name within ohmycoins:edge.domain, e.g. grafana.staging.ohmycoins.com.
    host: str
    # Who may reach it (the WAF blocks everyone else); empty: anyone, behind the login.
    allowed_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list)
    # Sign in with GitHub; absent: only the generated admin account (Secret monitoring/grafana-admin).
    github: GrafanaGithubLogin | None = None

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return check_hostname(value)

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, values: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
        for value in values:
            # AWS WAF IP sets take every IPv4 prefix but /0 (which would restrict nothing anyway).
            if value.prefixlen == 0:
                raise ValueError(f"{value} restricts nothing (and WAF IP sets refuse /0); leave allowedCidrs empty instead")
        if len(set(values)) != len(values):
            raise ValueError("CIDRs must not repeat")
        return values


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
    # Grafana's public address; absent: reachable only with `kubectl port-forward`.
    grafana: GrafanaSettings | None = None

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


def grafana_problems(monitoring: MonitoringSettings, edge: EdgeSettings) -> list[Problem]:
    """Grafana's host must be a name of the stack's HTTPS domain that no other route uses."""
    grafana = monitoring.grafana
    if grafana is None:
        return []
    if not monitoring.enabled:
        return [Problem(("grafana",), "is set, but monitoring.enabled is false: there is no Grafana to publish")]
    if edge.domain is None:
        return [Problem(("grafana", "host"), "needs ohmycoins:edge.domain: Grafana is served over HTTPS on the stack's certificate")]
    if not within(grafana.host, edge.domain):
        return [
            Problem(
                ("grafana", "host"), f"'{grafana.host}' is not within the domain '{edge.domain}', so the certificate would not cover it"
            )
        ]
    taken = {edge.domain: "ohmycoins:edge.domain", **{host: f"the {role} host" for role, host in edge.hosts.items()}}
    if grafana.host in taken:
        return [Problem(("grafana", "host"), f"'{grafana.host}' is already {taken[grafana.host]}; the ALB routes by host")]
    return []
