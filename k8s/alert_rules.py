"""The original's 13 Prometheus alert rules, as PrometheusRule groups, with its logic bugs fixed.

Every rule aggregates to a fixed set of labels (instance; namespace+pod; namespace+job; ...), so
routing and the "critical inhibits warning" rule of Alertmanager (equal on cluster, namespace,
pod, job) act on predictable label sets. Fixes against the original (facts 6.5 item 48):
- ApplicationDown watches the `job` label the ServiceMonitors really produce (the Service name)
  and fires when every target of an application is down, not on made-up job names.
- HighErrorRate is the share of 5xx responses (> 5 %), not an absolute rate of 0.05 req/s.
- CollectorMissedRun has a threshold per CronJob from its own schedule (a daily job is not
  "missed" after 2 hours).
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


def alert_rule_groups(apps_namespace: str, app_jobs: Sequence[str], cronjob_schedules: Mapping[str, str]) -> list[dict]:
    """The `spec.groups` of the PrometheusRule.

    apps_namespace: where the workloads run; app_jobs: the Services scraped by ServiceMonitors
    (the `job` label); cronjob_schedules: CronJob name -> 5-field cron schedule.
    """
    ns = f'namespace="{apps_namespace}"'
    fs = 'fstype!~"tmpfs|overlay|squashfs|nsfs",mountpoint!~"/run.*"'
    jobs = _regex(app_jobs) if app_jobs else "^$"
    missed = " or ".join(
        f'(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{{{ns},cronjob="{name}"}}) '
        f"> {missed_run_after_seconds(schedule)})"
        for name, schedule in sorted(cronjob_schedules.items())
    )
    if not missed:
        missed = "vector(0) > 1"
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
                    f'max by (namespace, job) (up{{{ns},job=~"{jobs}"}}) == 0',
                    "2m",
                    "critical",
                    "{{ $labels.job }} is down",
                    "Prometheus cannot scrape any instance of {{ $labels.job }} in {{ $labels.namespace }} for 2 minutes.",
                ),
                Rule(
                    "DatabaseConnectionFailures",
                    f"sum by (namespace, job) (increase(database_connection_errors_total{{{ns}}}[5m])) > 0",
                    "5m",
                    "critical",
                    "{{ $labels.job }} cannot connect to the database",
                    '{{ $value | printf "%.0f" }} connection errors in the last 5 minutes.',
                ),
            ],
        ),
        (
            "collector_alerts",
            "60s",
            [
                Rule(
                    "CollectorJobFailed",
                    f"max by (namespace, job_name) (kube_job_status_failed{{{ns}}}) > 0"
                    f" and on (namespace, job_name) (time() - max by (namespace, job_name) (kube_job_created{{{ns}}}) < {JOB_FAILURE_WINDOW_SECONDS})",
                    "5m",
                    "warning",
                    "Collector job {{ $labels.job_name }} failed",
                    "A collector run that started within the last hour failed.",
                ),
                Rule(
                    "CollectorMissedRun",
                    missed,
                    "5m",
                    "warning",
                    "Collector {{ $labels.cronjob }} missed its schedule",
                    "No successful run for {{ $value | humanizeDuration }}: longer than its schedule's gap plus one hour.",
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
    return [{"name": name, "interval": interval, "rules": [r.to_dict() for r in rules]} for name, interval, rules in groups]
