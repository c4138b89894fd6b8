"""The original's 13 alert rules, with thresholds and severities, and its logic bugs fixed."""

from __future__ import annotations

import re

import pytest
import yaml

from components.compute.schedule_gaps import cron_max_gap_seconds
from k8s.alert_rules import alert_rule_groups

SCHEDULES = {"defillama": "0 2 * * *", "sec-api": "0 3 * * *", "coinspot-announcements": "0 * * * *"}


@pytest.fixture(scope="module")
def rules():
    groups = alert_rule_groups("apps", ["agents", "backend"], SCHEDULES)
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


# alert -> (severity, for, a threshold the expression must carry)
EXPECTED = {
    "HighNodeCPU": ("warning", "5m", "> 80"),
    "HighNodeMemory": ("warning", "5m", "> 85"),
    "LowDiskSpace": ("warning", "5m", "< 15"),
    "PodRestarting": ("warning", "5m", "> 0"),
    "PodCrashLooping": ("critical", "5m", ">= 1"),
    "PodNotReady": ("warning", "10m", "> 0"),
    "HighErrorRate": ("warning", "5m", "> 0.05"),
    "ApplicationDown": ("critical", "2m", "== 0"),
    "DatabaseConnectionFailures": ("critical", "5m", "> 0"),
    "CollectorJobFailed": ("warning", "5m", "> 0"),
    "CollectorMissedRun": ("warning", "5m", "> 90000"),
    "PersistentVolumeIssues": ("warning", "5m", "== 1"),
    "PVCPending": ("warning", "5m", "== 1"),
}


def test_all_13_rules_are_present_in_the_originals_groups():
    groups = alert_rule_groups("apps", ["backend"], SCHEDULES)
    assert [g["name"] for g in groups] == [
        "infrastructure_alerts",
        "pod_alerts",
        "application_alerts",
        "collector_alerts",
        "storage_alerts",
    ]
    assert [g["interval"] for g in groups] == ["30s", "30s", "30s", "60s", "30s"]
    assert sorted(r["alert"] for g in groups for r in g["rules"]) == sorted(EXPECTED)


@pytest.mark.parametrize("alert", sorted(EXPECTED))
def test_rule_threshold_severity_and_duration(rules, alert):
    severity, for_, threshold = EXPECTED[alert]
    rule = rules[alert]
    assert rule["labels"] == {"severity": severity}
    assert rule["for"] == for_
    assert threshold in rule["expr"]
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]


@pytest.mark.parametrize("alert", sorted(EXPECTED))
def test_expressions_are_balanced(rules, alert):
    expr = rules[alert]["expr"]
    for opening, closing in ("()", "{}", "[]"):
        depth = 0
        for char in expr:
            depth += (char == opening) - (char == closing)
            assert depth >= 0
        assert depth == 0, f"{alert}: unbalanced {opening}{closing}"
    assert expr.count('"') % 2 == 0


def test_application_down_uses_the_jobs_service_monitors_produce(rules):
    expr = rules["ApplicationDown"]["expr"]
    assert 'job=~"agents|backend"' in expr and 'namespace="apps"' in expr
    assert "kubernetes-pods" not in expr and "collectors" not in expr


def test_high_error_rate_is_a_ratio_of_5xx_to_all_requests(rules):
    expr = rules["HighErrorRate"]["expr"]
    numerator, denominator = expr.split(" / ")
    assert 'status=~"5.."' in numerator
    assert "status" not in denominator
    assert denominator.endswith("> 0.05")


def test_collector_missed_run_has_a_threshold_per_schedule(rules):
    expr = rules["CollectorMissedRun"]["expr"]
    thresholds = dict(re.findall(r'cronjob="([^"]+)"\}\) > (\d+)', expr))
    # The longest gap between two runs, plus an hour's grace.
    assert thresholds == {"defillama": "90000", "sec-api": "90000", "coinspot-announcements": "7200"}


def test_pod_not_ready_ignores_finished_pods(rules):
    expr = rules["PodNotReady"]["expr"]
    assert "Succeeded" not in expr and 'phase!="Running"' not in expr
    assert 'phase=~"Pending|Unknown"' in expr


def test_collector_job_failed_only_for_recent_jobs(rules):
    expr = rules["CollectorJobFailed"]["expr"]
    assert "kube_job_created" in expr and "< 3600" in expr


def test_a_stack_without_scheduled_jobs_gets_no_collector_rules_rather_than_constant_ones():
    groups = alert_rule_groups("apps", ["backend"], {})
    rules = {r["alert"]: r for g in groups for r in g["rules"]}
    assert sorted(set(EXPECTED) - set(rules)) == ["CollectorJobFailed", "CollectorMissedRun"]
    assert not any("vector(" in r["expr"] for r in rules.values())
    yaml.safe_load(yaml.safe_dump(groups))


def test_application_down_also_fires_when_a_service_has_no_target_left(rules):
    expr = rules["ApplicationDown"]["expr"]
    assert 'absent(up{namespace="apps",job="agents"})' in expr and 'absent(up{namespace="apps",job="backend"})' in expr


@pytest.fixture(scope="module")
def ecs_rules():
    groups = alert_rule_groups("apps", ["agents", "backend"], SCHEDULES, "step-functions")
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def test_jobs_on_ecs_fail_through_their_step_functions_runs(ecs_rules):
    expr = ecs_rules["CollectorJobFailed"]["expr"]
    assert expr == (
        'max by (namespace, job_name) (max_over_time(aws_states_executions_failed_sum{namespace="apps",'
        'job_name=~"coinspot-announcements|defillama|sec-api"}[3600s])) > 0'
    )
    # A failed run shows as one 5-minute datapoint: no `for` that it would never outlast.
    assert ecs_rules["CollectorJobFailed"]["for"] == "0m"


def test_jobs_on_ecs_miss_a_run_when_no_success_shows_for_the_gap_plus_an_hour(ecs_rules):
    expr = ecs_rules["CollectorMissedRun"]["expr"]
    windows = dict(
        re.findall(r'absent_over_time\(aws_states_executions_succeeded_sum\{namespace="apps",cronjob="([^"]+)"\}\[(\d+)s\]\)', expr)
    )
    assert windows == {"defillama": "90000", "sec-api": "90000", "coinspot-announcements": "7200"}


@pytest.mark.parametrize(
    "schedule, gap",
    [
        ("0 * * * *", 3600),
        ("0 2 * * *", 86400),
        ("*/15 * * * *", 900),
        ("0 2 * * 1", 604800),
        ("0 2,14 * * *", 43200),
        ("0 9 * * 1-5", 3 * 86400),
        # Monthly: the longest month decides (31 days).
        ("0 2 1 * *", 31 * 86400),
    ],
)
def test_cron_max_gap(schedule, gap):
    assert cron_max_gap_seconds(schedule) == gap


@pytest.mark.parametrize("bad", ["* * * *", "61 * * * *", "0 3 30 2 *"])
def test_cron_max_gap_rejects_what_it_cannot_judge(bad):
    with pytest.raises(ValueError):
        cron_max_gap_seconds(bad)
