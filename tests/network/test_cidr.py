"""Subnet carving: inside the VPC, never overlapping, and stable when AZs are added."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.network.cidr import MAX_AZS, TIERS, carve_subnets

vpcs = st.builds(
    lambda address, prefix: str(ipaddress.ip_network(f"{ipaddress.IPv4Address(address)}/{prefix}", strict=False)),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=16, max_value=23),
)
az_counts = st.integers(min_value=1, max_value=MAX_AZS)


@given(vpcs, az_counts)
def test_carved_subnets_lie_inside_the_vpc_and_never_overlap(vpc, azs):
    carved = carve_subnets(vpc, azs)
    networks = [ipaddress.ip_network(c) for tier in TIERS for c in carved[tier]]
    assert len(networks) == 3 * azs
    assert all(n.subnet_of(ipaddress.ip_network(vpc)) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


@given(vpcs, az_counts)
def test_carving_is_deterministic(vpc, azs):
    assert carve_subnets(vpc, azs) == carve_subnets(vpc, azs)


@given(vpcs, st.integers(min_value=1, max_value=MAX_AZS - 1))
def test_adding_a_zone_keeps_every_existing_subnet(vpc, azs):
    fewer, more = carve_subnets(vpc, azs), carve_subnets(vpc, azs + 1)
    for tier in TIERS:
        assert more[tier][:azs] == fewer[tier]


@given(vpcs, az_counts)
def test_workload_subnets_are_the_largest(vpc, azs):
    carved = carve_subnets(vpc, azs)
    app = ipaddress.ip_network(carved["private-app"][0])
    assert all(app.num_addresses > ipaddress.ip_network(c).num_addresses for c in carved["public"] + carved["private-data"])


def test_known_layout_of_a_slash_16():
    assert carve_subnets("10.1.0.0/16", 2) == {
        "public": ["10.1.160.0/21", "10.1.168.0/21"],
        "private-app": ["10.1.0.0/19", "10.1.32.0/19"],
        "private-data": ["10.1.128.0/21", "10.1.136.0/21"],
    }


@pytest.mark.parametrize("vpc, azs, message", [("10.0.0.0/16", 5, "1 to 4"), ("10.0.0.0/24", 2, "too small")])
def test_impossible_carvings_are_refused(vpc, azs, message):
    with pytest.raises(ValueError, match=message):
        carve_subnets(vpc, azs)
