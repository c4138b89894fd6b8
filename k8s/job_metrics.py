"""Scheduled-job runs on ECS as Prometheus series, so the collector alert rules watch them too.

On EKS the jobs are CronJobs and kube-state-metrics reports them. On ECS each job runs through its
Step Functions state machine (components/compute/ecs/job_runner.py), which publishes
ExecutionsSucceeded / ExecutionsFailed to CloudWatch. The Prometheus CloudWatch exporter
(prometheus-cloudwatch-exporter chart) reads exactly those state machines' metrics through its own
IRSA role, and the ServiceMonitor relabels each series with the stack's apps namespace and the job
name (`job_name` and `cronjob`, the labels kube-state-metrics uses), so the rules read the same
labels on both platforms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

EXPORTER_RELEASE = "cloudwatch-exporter"
EXPORTER_SERVICE_ACCOUNT = "cloudwatch-exporter"
# CloudWatch publishes Step Functions metrics per 5 minutes, a few minutes late.
PERIOD_SECONDS = 300
DELAY_SECONDS = 600
# The exporter's series names: aws_<namespace>_<metric>_<statistic>, snake case.
SUCCEEDED = "aws_states_executions_succeeded_sum"
FAILED = "aws_states_executions_failed_sum"
_METRICS = ("ExecutionsSucceeded", "ExecutionsFailed")


def exporter_config(region: str, state_machine_arns: Mapping[str, str]) -> str:
    """cloudwatch_exporter's config (YAML; JSON is YAML): the Sum of each metric for exactly these state machines."""
    arns = [state_machine_arns[name] for name in sorted(state_machine_arns)]
    metrics = [
        {
            "aws_namespace": "AWS/States",
            "aws_metric_name": metric,
            "aws_dimensions": ["StateMachineArn"],
            "aws_dimension_select": {"StateMachineArn": arns},
            "aws_statistics": ["Sum"],
        }
        for metric in _METRICS
    ]
    config = {"region": region, "period_seconds": PERIOD_SECONDS, "delay_seconds": DELAY_SECONDS, "metrics": metrics}
    return json.dumps(config, sort_keys=True)


def job_relabelings(name_prefix: str, apps_namespace: str) -> list[dict[str, Any]]:
    """`state_machine_arn` `...:stateMachine:<prefix>-<job>` -> job_name=cronjob=<job>, namespace=<apps namespace>."""
    pattern = rf"arn:aws:states:[^:]+:[0-9]+:stateMachine:{re.escape(name_prefix)}-(.+)"
    return [
        {"sourceLabels": ["state_machine_arn"], "regex": pattern, "targetLabel": label, "replacement": "$1", "action": "replace"}
        for label in ("job_name", "cronjob")
    ] + [{"targetLabel": "namespace", "replacement": apps_namespace, "action": "replace"}]


def exporter_values(
    region: str, state_machine_arns: Mapping[str, str], role_arn: str, name_prefix: str, apps_namespace: str
) -> dict[str, Any]:
    """prometheus-cloudwatch-exporter 0.26.0: one replica, IRSA, scraped by a ServiceMonitor every minute."""
    return {
        "serviceAccount": {"create": True, "name": EXPORTER_SERVICE_ACCOUNT, "annotations": {"eks.amazonaws.com/role-arn": role_arn}},
        "config": exporter_config(region, state_machine_arns),
        "resources": {"requests": {"cpu": "50m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "serviceMonitor": {
            "enabled": True,
            "interval": "60s",
            "timeout": "50s",
            "metricRelabelings": job_relabelings(name_prefix, apps_namespace),
        },
        # The chart's default creates an Ingress; nothing here is reachable from outside the cluster.
        "ingress": {"enabled": False},
        "securityContext": {"runAsUser": 65534, "fsGroup": 65534},
        "containerSecurityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
    }


def exporter_policy_statements() -> list[dict[str, Any]]:
    """Reading CloudWatch metrics has no resource-level permissions: read-only actions on `*`."""
    return [
        {
            "Sid": "ReadJobMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"],
            "Resource": "*",
        }
    ]
