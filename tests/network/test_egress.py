"""natStrategy none is accepted only when nothing in the private subnets needs more than the VPC's endpoints."""

from __future__ import annotations

from dataclasses import replace

import pytest

from components.compute.apps_settings import AppsSettings
from components.compute.eks.eks_settings import EksSettings
from components.compute.workloads import CATALOG
from components.network.egress import egress_problems
from components.network.vpc_settings import NetworkSettings
from tests.conftest import stack_config

INTERNET_WORKLOADS = "backend, defillama, sec-api, coinspot-announcements, reddit, cryptopanic, agents"


def settings(stack: str, network: dict | None = None, apps: dict | None = None, eks: dict | None = None):
    config = stack_config(stack)
    return (
        NetworkSettings.model_validate({**config["ohmycoins:network"], **(network or {})}),
        AppsSettings.model_validate({**config["ohmycoins:apps"], **(apps or {})}),
        EksSettings.model_validate({**config["ohmycoins:eks"], **(eks or {})}),
    )


def no_nat(config):
    config["ohmycoins:network"]["natStrategy"] = "none"


@pytest.mark.parametrize(
    "key, reason",
    [
        ("ohmycoins:network.natStrategy", "the EKS nodes pull the controllers', monitoring's and runners' images from public registries"),
        ("ohmycoins:network.natStrategy", f"is none, but {INTERNET_WORKLOADS} call services on the internet"),
        ("ohmycoins:network.interfaceEndpoints", "add ecr.api, ecr.dkr, logs, secretsmanager"),
        ("ohmycoins:apps.ecsExec", "ECS Exec sessions reach Systems Manager (ssmmessages)"),
    ],
)
def test_staging_without_nat_is_refused_saying_what_to_add(assert_refused, key, reason):
    assert_refused("staging", no_nat, key, reason)


def test_production_has_the_endpoints_but_its_workloads_still_need_the_internet(assert_refused):
    problems = assert_refused("production", no_nat, "ohmycoins:network.natStrategy", "call services on the internet")
    assert not [key for key, _ in problems if key == "ohmycoins:network.interfaceEndpoints"]


def test_every_nat_strategy_but_none_needs_nothing_more():
    for strategy in ("single", "per-az"):
        assert egress_problems(*settings("staging", network={"natStrategy": strategy}), CATALOG) == []


def test_none_is_accepted_when_endpoints_serve_everything_that_runs():
    # A catalog whose only workload serves static files, on ECS, with the endpoints Fargate needs, no cluster.
    static_only = tuple(w for w in CATALOG if not w.internet_https)
    assert [w.name for w in static_only] == ["frontend"]
    network, apps, eks = settings(
        "production", network={"natStrategy": "none"}, eks={"enabled": False, "endpointPublicAccess": False, "publicAccessCidrs": []}
    )
    assert egress_problems(network, apps, eks, static_only) == []
    fewer = NetworkSettings.model_validate({**network.model_dump(by_alias=True, mode="json"), "interfaceEndpoints": ["ecr.dkr", "logs"]})
    assert egress_problems(fewer, apps, eks, static_only) == [
        (
            "network",
            ("interfaceEndpoints",),
            "natStrategy is none, so Fargate tasks pull images, write logs and read secrets through interface endpoints: "
            "add ecr.api, secretsmanager",
        )
    ]


def test_an_outside_registry_needs_the_internet_and_no_ecr_endpoint():
    network, apps, eks = settings(
        "production",
        network={"natStrategy": "none", "interfaceEndpoints": ["logs"]},
        apps={"imageRegistry": "ghcr.io/marklimmage"},
        eks={"enabled": False, "endpointPublicAccess": False, "publicAccessCidrs": []},
    )
    static_only = tuple(replace(w, internet_https=False) for w in CATALOG if w.name == "frontend")
    problems = {(area, path): reason for area, path, reason in egress_problems(network, apps, eks, static_only)}
    assert problems == {
        (
            "apps",
            ("imageRegistry",),
        ): "'ghcr.io/marklimmage' is outside the VPC and natStrategy is none: choose natStrategy single or per-az",
        ("network", ("interfaceEndpoints",)): "natStrategy is none, so Fargate tasks pull images, write logs and read secrets through "
        "interface endpoints: add secretsmanager",
    }
