"""`ohmycoins:firewall`: what the security groups admit beyond the fixed least-privilege rules."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from components.shared.settings_model import Model

_RFC1918 = [ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


class FirewallSettings(Model):
    # Extra sources for PostgreSQL (5432), e.g. a VPN or bastion range. Private ranges only: the
    # database has no route to the internet, so a public range is a mistake or a hole.
    database_management_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list)

    @field_validator("database_management_cidrs")
    @classmethod
    def _private_ranges(cls, cidrs: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
        for cidr in cidrs:
            if not any(cidr.subnet_of(block) for block in _RFC1918):
                raise ValueError(
                    f"{cidr} is not inside a private range (10/8, 172.16/12, 192.168/16); the database admits private sources only"
                )
        if len(set(cidrs)) != len(cidrs):
            raise ValueError("management CIDRs must not repeat")
        return cidrs
