"""Each adoption runs once per session (it plans the program twice); tests read its result."""

from __future__ import annotations

import pytest

from tools.adopt.run import AdoptionResult, adopt

from .state_builder import staging_state, without, write

# The NAT gateway, its address, its routes and the private-app route tables, removed by hand.
PAUSED = (
    "aws_nat_gateway",
    "aws_eip",
    "aws_route.private_app_nat",
    "aws_route_table.private_app",
    "aws_route_table_association.private_app",
)


@pytest.fixture(scope="session")
def own(tmp_path_factory) -> AdoptionResult:
    directory = tmp_path_factory.mktemp("own")
    return adopt(write(staging_state(), directory / "staging.tfstate"), "staging", directory / "out")


@pytest.fixture(scope="session")
def own_paused(tmp_path_factory) -> AdoptionResult:
    directory = tmp_path_factory.mktemp("paused")
    return adopt(write(without(staging_state(), *PAUSED), directory / "staging.tfstate"), "staging", directory / "out")
