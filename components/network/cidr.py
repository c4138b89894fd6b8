"""Subnet CIDR carving: a pure function, so every stack without explicit subnet lists gets the same layout."""

from __future__ import annotations

import ipaddress

TIERS = ("public", "private-app", "private-data")
MAX_AZS = 4

# Layout inside a VPC of prefix /n, one subnet per AZ in each tier:
#   private-app   /n+3, the first half of the VPC: EKS pods take their IPs from these subnets;
#   private-data  /n+5, from the start of the second half;
#   public        /n+5, right after private-data (only the ALB and NAT gateways live there);
#   the last quarter stays free for later tiers.
# Each AZ keeps its slot whatever the AZ count, so adding an AZ never moves an existing subnet.
_LAYOUT = {
    "private-app": (3, 0),
    "private-data": (5, 16),
    "public": (5, 20),
}


def carve_subnets(vpc_cidr: str, az_count: int) -> dict[str, list[str]]:
    """'10.1.0.0/16', 2 -> {'public': ['10.1.160.0/21', '10.1.168.0/21'], ...}; raises ValueError."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if not 1 <= az_count <= MAX_AZS:
        raise ValueError(f"can carve subnets for 1 to {MAX_AZS} availability zones, not {az_count}")
    if vpc.prefixlen + 5 > 28:
        raise ValueError(f"{vpc} is too small to carve: subnets would be smaller than /28")
    carved: dict[str, list[str]] = {}
    for tier in TIERS:
        extra_bits, first_slot = _LAYOUT[tier]
        blocks = list(vpc.subnets(prefixlen_diff=extra_bits))
        carved[tier] = [str(blocks[first_slot + az]) for az in range(az_count)]
    return carved
