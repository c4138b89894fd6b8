"""RTO and RPO of each stack, derived from its settings, stated in the README and exported."""

from __future__ import annotations

from datetime import timedelta

import pytest

from components.recovery.objectives import duration_text
from tools.engine import PROJECT_DIR

EXPECTED = {
    "staging": {
        "bad deploy": ("0", "15 min"),
        "bad deploy that corrupted data, or deleted data": ("5 min", "45 min"),
        "deleted data noticed later": ("24 h", "45 min"),
        "lost availability zone": ("5 min", "45 min"),
        "lost region": ("none", "none"),
    },
    "production": {
        "bad deploy": ("0", "15 min"),
        "bad deploy that corrupted data, or deleted data": ("5 min", "45 min"),
        "deleted data noticed later": ("24 h", "45 min"),
        "lost availability zone": ("0", "2 min"),
        # A daily copy: 24 hours between recovery points plus the 8-hour completion window.
        "lost region": ("32 h", "4 h"),
    },
}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_each_stack_exports_its_objectives(request, stack):
    exported = request.getfixturevalue(f"{stack}_plan").outputs["recoveryObjectives"]
    assert {failure: (o["rpo"], o["rto"]) for failure, o in exported.items()} == EXPECTED[stack]


def test_production_names_the_region_it_recovers_in(production_plan):
    assert "ap-southeast-4" in production_plan.outputs["recoveryObjectives"]["lost region"]["how"]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_readme_states_the_same_figures(stack):
    readme = (PROJECT_DIR / "README.md").read_text()
    for failure, (rpo, rto) in EXPECTED[stack].items():
        assert f"| {stack} | {failure} | {rpo} | {rto} |" in readme


@pytest.mark.parametrize(
    "value, text",
    [
        (None, "none"),
        (timedelta(0), "0"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=32), "32 h"),
        (timedelta(minutes=150), "2 h 30 min"),
    ],
)
def test_durations_read_like_the_readme(value, text):
    assert duration_text(value) == text
