"""CloudWatch alarms per stack, wired to the alert topic, on the dimensions AWS really publishes."""

from __future__ import annotations

import json

import pytest

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"

# key (after "<prefix>-") -> namespace, metric, statistic, comparison, threshold, period, evaluation periods, missing data
RDS = {
    "rds-cpu": ("AWS/RDS", "CPUUtilization", "Average", "GreaterThanThreshold", 80, 300, 2, "missing"),
    "rds-free-storage": ("AWS/RDS", "FreeStorageSpace", "Average", "LessThanThreshold", 10_737_418_240, 300, 1, "missing"),
    "rds-connections": ("AWS/RDS", "DatabaseConnections", "Average", "GreaterThanThreshold", 80, 300, 2, "missing"),
    "rds-freeable-memory": ("AWS/RDS", "FreeableMemory", "Average", "LessThanThreshold", 268_435_456, 300, 2, "missing"),
}
REDIS = {
    "redis-engine-cpu": ("AWS/ElastiCache", "EngineCPUUtilization", "Average", "GreaterThanThreshold", 75, 300, 2, "missing"),
    "redis-memory": ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Average", "GreaterThanThreshold", 80, 300, 2, "missing"),
    "redis-evictions": ("AWS/ElastiCache", "Evictions", "Sum", "GreaterThanThreshold", 1000, 300, 1, "notBreaching"),
}
TARGET_GROUP = {
    "5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", "GreaterThanThreshold", 10, 60, 2, "notBreaching"),
    "response-time": ("AWS/ApplicationELB", "TargetResponseTime", "Average", "GreaterThanThreshold", 2, 60, 2, "notBreaching"),
    "unhealthy-hosts": ("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", "GreaterThanThreshold", 0, 60, 2, "missing"),
}
SERVICE = {
    "cpu": ("AWS/ECS", "CPUUtilization", "Average", "GreaterThanThreshold", 85, 300, 2, "missing"),
    "memory": ("AWS/ECS", "MemoryUtilization", "Average", "GreaterThanThreshold", 85, 300, 2, "missing"),
}


def alarms_by_name(plan):
    prefix = f"ohmycoins-{plan.stack}-"
    return {a.inputs["name"].removeprefix(prefix): a for a in plan.all(ALARM) if a.name.startswith("alarms-")}


def topic_arn(plan):
    return plan.outputs["alertTopicArn"]


def check(alarm, expected, plan):
    namespace, metric, statistic, comparison, threshold, period, evaluations, missing = expected
    inputs = alarm.inputs
    assert (inputs["namespace"], inputs["metricName"], inputs["statistic"]) == (namespace, metric, statistic)
    assert (inputs["comparisonOperator"], inputs["threshold"]) == (comparison, threshold)
    assert (inputs["period"], inputs["evaluationPeriods"], inputs["datapointsToAlarm"]) == (period, evaluations, evaluations)
    assert inputs["alarmActions"] == [topic_arn(plan)] and inputs["okActions"] == [topic_arn(plan)]
    assert inputs["treatMissingData"] == missing
    assert inputs["alarmDescription"]


def test_database_alarms(any_plan):
    alarms = alarms_by_name(any_plan)
    identifier = any_plan.one("aws:rds/instance:Instance").inputs["identifier"]
    for key, expected in RDS.items():
        check(alarms[key], expected, any_plan)
        assert alarms[key].inputs["dimensions"] == {"DBInstanceIdentifier": identifier}


def test_cache_alarms_watch_every_node_by_cache_cluster_id(any_plan):
    alarms = alarms_by_name(any_plan)
    group = any_plan.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    nodes = [f"{group['replicationGroupId']}-{i:03d}" for i in range(1, group["numCacheClusters"] + 1)]
    for key, expected in REDIS.items():
        watched = []
        for index in range(1, len(nodes) + 1):
            alarm = alarms[f"{key}-{index:03d}"]
            check(alarm, expected, any_plan)
            watched.append(alarm.inputs["dimensions"]["CacheClusterId"])
            assert "ReplicationGroupId" not in alarm.inputs["dimensions"]
        assert watched == nodes
    assert not [k for k in alarms if k.startswith("redis-") and int(k[-3:]) > len(nodes)]


def test_production_watches_both_cache_nodes(production_plan):
    assert len([k for k in alarms_by_name(production_plan) if k.startswith("redis-engine-cpu-")]) == 2


def test_load_balancer_alarms_per_target_group(any_plan):
    alarms = alarms_by_name(any_plan)
    alb = any_plan.one("aws:lb/loadBalancer:LoadBalancer").inputs["name"]
    groups = {g.name.removeprefix("edge-").removesuffix("-tg"): g.inputs["name"] for g in any_plan.all("aws:lb/targetGroup:TargetGroup")}
    # Grafana's group is an operator tool, not a service of the app: no alarms.
    assert set(groups) == {"backend", "frontend", "grafana"}
    assert not [name for name in alarms if name.startswith("alb-grafana-")]
    groups.pop("grafana")
    for workload, group_name in groups.items():
        for key, expected in TARGET_GROUP.items():
            alarm = alarms[f"alb-{workload}-{key}"]
            check(alarm, expected, any_plan)
            dims = alarm.inputs["dimensions"]
            assert dims["LoadBalancer"].startswith(f"app/{alb}/")
            assert dims["TargetGroup"].startswith(f"targetgroup/{group_name}/")


def test_every_ecs_service_has_cpu_and_memory_alarms(any_plan):
    alarms = alarms_by_name(any_plan)
    cluster = any_plan.one("aws:ecs/cluster:Cluster").inputs["name"]
    services = {s.inputs["name"] for s in any_plan.all("aws:ecs/service:Service")}
    assert services == {"backend", "frontend", "agents", "reddit", "cryptopanic"}
    for service in services:
        for key, expected in SERVICE.items():
            alarm = alarms[f"ecs-{service}-{key}"]
            check(alarm, expected, any_plan)
            assert alarm.inputs["dimensions"] == {"ClusterName": cluster, "ServiceName": service}


def _insights(plan):
    cluster = plan.one("aws:ecs/cluster:Cluster").inputs
    return {s["name"]: s["value"] for s in cluster["settings"]}["containerInsights"]


def test_running_below_desired_uses_container_insights_or_a_no_task_alarm(any_plan):
    alarms = alarms_by_name(any_plan)
    services = {s.inputs["name"] for s in any_plan.all("aws:ecs/service:Service")}
    for service in services:
        if _insights(any_plan) != "disabled":
            alarm = alarms[f"ecs-{service}-running-below-desired"]
            queries = {q["id"]: q for q in alarm.inputs["metricQueries"]}
            assert queries["missing"]["expression"] == "desired - running" and queries["missing"]["returnData"] is True
            assert queries["desired"]["metric"]["metricName"] == "DesiredTaskCount"
            assert queries["running"]["metric"]["namespace"] == "ECS/ContainerInsights"
            assert queries["running"]["metric"]["dimensions"]["ServiceName"] == service
            assert (queries["desired"]["metric"]["stat"], queries["running"]["metric"]["stat"]) == ("Maximum", "Minimum")
            assert queries["desired"]["metric"]["period"] == queries["running"]["metric"]["period"] == 60
            assert queries["desired"]["metric"]["dimensions"] == {
                "ClusterName": f"ohmycoins-{any_plan.stack}-cluster",
                "ServiceName": service,
            }
            assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == ("GreaterThanThreshold", 0)
            assert (alarm.inputs["evaluationPeriods"], alarm.inputs["datapointsToAlarm"]) == (5, 5)
            assert alarm.inputs["treatMissingData"] == "breaching"
        else:
            alarm = alarms[f"ecs-{service}-no-running-tasks"]
            inputs = alarm.inputs
            assert (inputs["namespace"], inputs["metricName"], inputs["statistic"], inputs["treatMissingData"]) == (
                "AWS/ECS",
                "CPUUtilization",
                "SampleCount",
                "breaching",
            )
            assert (inputs["comparisonOperator"], inputs["threshold"], inputs["period"], inputs["evaluationPeriods"]) == (
                "LessThanThreshold",
                1,
                60,
                5,
            )
            assert inputs["dimensions"] == {"ClusterName": f"ohmycoins-{any_plan.stack}-cluster", "ServiceName": service}
        assert alarm.inputs["alarmActions"] == [topic_arn(any_plan)] == alarm.inputs["okActions"]


def test_thresholds_come_from_config(plan_variant):
    def change(config):
        config["ohmycoins:alarms"] = {"database": {"cpuPercent": 65}, "loadBalancer": {"serverErrorsPerMinute": 3}}

    alarms = alarms_by_name(plan_variant("staging", change))
    assert alarms["rds-cpu"].inputs["threshold"] == 65
    assert alarms["alb-backend-5xx"].inputs["threshold"] == 3
    assert alarms["rds-connections"].inputs["threshold"] == 80


def dashboard(plan) -> dict:
    return json.loads(plan.one(DASHBOARD).inputs["dashboardBody"])


def test_dashboard_is_named_per_stack_and_has_the_originals_widgets(any_plan):
    board = any_plan.one(DASHBOARD)
    assert board.inputs["dashboardName"] == f"ohmycoins-{any_plan.stack}-infrastructure"
    titles = [w["properties"]["title"] for w in dashboard(any_plan)["widgets"]]
    expected = [
        "ECS CPU and memory (%)",
        "ALB target response time (s)",
        "ALB target responses",
        "RDS connections and CPU",
        "Redis hit rate and engine CPU (%)",
    ]
    if _insights(any_plan) != "disabled":
        expected.append("ECS desired vs running tasks")
    assert titles == expected


def test_dashboard_references_only_resources_in_the_plan(any_plan):
    exists = {
        "DBInstanceIdentifier": {any_plan.one("aws:rds/instance:Instance").inputs["identifier"]},
        "ClusterName": {any_plan.one("aws:ecs/cluster:Cluster").inputs["name"]},
        "ServiceName": {s.inputs["name"] for s in any_plan.all("aws:ecs/service:Service")},
        "CacheClusterId": {
            a.inputs["dimensions"]["CacheClusterId"] for a in any_plan.all(ALARM) if "CacheClusterId" in a.inputs.get("dimensions", {})
        },
        "LoadBalancer": {
            a.inputs["dimensions"]["LoadBalancer"] for a in any_plan.all(ALARM) if "LoadBalancer" in a.inputs.get("dimensions", {})
        },
    }
    seen = set()
    for widget in dashboard(any_plan)["widgets"]:
        assert widget["properties"]["region"] == "ap-southeast-2"
        for metric in widget["properties"]["metrics"]:
            namespace, name, *rest = metric
            dims = rest[:-1] if isinstance(rest[-1], dict) else rest
            assert dims, f"{namespace} {name} has no dimensions"
            for key, value in zip(dims[::2], dims[1::2], strict=True):
                assert value in exists[key], f"{namespace} {name}: {key}={value} is not in the plan"
                seen.add(key)
    assert seen == set(exists)


@pytest.mark.parametrize("stat", ["Average", "p95"])
def test_dashboard_shows_average_and_p95_latency(any_plan, stat):
    latency = next(w for w in dashboard(any_plan)["widgets"] if w["properties"]["title"].startswith("ALB target response time"))
    assert stat in [m[-1]["stat"] for m in latency["properties"]["metrics"]]


def test_apps_on_eks_have_no_ecs_alarms_or_widgets(eks_apps_plan):
    alarms = alarms_by_name(eks_apps_plan)
    assert not [key for key in alarms if key.startswith("ecs-")]
    assert {"rds-cpu", "redis-engine-cpu-001", "alb-backend-5xx"} <= set(alarms)
    titles = [w["properties"]["title"] for w in dashboard(eks_apps_plan)["widgets"]]
    assert titles == [
        "ALB target response time (s)",
        "ALB target responses",
        "RDS connections and CPU",
        "Redis hit rate and engine CPU (%)",
    ]


def _series(widget) -> list[tuple]:
    """Each line of a widget: namespace, metric, and its rendering options (dimensions left out)."""
    return [(metric[0], metric[1], metric[-1] if isinstance(metric[-1], dict) else {}) for metric in widget["properties"]["metrics"]]


def test_dashboard_widgets_in_full(production_plan):
    widgets = {w["properties"]["title"]: w for w in dashboard(production_plan)["widgets"]}
    services = ["agents", "backend", "cryptopanic", "frontend", "reddit"]
    assert _series(widgets["ECS CPU and memory (%)"]) == [
        line
        for service in services
        for line in (
            ("AWS/ECS", "CPUUtilization", {"label": f"{service} CPU"}),
            ("AWS/ECS", "MemoryUtilization", {"label": f"{service} memory"}),
        )
    ]
    assert _series(widgets["ALB target response time (s)"]) == [
        ("AWS/ApplicationELB", "TargetResponseTime", {"label": "average", "stat": "Average"}),
        ("AWS/ApplicationELB", "TargetResponseTime", {"label": "p95", "stat": "p95"}),
    ]
    assert _series(widgets["ALB target responses"]) == [
        ("AWS/ApplicationELB", f"HTTPCode_Target_{code}_Count", {"label": code, "stat": "Sum"}) for code in ("2XX", "4XX", "5XX")
    ]
    assert _series(widgets["RDS connections and CPU"]) == [
        ("AWS/RDS", "DatabaseConnections", {"label": "connections"}),
        ("AWS/RDS", "CPUUtilization", {"label": "CPU %", "yAxis": "right"}),
    ]
    assert _series(widgets["Redis hit rate and engine CPU (%)"]) == [
        line
        for node in ("ohmycoins-production-redis-001", "ohmycoins-production-redis-002")
        for line in (
            ("AWS/ElastiCache", "CacheHitRate", {"label": f"{node} hit rate %"}),
            ("AWS/ElastiCache", "EngineCPUUtilization", {"label": f"{node} engine CPU %"}),
        )
    ]
    assert _series(widgets["ECS desired vs running tasks"]) == [
        line
        for service in services
        for line in (
            ("ECS/ContainerInsights", "DesiredTaskCount", {"label": f"{service} desired", "stat": "Maximum"}),
            ("ECS/ContainerInsights", "RunningTaskCount", {"label": f"{service} running", "stat": "Minimum"}),
        )
    ]
    for title, widget in widgets.items():
        assert (widget["type"], widget["width"], widget["height"]) == ("metric", 12, 6), title
        properties = widget["properties"]
        assert (properties["period"], properties["view"], properties["stacked"]) == (300, "timeSeries", False), title
    percent = {"min": 0, "max": 100}
    assert widgets["ECS CPU and memory (%)"]["properties"]["yAxis"] == {"left": percent}
    assert widgets["Redis hit rate and engine CPU (%)"]["properties"]["yAxis"] == {"left": percent}
    # Two widgets a row, in the order of the titles.
    assert [(w["x"], w["y"]) for w in widgets.values()] == [(0, 0), (12, 0), (0, 6), (12, 6), (0, 12), (12, 12)]
