"""Backup storage, copies and the restore drill in the monthly cost."""

from __future__ import annotations

import pytest

from tools.cost import cost_report
from tools.cost_recovery import rule_storage_gb


def test_a_daily_rule_keeps_one_full_point_and_incremental_ones():
    # 35 daily points of a 30 GB database changing 1 % a day: 30 + 34 x 0.3 GB.
    warm, cold = rule_storage_gb({"lifecycle": {"deleteAfter": 35}}, 30, 0.01, 30.4167)
    assert warm == pytest.approx(40.2, abs=0.05) and cold == 0


def test_cold_storage_takes_the_points_older_than_its_threshold():
    # 12 monthly points of 10 GB changing 1 % a day; the last 335 of 365 days are cold.
    warm, cold = rule_storage_gb({"lifecycle": {"deleteAfter": 365, "coldStorageAfter": 30}}, 10, 0.01, 1.0)
    total = 10 + 11 * 10 * 0.01 * 30.4167
    assert warm + cold == pytest.approx(total, rel=1e-3)
    assert cold == pytest.approx(total * 335 / 365, rel=1e-3)


def _lines(plan, resource):
    return [line for line in cost_report(plan).lines if line.resource == resource]


def test_production_pays_for_copies_in_the_second_region_and_the_transfer(production_plan):
    what = [line.what for line in _lines(production_plan, "backups-database")]
    assert any(w.startswith("daily: copies in ap-southeast-4") for w in what)
    assert any(w.startswith("monthly: copies in ap-southeast-4") for w in what)
    assert any("copied out per month" in w for w in what)
    assert not [w for w in what if "cold storage" in w]  # RDS snapshots have no cold tier


def test_staging_keeps_its_backups_at_home(staging_plan):
    what = [line.what for line in _lines(staging_plan, "backups-database") + _lines(staging_plan, "backups-file-systems")]
    assert what and not [w for w in what if "ap-southeast-4" in w or "copied out" in w]


def test_the_drill_costs_a_small_instance_for_an_hour_a_month(production_plan):
    lines = {line.what: line.monthly for line in _lines(production_plan, "restore-drill-state-machine")}
    (instance,) = [w for w in lines if "restored instance" in w]
    assert instance == "1.0 h of a db.t3.small restored instance"
    assert sum(lines.values()) < 1
