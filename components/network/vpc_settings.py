"""`ohmycoins:network`: the VPC, its three subnet tiers, NAT strategy, flow logs and endpoints."""

from __future__ import annotations

import ipaddress
import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from components.network.cidr import MAX_AZS, carve_subnets
from components.shared.settings_model import Model, Path, Problem, check_log_retention

InterfaceEndpoint = Literal["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts"]

_AZ_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")

# Stack-file key of each tier's optional explicit list.
TIER_KEYS = {"public": "publicSubnets", "private-app": "privateAppSubnets", "private-data": "privateDataSubnets"}


def _subnet(value: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    if not 16 <= value.prefixlen <= 28:
        raise ValueError(f"{value}: AWS subnets are /16 to /28")
    return value


Subnet = Annotated[ipaddress.IPv4Network, AfterValidator(_subnet)]


class NetworkSettings(Model):
    vpc_cidr: ipaddress.IPv4Network
    availability_zones: list[str] = Field(min_length=2, max_length=MAX_AZS)
    # none: no internet egress from private subnets; single: one NAT (cheap, one AZ's outage
    # cuts egress); per-az: one NAT per AZ (what production needs to survive an AZ failure).
    nat_strategy: Literal["none", "single", "per-az"]
    # gateway: the managed NAT gateway (scales, no upkeep). instance: a small EC2 instance per NAT
    # (about a tenth of the price; one instance, one AZ, restarted by EC2 auto-recovery, not HA).
    nat_type: Literal["gateway", "instance"] = "gateway"
    # The NAT instance's type; its architecture picks the Amazon Linux image (t4g: arm64).
    nat_instance_type: str = "t4g.nano"
    flow_log_retention_days: Annotated[int, AfterValidator(check_log_retention)]
    interface_endpoints: list[InterfaceEndpoint] = Field(default_factory=list)
    public_subnets: list[Subnet] | None = None
    private_app_subnets: list[Subnet] | None = None
    private_data_subnets: list[Subnet] | None = None

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_size(cls, value: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not 16 <= value.prefixlen <= 23:
            raise ValueError(f"{value}: the VPC must be /16 to /23 to hold three subnet tiers")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _az_names(cls, zones: list[str]) -> list[str]:
        for zone in zones:
            if not _AZ_NAME.match(zone):
                raise ValueError(f"'{zone}' is not an availability zone name like ap-southeast-2a")
        if len(set(zones)) != len(zones):
            raise ValueError("availability zones must not repeat")
        return zones

    @field_validator("nat_instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        if not _INSTANCE_TYPE.match(value):
            raise ValueError(f"'{value}' is not an EC2 instance type like t4g.nano")
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _unique_endpoints(cls, endpoints: list[str]) -> list[str]:
        if len(set(endpoints)) != len(endpoints):
            raise ValueError("interface endpoints must not repeat")
        return endpoints

    def explicit_subnets(self, tier: str) -> list[Subnet] | None:
        return {
            "public": self.public_subnets,
            "private-app": self.private_app_subnets,
            "private-data": self.private_data_subnets,
        }[tier]

    @cached_property
    def subnets(self) -> dict[str, list[str]]:
        """CIDRs per tier: the stack's lists where given, otherwise carved from the VPC CIDR."""
        carved = carve_subnets(str(self.vpc_cidr), len(self.availability_zones))
        return {
            tier: carved[tier] if self.explicit_subnets(tier) is None else [str(n) for n in self.explicit_subnets(tier)]
            for tier in TIER_KEYS
        }

    def production_problems(self) -> list[Problem]:
        if self.nat_type == "instance":
            return [Problem(("natType",), "production keeps managed NAT gateways: a NAT instance is a single point of failure")]
        return []

    def problems(self) -> list[Problem]:
        problems: list[Problem] = []
        az_count = len(self.availability_zones)
        seen: list[tuple[ipaddress.IPv4Network, Path, str]] = []
        for tier, key in TIER_KEYS.items():
            explicit = self.explicit_subnets(tier) is not None
            if explicit and len(self.subnets[tier]) != az_count:
                problems.append(
                    Problem(
                        (key,), f"has {len(self.subnets[tier])} subnets but {az_count} availability zones are configured; give one per zone"
                    )
                )
            for index, cidr in enumerate(self.subnets[tier]):
                subnet = ipaddress.IPv4Network(cidr)
                path: Path = (key, index)
                label = f"{key}[{index}] ({subnet})" if explicit else f"the carved {tier} subnet {subnet}"
                if explicit and not subnet.subnet_of(self.vpc_cidr):
                    problems.append(Problem(path, f"{subnet} is not inside the VPC CIDR {self.vpc_cidr}"))
                for other, other_path, other_label in seen:
                    # Carved subnets never overlap each other, so one side is the stack's own list:
                    # report it there.
                    if subnet.overlaps(other) and explicit:
                        problems.append(Problem(path, f"{subnet} overlaps {other_label}"))
                    elif subnet.overlaps(other):
                        problems.append(Problem(other_path, f"{other} overlaps {label}"))
                seen.append((subnet, path, label))
        return problems
