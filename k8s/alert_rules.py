"""The original's 13 Prometheus alert rules, as PrometheusRule groups, with its logic bugs fixed.

Every rule aggregates to a fixed set of labels (instance; namespace+pod; namespace+job; ...), so
routing and the "critical inhibits warning" rule of Alertmanager (equal on cluster, namespace,
pod, job) act on predictable label sets. Fixes against the original (facts 6.5 item 48):
- ApplicationDown watches the `job` label the ServiceMonitors really produce (the Service name)
  and fires when every target of an application is down, not on made-up job names.
- HighErrorRate is the share of 5xx responses (> 5 %), not an absolute rate of 0.05 req/s.
- CollectorMissedRun has a threshold per job from its own schedule (a daily job is not
  "missed" after 2 hours), and reads the platform the jobs run on: CronJobs on EKS, the jobs'
  Step Functions runs (through the CloudWatch exporter) on ECS.
- ApplicationDown also fires when a service has no target left at all (`absent(up)`).
- PodNotReady counts Pending/Unknown pods and Running pods that are not ready; finished
  (Succeeded) job pods are not "not ready".
- CollectorJobFailed fires only for jobs created within the last hour, not for as long as the
  failed Job is kept in history.
- PodCrashLooping uses the CrashLoopBackOff waiting reason instead of a restart rate of 0.1/s.
- PersistentVolumeIssues ignores Available/Released volumes, which are normal states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from components.compute.schedule_gaps import missed_run_after_seconds

# How long after a failed collector Job was created it still alerts (a Job is kept in history
# far longer; the next scheduled run is a new Job with its own result).
JOB_FAILURE_WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Rule:
    alert: str
    expr: str
    for_: str
    severity: str
    summary: str
    description: str

    def to_dict(self) -> dict:
        return {
            "alert": self.alert,
            "expr": self.expr,
            "for": self.for_,
            "labels": {"severity": self.severity},
            "annotations": {"summary": self.summary, "description": self.description},
        }


def _regex(names: Sequence[str]) -> str:
    return "|".join(sorted(names))


# Where the scheduled jobs' runs are seen: kube-state-metrics (CronJobs on EKS) or the CloudWatch
# exporter's Step Functions series (jobs on ECS, k8s/job_metrics.py), relabelled with the same labels.
JobSource = Literal["kubernetes", "step-functions"]


def _job_rules(ns: str, job_schedules: Mapping[str, str], source: JobSource) -> tuple[str, str]:
    """(CollectorJobFailed, CollectorMissedRun) expressions for the stack's jobs, on its platform."""
    names = _regex(list(job_schedules))
    if source == "kubernetes":
        # A CronJob's Jobs are named <cronjob>-<scheduled minute>.
        failed = (
            f'max by (namespace, job_name) (kube_job_status_failed{{{ns},job_name=~"({names})-[0-9]+"}}) > 0'
            f' and on (namespace, job_name) (time() - max by (namespace, job_name) (kube_job_created{{{ns},job_name=~"({names})-[0-9]+"}})'
            f" < {JOB_FAILURE_WINDOW_SECONDS})"
        )
        missed = " or ".join(
            f'(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{{{ns},cronjob="{name}"}}) '
            f"> {missed_run_after_seconds(schedule)})"
            for name, schedule in sorted(job_schedules.items())
        )
        return failed, missed
    failed = (
        f'max by (namespace, job_name) (max_over_time(aws_states_executions_failed_sum{{{ns},job_name=~"{names}"}}'
        f"[{JOB_FAILURE_WINDOW_SECONDS}s])) > 0"
    )
    # The exporter publishes a success series only for periods with a successful run: none for
    # longer than the schedule's gap plus grace is a missed run.
    missed = " or ".join(
        f'absent_over_time(aws_states_executions_succeeded_sum{{{ns},cronjob="{name}"}}[{missed_run_after_seconds(schedule)}s])'
        for name, schedule in sorted(job_schedules.items())
    )
    return failed, missed


def alert_rule_groups(
    apps_namespace: str, app_jobs: Sequence[str], job_schedules: Mapping[str, str], job_source: JobSource = "kubernetes"
) -> list[dict]:
    """The `spec.groups` of the PrometheusRule.

    apps_namespace: where the workloads run (on ECS, the label the scrape configs give them);
    app_jobs: the scraped services (the `job` label); job_schedules: scheduled job -> 5-field cron;
    job_source: where the jobs' runs are seen. With no scheduled jobs the two collector rules are left out.
    """
    ns = f'namespace="{apps_namespace}"'
    fs = 'fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!~"/run.*"'
    jobs = _regex(app_jobs) if app_jobs else "^$"
    # Every target of a service down, or no target at all (no task or pod left to discover).
    down = " or ".join(
        [f'max by (namespace, job) (up{{{ns},job=~"{jobs}"}}) == 0'] + [f'absent(up{{{ns},job="{job}"}})' for job in sorted(app_jobs)]
    )
    groups: list[tuple[str, str, list[Rule]]] = [
        (
            "infrastructure_alerts",
            "30s",
            [
                Rule(
                    "HighNodeCPU",
                    '100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100) > 80',
                    "5m",
                    "warning",
                    "High CPU on node {{ $labels.instance }}",
                    'CPU use is {{ $value | printf "%.0f" }} % (above 80 %) for 5 minutes.',
                ),
                Rule(
                    "HighNodeMemory",
                    "(1 - max by (instance) (node_memory_MemAvailable_bytes) / max by (instance) (node_memory_MemTotal_bytes)) * 100 > 85",
                    "5m",
                    "warning",
                    "High memory use on node {{ $labels.instance }}",
                    'Memory use is {{ $value | printf "%.0f" }} % (above 85 %) for 5 minutes.',
                ),
                Rule(
                    "LowDiskSpace",
                    f"min by (instance, mountpoint) (node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}}) * 100 < 15",
                    "5m",
                    "warning",
                    "Low disk space on {{ $labels.instance }} {{ $labels.mountpoint }}",
                    'Only {{ $value | printf "%.0f" }} % of the filesystem is free (below 15 %).',
                ),
            ],
        ),
        (
            "pod_alerts",
            "30s",
            [
                Rule(
                    "PodRestarting",
                    "sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[15m])) > 0",
                    "5m",
                    "warning",
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} is restarting",
                    'Its containers restarted {{ $value | printf "%.0f" }} times in the last 15 minutes.',
                ),
                Rule(
                    "PodCrashLooping",
                    'max by (namespace, pod) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}) >= 1',
                    "5m",
                    "critical",
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} is crash looping",
                    "A container has been in CrashLoopBackOff for 5 minutes.",
                ),
                Rule(
                    "PodNotReady",
                    'sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Unknown"}) > 0'
                    ' or sum by (namespace, pod) (kube_pod_status_ready{condition="false"}'
                    ' * on (namespace, pod) group_left () kube_pod_status_phase{phase="Running"}) > 0',
                    "10m",
                    "warning",
                    "Pod {{ $labels.namespace }}/{{ $labels.pod }} is not ready",
                    "The pod has been pending, unknown or running but not ready for 10 minutes (finished pods are ignored).",
                ),
            ],
        ),
        (
            "application_alerts",
            "30s",
            [
                Rule(
                    "HighErrorRate",
                    f'sum by (namespace, job) (rate(http_requests_total{{{ns},job=~"{jobs}",status=~"5.."}}[5m]))'
                    f' / sum by (namespace, job) (rate(http_requests_total{{{ns},job=~"{jobs}"}}[5m])) > 0.05',
                    "5m",
                    "warning",
                    "{{ $labels.job }} answers more than 5 % of requests with 5xx",
                    "{{ $value | humanizePercentage }} of requests failed over 5 minutes.",
                ),
                Rule(
                    "ApplicationDown",
                    down,
                    "2m",
                    "critical",
                    "{{ $labels.job }} is down",
                    "Prometheus cannot scrape any instance of {{ $labels.job }} in {{ $labels.namespace }} for 2 minutes.",
                ),
                Rule(
                    "DatabaseConnectionFailures",
                    f'sum by (namespace, job) (increase(database_connection_errors_total{{{ns},job=~"{jobs}"}}[5m])) > 0',
                    "5m",
                    "critical",
                    "{{ $labels.job }} cannot connect to the database",
                    '{{ $value | printf "%.0f" }} connection errors in the last 5 minutes.',
                ),
            ],
        ),
        (
            "storage_alerts",
            "30s",
            [
                Rule(
                    "PersistentVolumeIssues",
                    'max by (persistentvolume) (kube_persistentvolume_status_phase{phase=~"Failed|Pending"}) == 1',
                    "5m",
                    "warning",
                    "Persistent volume {{ $labels.persistentvolume }} is failed or pending",
                    "The volume has been Failed or Pending for 5 minutes.",
                ),
                Rule(
                    "PVCPending",
                    'max by (namespace, persistentvolumeclaim) (kube_persistentvolumeclaim_status_phase{phase="Pending"}) == 1',
                    "5m",
                    "warning",
                    "Claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is pending",
                    "The claim has not been bound for 5 minutes.",
                ),
            ],
        ),
    ]
    if job_schedules:
        failed, missed = _job_rules(ns, job_schedules, job_source)
        collector_rules = [
            Rule(
                "CollectorJobFailed",
                failed,
                "0m" if job_source == "step-functions" else "5m",
                "warning",
                "Collector job {{ $labels.job_name }} failed",
                "A collector run that started within the last hour failed (a non-zero exit, a failed start, or its time limit).",
            ),
            Rule(
                "CollectorMissedRun",
                missed,
                "5m",
                "warning",
                "Collector {{ $labels.cronjob }} missed its schedule",
                "No successful run for longer than its schedule's gap plus one hour.",
            ),
        ]
        groups.insert(-1, ("collector_alerts", "60s", collector_rules))
    return [{"name": name, "interval": interval, "rules": [r.to_dict() for r in rules]} for name, interval, rules in groups]
