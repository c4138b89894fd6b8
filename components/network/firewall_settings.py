"""`ohmycoins:firewall`: what the security groups admit beyond the fixed least-privilege rules."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.shared.settings_model import Model

_RFC1918 = [ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]

# The groups of the Firewall, by role.
GroupRole = Literal["alb", "app", "database", "cache"]

# CreateSecurityGroup in a VPC: names and descriptions up to 255 of these characters.
_GROUP_TEXT = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$")


def _group_text(value: str) -> str:
    if len(value) > 255 or not _GROUP_TEXT.match(value):
        raise ValueError(f"'{value}' is not valid for a VPC security group: up to 255 of a-z A-Z 0-9 space ._-:/()#,@[]+=&;{{}}!$*")
    return value


def _group_name(value: str) -> str:
    if not value or value.lower().startswith("sg-"):
        raise ValueError(f"'{value}' is not a security group name: it must not be empty or start with 'sg-'")
    return _group_text(value)


class GroupIdentity(Model):
    """A security group's name and description: AWS fixes both at creation (a change replaces the group)."""

    name: Annotated[str, AfterValidator(_group_name)]
    description: Annotated[str, AfterValidator(_group_text)]


class FirewallSettings(Model):
    # Extra sources for PostgreSQL (5432), e.g. a VPN or bastion range. Private ranges only: the
    # database has no route to the internet, so a public range is a mistake or a hole.
    database_management_cidrs: list[ipaddress.IPv4Network] = Field(default_factory=list)
    # Name and description per group role, for groups made elsewhere that the stack adopts;
    # a role left out gets `<prefix>-<role>` and the program's description.
    groups: dict[GroupRole, GroupIdentity] = Field(default_factory=dict)

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
