"""The savings the cost report lists: each cost setting of a stack, turned back one at a time."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import stack_config
from tools.cost import cost_report
from tools.savings import SAVINGS, savings, x86_equivalent


@pytest.mark.parametrize(
    "graviton, x86",
    [
        ("t4g.medium", "t3.medium"),
        ("m7g.xlarge", "m7i.xlarge"),
        ("db.t4g.micro", "db.t3.micro"),
        ("cache.t4g.micro", "cache.t3.micro"),
        ("t3.large", "t3.large"),
    ],
)
def test_each_graviton_class_has_a_same_size_x86_twin(graviton, x86):
    assert x86_equivalent(graviton) == x86


def test_staging_uses_every_saving_and_production_none():
    staging, production = stack_config("staging"), stack_config("production")
    assert [s.what.split(" (")[0] for s in SAVINGS if s.used(staging)] == [
        "NAT instance instead of NAT gateways",
        "Spot runner nodes",
        "Graviton Fargate tasks, nodes, NAT instance and data tier",
        "no apps node group while the apps run on ECS",
        "Fargate Spot for workers, jobs and scaled-out tasks",
    ]
    assert [s.what for s in SAVINGS if s.used(production)] == []


def test_turning_graviton_back_gives_x86_twins_everywhere():
    config = copy.deepcopy(stack_config("staging"))
    next(s for s in SAVINGS if s.what.startswith("Graviton")).revert(config)
    assert config["ohmycoins:general"]["architecture"] == "x86_64"
    assert config["ohmycoins:eks"]["nodeGroups"]["runners"]["instanceTypes"] == ["t3.xlarge", "m5.xlarge", "m7i.xlarge"]
    assert config["ohmycoins:network"]["natInstanceType"] == "t3.nano"
    assert (config["ohmycoins:database"]["instanceClass"], config["ohmycoins:cache"]["nodeType"]) == ("db.t3.micro", "cache.t3.micro")


def test_the_nat_instance_saves_what_a_nat_gateway_would_cost_over_it(staging_plan):
    config = stack_config("staging")
    monthly = cost_report(staging_plan).total
    nat_only = [s for s in SAVINGS if s.what.startswith("NAT instance")]
    found = dict(savings("staging", config, monthly, lambda plan: cost_report(plan).total, saving_list=nat_only))
    # A NAT gateway (hours and 20 GB processed) minus a t4g.nano with its 8 GB disk; the address stays.
    gateway = 0.059 * 730 + 0.059 * 20
    instance = 0.0053 * 730 + 0.096 * 8
    assert found["NAT instance instead of NAT gateways (network.natType: instance)"] == pytest.approx(gateway - instance, abs=0.01)
