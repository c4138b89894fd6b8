"""Each stack is planned once per test session; tests read the captured plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import SettingsError
from tools.engine import PROJECT_DIR, run_stack
from tools.plan_model import Plan


@pytest.fixture(scope="session")
def staging_plan() -> Plan:
    return run_stack("staging")


@pytest.fixture(scope="session")
def production_plan() -> Plan:
    return run_stack("production")


EKS_APPS_STACK_FILE = PROJECT_DIR / "tests" / "stacks" / "Pulumi.eks-apps.yaml"


@pytest.fixture(scope="session")
def eks_apps_plan() -> Plan:
    """Staging's settings with the applications on EKS (tests/stacks/Pulumi.eks-apps.yaml)."""
    return run_stack("eks-apps", EKS_APPS_STACK_FILE)


@pytest.fixture(scope="session")
def paused_plan(staging_plan) -> Plan:
    """Staging paused, planned as an update of its running plan (ignored inputs keep their values)."""
    from tools.variants import run_variant, set_paused

    return run_variant("staging", set_paused(True), prior=staging_plan)


@pytest.fixture(scope="session")
def resumed_plan(paused_plan) -> Plan:
    """Staging resumed, planned as an update of the paused plan."""
    from tools.variants import run_variant, set_paused

    return run_variant("staging", set_paused(False), prior=paused_plan)


@pytest.fixture(params=["staging", "production"], scope="session")
def any_plan(request, staging_plan, production_plan) -> Plan:
    return {"staging": staging_plan, "production": production_plan}[request.param]


def stack_config(stack: str) -> dict[str, Any]:
    return yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]


@pytest.fixture
def plan_variant(tmp_path: Path) -> Callable[..., Plan]:
    """Plans a copy of a stack file after `change(config)` edits it; returns the plan or raises its error."""

    def plan(base: str, change: Callable[[dict[str, Any]], None], stack: str | None = None) -> Plan:
        config = stack_config(base)
        change(config)
        path = tmp_path / f"Pulumi.{stack or base}.yaml"
        path.write_text(yaml.safe_dump({"config": config}))
        return run_stack(stack or base, path)

    return plan


@pytest.fixture(scope="session")
def staging_extras(tmp_path_factory) -> Plan:
    """Staging with every optional data-tier feature on: management range, optional credentials."""
    config = stack_config("staging")
    config["ohmycoins:firewall"]["databaseManagementCidrs"] = ["10.50.0.0/16"]
    for key in ("anthropicApiKey", "sentryDsn"):
        config["ohmycoins:credentials"][key] = {"secure": "v1:REPLACE-WITH-PULUMI-CONFIG-SET-SECRET"}
    path = tmp_path_factory.mktemp("extras") / "Pulumi.staging.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return run_stack("staging", path)


@pytest.fixture(scope="session")
def adopting_plan(tmp_path_factory) -> tuple[Plan, dict[str, str]]:
    """Staging adopting resources Terraform built (tests/adopting_stack.py), and the secret strings it writes."""
    from tests.adopting_stack import plan_recording_secrets, write_adopting_stack

    path = write_adopting_stack(stack_config("staging"), tmp_path_factory.mktemp("adopting") / "Pulumi.staging.yaml")
    return plan_recording_secrets(path)


@pytest.fixture
def assert_refused(plan_variant) -> Callable[..., list[tuple[str, str]]]:
    """Plans an edited stack file and asserts the settings refuse it, naming `key` with `reason`."""

    def check(base: str, change: Callable[[dict[str, Any]], None], key: str, reason: str) -> list[tuple[str, str]]:
        with pytest.raises(SettingsError) as caught:
            plan_variant(base, change)
        assert any(k == key and reason in why for k, why in caught.value.problems), caught.value.problems
        return caught.value.problems

    return check
