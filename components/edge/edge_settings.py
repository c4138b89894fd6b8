"""`ohmycoins:edge`: the public face of a stack: domain and hosts, HTTPS, WAF limits, ALB access logs."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from components.shared.settings_model import Model, Problem, check_log_retention

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def check_hostname(value: str) -> str:
    if not _HOSTNAME.match(value):
        raise ValueError(f"'{value}' is not a lowercase DNS name like api.example.com")
    return value


def within(host: str, domain: str) -> bool:
    """'api.staging.ohmycoins.com' is within 'ohmycoins.com'; a name is within itself."""
    return host == domain or host.endswith(f".{domain}")


class EdgeSettings(Model):
    # The stack's domain (certificate subject). Absent: no HTTPS, no DNS; needs allowPlainHttp.
    domain: str | None = None
    # Route53 public hosted zone that holds the records (the domain or one of its parents).
    hosted_zone: str | None = None
    api_host: str | None = None
    frontend_host: str | None = None
    # Requests per client IP per 5 minutes before the WAF blocks it.
    waf_rate_limit: int = Field(default=2000, ge=10, le=2_000_000_000)
    # ALB access logs are deleted after this many days.
    access_log_expiry_days: int = Field(ge=1, le=3650)
    # CloudWatch retention of the WAF's request log (`aws-waf-logs-<prefix>`).
    waf_log_retention_days: Annotated[int, AfterValidator(check_log_retention)] = 30
    # Serve plain HTTP on a stack without a domain. Never in production.
    allow_plain_http: bool = False

    @field_validator("domain", "hosted_zone", "api_host", "frontend_host")
    @classmethod
    def _names(cls, value: str | None) -> str | None:
        return value if value is None else check_hostname(value)

    @property
    def https(self) -> bool:
        return self.domain is not None

    @property
    def hosts(self) -> dict[str, str]:
        """Public hosts by role ('api', 'frontend'); empty without a domain."""
        if self.domain is None or self.api_host is None or self.frontend_host is None:
            return {}
        return {"api": self.api_host, "frontend": self.frontend_host}

    def problems(self) -> list[Problem]:
        problems: list[Problem] = []
        if self.domain is None:
            if not self.allow_plain_http:
                problems.append(
                    Problem(("domain",), "required unless allowPlainHttp is true (a stack without a domain serves plain HTTP only)")
                )
            for key, value in (("hostedZone", self.hosted_zone), ("apiHost", self.api_host), ("frontendHost", self.frontend_host)):
                if value is not None:
                    problems.append(Problem((key,), "only means something with a domain; set domain or remove it"))
            return problems
        if self.allow_plain_http:
            problems.append(Problem(("allowPlainHttp",), "only for a stack without a domain; a stack with a domain always serves HTTPS"))
        for key, value in (("hostedZone", self.hosted_zone), ("apiHost", self.api_host), ("frontendHost", self.frontend_host)):
            if value is None:
                problems.append(Problem((key,), "required setting is missing (the stack has a domain)"))
        if self.hosted_zone is not None and not within(self.domain, self.hosted_zone):
            problems.append(Problem(("hostedZone",), f"'{self.hosted_zone}' does not contain the domain '{self.domain}'"))
        for key, value in (("apiHost", self.api_host), ("frontendHost", self.frontend_host)):
            if value is not None and not within(value, self.domain):
                problems.append(
                    Problem((key,), f"'{value}' is not within the domain '{self.domain}', so the certificate would not cover it")
                )
        if self.api_host is not None and self.api_host == self.frontend_host:
            problems.append(Problem(("apiHost",), "must differ from frontendHost: the ALB routes the API by host"))
        return problems
