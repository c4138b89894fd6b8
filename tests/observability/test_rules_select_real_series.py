"""Every alert rule of every stack selects series that stack really produces.

Read from the plans: the PrometheusRule's expressions, and what feeds Prometheus there (the
ServiceMonitors or Cloud Map scrape configs of the apps, the CronJobs, or the CloudWatch exporter
of the ECS jobs' state machines). A rule fails the test when it is a constant (`vector(0) > 1`),
reads a metric no source produces, or names a namespace, scrape job or scheduled job the stack
does not have.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.observability.test_observability import values

SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}")
MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"')
# Metric names written without braces (`node_memory_MemAvailable_bytes`).
BARE = re.compile(r"\b((?:node|kube|aws|http|database)_[A-Za-z0-9_]+|up)\b(?!\s*[({])")

KUBE_STATE_METRICS = "kube_"
NODE_EXPORTER = "node_"
APP_METRICS = {"up", "http_requests_total", "database_connection_errors_total"}
JOB_RUN_METRICS = {"ExecutionsSucceeded": "aws_states_executions_succeeded_sum", "ExecutionsFailed": "aws_states_executions_failed_sum"}


def _rules(plan) -> dict[str, str]:
    groups = values(plan, "monitoring-kube-prometheus-stack")["additionalPrometheusRulesMap"]["omc-alert-rules"]["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def _names(pattern: str) -> set[str]:
    """'(a|b)-[0-9]+' or 'a|b' -> {'a', 'b'}: the names a label regex admits."""
    return set(pattern.removesuffix("-[0-9]+").strip("()").split("|"))


class Sources:
    """What the plan feeds Prometheus with."""

    def __init__(self, plan):
        self.plan = plan
        stack = values(plan, "monitoring-kube-prometheus-stack")
        prometheus = stack["prometheus"]
        self.scrape_jobs: dict[str, str] = {}  # job label -> the namespace label its series carry
        for monitor in prometheus["additionalServiceMonitors"]:
            [namespace] = monitor["namespaceSelector"]["matchNames"]
            self.scrape_jobs[monitor["name"]] = namespace
        services = plan.outputs.get("ecsServiceNames", {})
        discovery = plan.outputs.get("serviceDiscoveryNamespace")
        for config in prometheus["prometheusSpec"]["additionalScrapeConfigs"]:
            [sd] = config["dns_sd_configs"]
            # Each DNS name is a real ECS service of the stack in its Cloud Map namespace.
            assert sd["names"] == [f"{config['job_name']}.{discovery}"] and config["job_name"] in services
            [relabel] = config["relabel_configs"]
            assert relabel["target_label"] == "namespace"
            self.scrape_jobs[config["job_name"]] = relabel["replacement"]
        self.cron_jobs = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["namespace"] for r in plan.all("kubernetes:batch/v1:CronJob")}
        self.k8s_namespaces = {r.inputs["metadata"]["name"] for r in plan.all("kubernetes:core/v1:Namespace")}
        self.job_runs: dict[str, str] = {}  # ECS job -> namespace label of its run series
        self.job_run_metrics: set[str] = set()
        exporters = [r for r in plan.all("kubernetes:helm.sh/v3:Release") if r.name == "monitoring-cloudwatch-exporter"]
        if exporters:
            exporter = exporters[0].inputs["values"]
            config = json.loads(exporter["config"])
            machines = {m.inputs["name"]: m for m in plan.all("aws:sfn/stateMachine:StateMachine")}
            relabel = {r["targetLabel"]: r for r in exporter["serviceMonitor"]["metricRelabelings"]}
            prefix = f"ohmycoins-{plan.stack}-"
            for metric in config["metrics"]:
                assert metric["aws_namespace"] == "AWS/States"
                self.job_run_metrics.add(JOB_RUN_METRICS[metric["aws_metric_name"]])
                for arn in metric["aws_dimension_select"]["StateMachineArn"]:
                    name = arn.rsplit(":", 1)[1]
                    assert name in machines, arn  # a state machine of this stack
                    job = re.fullmatch(relabel["job_name"]["regex"], arn)[1]
                    assert f"{prefix}{job}" == name
                    self.job_runs[job] = relabel["namespace"]["replacement"]

    def produces(self, metric: str) -> bool:
        if metric.startswith((KUBE_STATE_METRICS, NODE_EXPORTER)):
            return True  # kube-prometheus-stack's kube-state-metrics and node exporter, on every cluster
        if metric in APP_METRICS:
            return bool(self.scrape_jobs)
        return metric in self.job_run_metrics

    def scheduled_jobs(self) -> dict[str, str]:
        return self.cron_jobs or self.job_runs


@pytest.fixture(params=["staging", "production", "eks-apps"])
def stack_plan(request):
    return request.getfixturevalue({"staging": "staging_plan", "production": "production_plan", "eks-apps": "eks_apps_plan"}[request.param])


def test_every_rule_reads_real_series_of_its_stack(stack_plan):
    sources = Sources(stack_plan)
    apps_namespace = f"ohmycoins-{stack_plan.stack}"
    rules = _rules(stack_plan)
    assert len(rules) == 13
    for alert, expr in rules.items():
        assert "vector(" not in expr, alert
        selectors = SELECTOR.findall(expr)
        bare = BARE.findall(SELECTOR.sub("", expr))
        assert selectors or bare, f"{alert} reads no series: {expr}"
        for metric in [m for m, _ in selectors] + bare:
            assert sources.produces(metric), f"{alert}: nothing in stack '{stack_plan.stack}' produces {metric}"
        for _metric, body in selectors:
            for label, _, value in MATCHER.findall(body):
                if label == "namespace":
                    assert value == apps_namespace, (alert, value)
                elif label == "job":
                    assert _names(value) <= set(sources.scrape_jobs), (alert, value, sources.scrape_jobs)
                    assert {sources.scrape_jobs[j] for j in _names(value)} == {apps_namespace}, alert
                elif label in ("job_name", "cronjob"):
                    jobs = sources.scheduled_jobs()
                    assert _names(value) <= set(jobs), (alert, value, jobs)
                    assert {jobs[j] for j in _names(value)} == {apps_namespace}, alert


@pytest.mark.parametrize("stack, scraped, jobs", [("staging", "dns", "step-functions"), ("eks-apps", "service-monitors", "cronjobs")])
def test_app_and_job_series_come_from_the_platform_that_runs_them(request, stack, scraped, jobs):
    plan = request.getfixturevalue({"staging": "staging_plan", "eks-apps": "eks_apps_plan"}[stack])
    sources = Sources(plan)
    ns = f"ohmycoins-{stack}"
    assert sources.scrape_jobs == {"agents": ns, "backend": ns}
    prometheus = values(plan, "monitoring-kube-prometheus-stack")["prometheus"]
    by_dns = [c["job_name"] for c in prometheus["prometheusSpec"]["additionalScrapeConfigs"]]
    by_monitor = [m["name"] for m in prometheus["additionalServiceMonitors"]]
    assert (sorted(by_dns), sorted(by_monitor)) == ((["agents", "backend"], []) if scraped == "dns" else ([], ["agents", "backend"]))
    expected_jobs = {"coinspot-announcements": ns, "defillama": ns, "sec-api": ns}
    assert (sources.job_runs, sources.cron_jobs) == ((expected_jobs, {}) if jobs == "step-functions" else ({}, expected_jobs))
    if jobs == "cronjobs":
        assert ns in sources.k8s_namespaces


def test_the_checker_refuses_a_constant_or_a_foreign_namespace(staging_plan):
    sources = Sources(staging_plan)
    assert not sources.produces("made_up_metric")
    assert SELECTOR.findall("vector(0) > 1") == [] and BARE.findall("vector(0) > 1") == []
    assert _names("(defillama|sec-api)-[0-9]+") == {"defillama", "sec-api"}
