"""CloudWatch alarms and the stack's dashboard: the AWS side of monitoring, on every stack.

Every alarm notifies the stack's alert topic when it fires and when it recovers. Dimensions are the
ones each service really publishes: ElastiCache per node (CacheClusterId, not the replication group),
the ALB and its target groups by ARN suffix, ECS per cluster and service.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.observability.alarms_settings import AlarmSettings

GIB = 1024**3
MIB = 1024**2
DASHBOARD_PERIOD = 300


def cache_member_cluster_ids(replication_group_id: pulumi.Input[str], nodes: int) -> list[pulumi.Output[str]]:
    """The CacheClusterIds of a cluster-mode-disabled replication group: `<group>-001` ... (AWS's naming)."""
    group = pulumi.Output.from_input(replication_group_id)
    return [group.apply(lambda g, i=i: f"{g}-{i:03d}") for i in range(1, nodes + 1)]


@dataclass(frozen=True)
class AlarmsArgs:
    """Ids of what is watched; the alarms never look anything up themselves."""

    settings: AlarmSettings
    name_prefix: str
    region: str
    topic_arn: pulumi.Input[str]
    database_instance_id: pulumi.Input[str]
    cache_member_cluster_ids: Sequence[pulumi.Input[str]]
    alb_arn_suffix: pulumi.Input[str]
    # Workload name -> target group ARN suffix (`targetgroup/<name>/<id>`).
    target_group_arn_suffixes: Mapping[str, pulumi.Input[str]]
    # Apps on ECS: the cluster and each long-running service; None/empty when apps run on EKS.
    ecs_cluster_name: pulumi.Input[str] | None = None
    ecs_service_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Container Insights publishes RunningTaskCount/DesiredTaskCount; without it there is no
    # "running below desired" alarm or widget.
    ecs_container_insights: bool = False


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch alarm, before it has ids: what the tests and the component share.

    The defaults are the usual alarm: the 5-minute average above the threshold twice in a row,
    no data leaving the alarm as it is; each spec spells out only where it differs.
    """

    key: str
    namespace: str
    metric: str
    threshold: float
    description: str
    statistic: str = "Average"
    comparison: str = "GreaterThanThreshold"
    period: int = 300
    evaluation_periods: int = 2
    treat_missing_data: str = "missing"


def database_alarms(settings: AlarmSettings) -> list[AlarmSpec]:
    db = settings.database
    return [
        AlarmSpec("rds-cpu", "AWS/RDS", "CPUUtilization", db.cpu_percent, f"Database CPU above {db.cpu_percent:g} % for 10 minutes"),
        AlarmSpec(
            "rds-free-storage",
            "AWS/RDS",
            "FreeStorageSpace",
            db.free_storage_gib * GIB,
            f"Database free storage below {db.free_storage_gib:g} GiB",
            comparison="LessThanThreshold",
            evaluation_periods=1,
        ),
        AlarmSpec(
            "rds-connections",
            "AWS/RDS",
            "DatabaseConnections",
            db.connections,
            f"More than {db.connections} database connections for 10 minutes",
        ),
        AlarmSpec(
            "rds-freeable-memory",
            "AWS/RDS",
            "FreeableMemory",
            db.freeable_memory_mib * MIB,
            f"Database freeable memory below {db.freeable_memory_mib} MiB for 10 minutes",
            comparison="LessThanThreshold",
        ),
    ]


def cache_alarms(settings: AlarmSettings) -> list[AlarmSpec]:
    cache = settings.cache
    return [
        AlarmSpec(
            "redis-engine-cpu",
            "AWS/ElastiCache",
            "EngineCPUUtilization",
            cache.engine_cpu_percent,
            f"Redis engine CPU above {cache.engine_cpu_percent:g} % for 10 minutes",
        ),
        AlarmSpec(
            "redis-memory",
            "AWS/ElastiCache",
            "DatabaseMemoryUsagePercentage",
            cache.memory_percent,
            f"Redis memory use above {cache.memory_percent:g} % for 10 minutes",
        ),
        # Evictions is not published while there are none.
        AlarmSpec(
            "redis-evictions",
            "AWS/ElastiCache",
            "Evictions",
            cache.evictions,
            f"More than {cache.evictions} Redis evictions in 5 minutes",
            statistic="Sum",
            evaluation_periods=1,
            treat_missing_data="notBreaching",
        ),
    ]


def target_group_alarms(settings: AlarmSettings) -> list[AlarmSpec]:
    lb = settings.load_balancer
    return [
        # 5xx counts are not published while there are none.
        AlarmSpec(
            "5xx",
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            lb.server_errors_per_minute,
            f"More than {lb.server_errors_per_minute} target 5xx responses a minute for 2 minutes",
            statistic="Sum",
            treat_missing_data="notBreaching",
            period=60,
        ),
        AlarmSpec(
            "response-time",
            "AWS/ApplicationELB",
            "TargetResponseTime",
            lb.response_time_seconds,
            f"Target response time above {lb.response_time_seconds:g} s for 2 minutes",
            treat_missing_data="notBreaching",
            period=60,
        ),
        AlarmSpec(
            "unhealthy-hosts",
            "AWS/ApplicationELB",
            "UnHealthyHostCount",
            lb.unhealthy_hosts,
            f"More than {lb.unhealthy_hosts} unhealthy targets for 2 minutes",
            statistic="Maximum",
            period=60,
        ),
    ]


def service_alarms(settings: AlarmSettings) -> list[AlarmSpec]:
    svc = settings.services
    return [
        AlarmSpec("cpu", "AWS/ECS", "CPUUtilization", svc.cpu_percent, f"Service CPU above {svc.cpu_percent:g} % for 10 minutes"),
        AlarmSpec(
            "memory", "AWS/ECS", "MemoryUtilization", svc.memory_percent, f"Service memory above {svc.memory_percent:g} % for 10 minutes"
        ),
    ]


def no_running_task_alarm() -> AlarmSpec:
    """Without Container Insights there is no task count; ECS publishes a service's metrics only
    while it has running tasks, so no CPU samples for 5 minutes means none is running."""
    return AlarmSpec(
        "no-running-tasks",
        "AWS/ECS",
        "CPUUtilization",
        1,
        "No task of the service has run for 5 minutes",
        statistic="SampleCount",
        comparison="LessThanThreshold",
        period=60,
        evaluation_periods=5,
        treat_missing_data="breaching",
    )


def dashboard_body(
    region: str,
    database_instance_id: str,
    cache_cluster_ids: Sequence[str],
    alb_arn_suffix: str,
    ecs_cluster_name: str | None,
    ecs_service_names: Sequence[str],
    container_insights: bool,
) -> dict[str, Any]:
    """The original's six widgets, each metric with the dimensions CloudWatch publishes it under."""

    def widget(title: str, metrics: list[list[Any]], y_max: float | None = None) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "period": DASHBOARD_PERIOD,
            "metrics": metrics,
        }
        if y_max is not None:
            properties["yAxis"] = {"left": {"min": 0, "max": y_max}}
        return {"type": "metric", "width": 12, "height": 6, "properties": properties}

    lb = ["LoadBalancer", alb_arn_suffix]
    widgets = []
    if ecs_cluster_name is not None and ecs_service_names:
        usage = []
        for service in ecs_service_names:
            dims = ["ClusterName", ecs_cluster_name, "ServiceName", service]
            usage += [
                ["AWS/ECS", "CPUUtilization", *dims, {"label": f"{service} CPU"}],
                ["AWS/ECS", "MemoryUtilization", *dims, {"label": f"{service} memory"}],
            ]
        widgets.append(widget("ECS CPU and memory (%)", usage, y_max=100))
    widgets.append(
        widget(
            "ALB target response time (s)",
            [
                ["AWS/ApplicationELB", "TargetResponseTime", *lb, {"stat": "Average", "label": "average"}],
                ["AWS/ApplicationELB", "TargetResponseTime", *lb, {"stat": "p95", "label": "p95"}],
            ],
        )
    )
    widgets.append(
        widget(
            "ALB target responses",
            [
                ["AWS/ApplicationELB", f"HTTPCode_Target_{code}_Count", *lb, {"stat": "Sum", "label": code}]
                for code in ("2XX", "4XX", "5XX")
            ],
        )
    )
    db = ["DBInstanceIdentifier", database_instance_id]
    widgets.append(
        widget(
            "RDS connections and CPU",
            [
                ["AWS/RDS", "DatabaseConnections", *db, {"label": "connections"}],
                ["AWS/RDS", "CPUUtilization", *db, {"label": "CPU %", "yAxis": "right"}],
            ],
        )
    )
    redis = []
    for node in cache_cluster_ids:
        redis += [
            ["AWS/ElastiCache", "CacheHitRate", "CacheClusterId", node, {"label": f"{node} hit rate %"}],
            ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", node, {"label": f"{node} engine CPU %"}],
        ]
    widgets.append(widget("Redis hit rate and engine CPU (%)", redis, y_max=100))
    if ecs_cluster_name is not None and ecs_service_names and container_insights:
        tasks = []
        for service in ecs_service_names:
            dims = ["ClusterName", ecs_cluster_name, "ServiceName", service]
            tasks += [
                ["ECS/ContainerInsights", "DesiredTaskCount", *dims, {"stat": "Maximum", "label": f"{service} desired"}],
                ["ECS/ContainerInsights", "RunningTaskCount", *dims, {"stat": "Minimum", "label": f"{service} running"}],
            ]
        widgets.append(widget("ECS desired vs running tasks", tasks))
    for index, item in enumerate(widgets):
        item["x"], item["y"] = (index % 2) * 12, (index // 2) * 6
    return {"widgets": widgets}


class Alarms(pulumi.ComponentResource):
    """CloudWatch alarms on the database, cache, load balancer and ECS services, and a dashboard."""

    alarm_names: list[pulumi.Output[str]]
    dashboard_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:alarms:Alarms", name, None, opts)
        self._name, self._args = name, args
        self.alarm_names = []

        for spec in database_alarms(args.settings):
            self._alarm(spec, spec.key, {"DBInstanceIdentifier": args.database_instance_id})
        for index, node in enumerate(args.cache_member_cluster_ids, start=1):
            for spec in cache_alarms(args.settings):
                self._alarm(spec, f"{spec.key}-{index:03d}", {"CacheClusterId": node})
        for workload, suffix in sorted(args.target_group_arn_suffixes.items()):
            for spec in target_group_alarms(args.settings):
                self._alarm(spec, f"alb-{workload}-{spec.key}", {"LoadBalancer": args.alb_arn_suffix, "TargetGroup": suffix})
        if args.ecs_cluster_name is not None:
            for workload, service in sorted(args.ecs_service_names.items()):
                specs = service_alarms(args.settings)
                if args.ecs_container_insights:
                    self._running_below_desired(workload, service)
                else:
                    specs.append(no_running_task_alarm())
                for spec in specs:
                    self._alarm(spec, f"ecs-{workload}-{spec.key}", {"ClusterName": args.ecs_cluster_name, "ServiceName": service})

        self.dashboard_name = None
        if args.settings.dashboard:
            self.dashboard_name = self._dashboard()
        self.register_outputs({"alarm_names": self.alarm_names, "dashboard_name": self.dashboard_name})

    def _common(self, key: str, description: str) -> dict[str, Any]:
        alarm_name = f"{self._args.name_prefix}-{key}"
        return {
            "name": alarm_name,
            "alarm_description": description,
            "alarm_actions": [self._args.topic_arn],
            "ok_actions": [self._args.topic_arn],
            "tags": {"Name": alarm_name},
        }

    def _alarm(self, spec: AlarmSpec, key: str, dimensions: Mapping[str, pulumi.Input[str]]) -> None:
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            namespace=spec.namespace,
            metric_name=spec.metric,
            dimensions=dict(dimensions),
            statistic=spec.statistic,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            period=spec.period,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.evaluation_periods,
            treat_missing_data=spec.treat_missing_data,
            **self._common(key, spec.description),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.alarm_names.append(alarm.name)

    def _running_below_desired(self, workload: str, service: pulumi.Input[str]) -> None:
        key = f"ecs-{workload}-running-below-desired"
        dims = {"ClusterName": self._args.ecs_cluster_name, "ServiceName": service}

        def query(query_id: str, metric: str, stat: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="ECS/ContainerInsights", metric_name=metric, dimensions=dims, period=60, stat=stat
                ),
            )

        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            metric_queries=[
                query("desired", "DesiredTaskCount", "Maximum"),
                query("running", "RunningTaskCount", "Minimum"),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="missing", expression="desired - running", label="tasks missing", return_data=True
                ),
            ],
            comparison_operator="GreaterThanThreshold",
            threshold=0,
            evaluation_periods=5,
            datapoints_to_alarm=5,
            # No data means the service reports nothing at all: that is an outage too.
            treat_missing_data="breaching",
            **self._common(key, "Fewer tasks running than desired for 5 minutes"),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.alarm_names.append(alarm.name)

    def _dashboard(self) -> pulumi.Output[str]:
        args = self._args
        services = sorted(args.ecs_service_names.items())
        body = pulumi.Output.all(
            args.database_instance_id,
            pulumi.Output.all(*args.cache_member_cluster_ids),
            args.alb_arn_suffix,
            args.ecs_cluster_name,
            pulumi.Output.all(*[service for _, service in services]),
        ).apply(
            lambda values: json.dumps(
                dashboard_body(
                    region=args.region,
                    database_instance_id=values[0],
                    cache_cluster_ids=list(values[1]),
                    alb_arn_suffix=values[2],
                    ecs_cluster_name=values[3],
                    ecs_service_names=list(values[4]),
                    container_insights=args.ecs_container_insights,
                ),
                sort_keys=True,
            )
        )
        dashboard = aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            dashboard_name=f"{args.name_prefix}-infrastructure",
            dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return dashboard.dashboard_name
