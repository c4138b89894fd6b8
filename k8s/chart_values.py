"""Pinned Helm charts of the monitoring stack and the CI runners, and the values given to each.

Pure data builders: they take plain values (ids already resolved) and return the `values` dict of
one Helm release. tests/observability/test_chart_values.py checks every key against the structure the pinned
chart version documents in its values.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.compute.eks.node_sizing import LOG_SHIPPER_REQUESTS, NODE_EXPORTER_REQUESTS
from components.compute.eks.runners_settings import DIND_REQUESTS, RunnerGroup
from components.compute.eks.system_pods import (
    ALERTMANAGER_REQUESTS,
    ARC_CONTROLLER_REQUESTS,
    GRAFANA_REQUESTS,
    KUBE_STATE_METRICS_REQUESTS,
    LOKI_REQUESTS,
    PROMETHEUS_REQUESTS,
)
from components.observability.monitoring_settings import GrafanaSettings, MonitoringSettings

MONITORING_NAMESPACE = "monitoring"
ARC_SYSTEM_NAMESPACE = "arc-systems"
ARC_RUNNERS_NAMESPACE = "arc-runners"

PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack"
LOKI_RELEASE = "loki"
LOG_SHIPPER_RELEASE = "alloy"
ARC_CONTROLLER_RELEASE = "arc"

ALERTMANAGER_SERVICE_ACCOUNT = "alertmanager"
GRAFANA_SERVICE_ACCOUNT = "grafana"
LOKI_SERVICE_ACCOUNT = "loki"
ARC_CONTROLLER_SERVICE_ACCOUNT = "arc-controller"
GRAFANA_ADMIN_SECRET = "grafana-admin"
# Holds GF_AUTH_GITHUB_CLIENT_SECRET, which Grafana reads as auth.github's client_secret.
GRAFANA_GITHUB_SECRET = "grafana-github-oauth"
GRAFANA_GITHUB_SECRET_KEY = "GF_AUTH_GITHUB_CLIENT_SECRET"
# The grafana sub-chart names its Service `<release>-grafana` (no fullnameOverride: setting one
# would rename the Deployment and its volume claim). Port 80 forwards to the pods' 3000.
GRAFANA_SERVICE = "kube-prometheus-stack-grafana"
GRAFANA_SERVICE_PORT = 80
GRAFANA_POD_PORT = 3000
GRAFANA_HEALTH_PATH = "/api/health"
GITHUB_APP_SECRET = "github-app"
LOKI_URL = f"http://{LOKI_RELEASE}.{MONITORING_NAMESPACE}.svc.cluster.local:3100"

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
# 0.12.1, not 0.12.0: 0.12.0's template adds a second `dind` init container on clusters whose minor
# version is 29 or more, which makes every runner pod invalid (actions-runner-controller #4128).
ARC_VERSION = "0.12.1"
# Runner and Docker images pinned (no `latest`); bump them with the ARC chart.
RUNNER_IMAGE = "ghcr.io/actions/actions-runner:2.323.0"
DIND_IMAGE = "docker:27.5.1-dind"


@dataclass(frozen=True)
class Chart:
    chart: str
    version: str
    repository: str | None  # None: `chart` is an OCI reference

    @property
    def documented_in(self) -> str:
        return f"{self.chart} {self.version}"


CHARTS: dict[str, Chart] = {
    "kube-prometheus-stack": Chart("kube-prometheus-stack", "67.8.0", "https://prometheus-community.github.io/helm-charts"),
    "loki": Chart("loki", "6.29.0", "https://grafana.github.io/helm-charts"),
    "alloy": Chart("alloy", "0.12.5", "https://grafana.github.io/helm-charts"),
    # Job-run metrics of the ECS state machines, from CloudWatch (k8s/job_metrics.py).
    "prometheus-cloudwatch-exporter": Chart(
        "prometheus-cloudwatch-exporter", "0.26.0", "https://prometheus-community.github.io/helm-charts"
    ),
    # Rolls Deployments whose Secret changed (a rotated database password, a new Redis token).
    "reloader": Chart("reloader", "1.0.97", "https://stakater.github.io/stakater-charts"),
    # ARC publishes its charts to GHCR only; controller and scale sets must share a version.
    "gha-runner-scale-set-controller": Chart(
        "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller", ARC_VERSION, None
    ),
    "gha-runner-scale-set": Chart("oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set", ARC_VERSION, None),
}

# The original's starter dashboards (grafana.com ids), with the revision pinned.
STARTER_DASHBOARDS: dict[str, tuple[int, int, str]] = {
    "kubernetes-cluster": (7249, 1, "Prometheus"),
    "kubernetes-pods": (6417, 1, "Prometheus"),
    "node-exporter-full": (1860, 37, "Prometheus"),
    "loki-logs": (13639, 2, "Loki"),
}

TOLERATE_EVERYTHING = [{"operator": "Exists"}]
CRITICAL_ADDONS_TOLERATION = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}
NODE_GROUP_LABEL = "ohmycoins.io/node-group"


def _volume_claim(storage_class: str, size_gib: int) -> dict[str, Any]:
    return {
        "spec": {
            "storageClassName": storage_class,
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": f"{size_gib}Gi"}},
        }
    }


def _restricted_container() -> dict[str, Any]:
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}


@dataclass(frozen=True)
class ServiceScrape:
    """A workload Prometheus scrapes through its Service (a ServiceMonitor)."""

    name: str
    selector: Mapping[str, str]
    port: str
    path: str


@dataclass(frozen=True)
class DnsScrape:
    """A workload Prometheus scrapes by DNS name, outside the cluster (ECS tasks in Cloud Map).

    `name` becomes the `job` label, as the Service name does on EKS, and every series gets the
    apps namespace as `namespace`, so the alert rules select the same labels on both platforms.
    """

    name: str
    dns_name: str  # `<workload>.<Cloud Map namespace>`: one A record per running task
    port: int
    path: str


def dns_scrape_configs(scrapes: Sequence[DnsScrape], apps_namespace: str) -> list[dict[str, Any]]:
    """Prometheus scrape configs (`additionalScrapeConfigs`): every task behind each name, every 30 s."""
    return [
        {
            "job_name": scrape.name,
            "metrics_path": scrape.path,
            "scrape_interval": "30s",
            "scrape_timeout": "10s",
            "dns_sd_configs": [{"names": [scrape.dns_name], "type": "A", "port": scrape.port, "refresh_interval": "30s"}],
            "relabel_configs": [{"target_label": "namespace", "replacement": apps_namespace, "action": "replace"}],
        }
        for scrape in scrapes
    ]


def cloudwatch_data_source(region: str) -> dict[str, Any]:
    """Grafana's CloudWatch data source: the apps' log groups (Logs Insights) and AWS metrics, through IRSA."""
    return {
        "name": "CloudWatch",
        "uid": "cloudwatch",
        "type": "cloudwatch",
        "access": "proxy",
        "isDefault": False,
        "editable": False,
        "jsonData": {"authType": "default", "defaultRegion": region},
    }


def prometheus_stack_values(
    settings: MonitoringSettings,
    cluster: str,
    environment: str,
    storage_class: str,
    alertmanager_config: Mapping[str, Any],
    alertmanager_role_arn: str,
    receiver_secret: str | None,
    alert_rule_groups: Sequence[Mapping[str, Any]],
    apps_namespace: str,
    scrapes: Sequence[ServiceScrape],
    dns_scrapes: Sequence[DnsScrape] = (),
    grafana_role_arn: str | None = None,
    region: str | None = None,
    tolerations: Sequence[Mapping[str, str]] = (),
    retain_volumes: bool = True,
) -> dict[str, Any]:
    """kube-prometheus-stack: Prometheus, Alertmanager, Grafana, kube-state-metrics, node exporter.

    `scrapes` are ServiceMonitors (apps on EKS), `dns_scrapes` scrape configs (apps on ECS); with
    `grafana_role_arn` Grafana also gets a CloudWatch data source through that IRSA role.
    `tolerations` let its pods onto tainted nodes (the system nodes of a cluster without an apps group).
    `retain_volumes` false: the StatefulSets' volume claims go with them (a pause or a destroy
    removes the release), so no volume is left behind in EBS.
    """
    retention_gb = int(settings.prometheus_volume_gib * 0.85)
    claims = {} if retain_volumes else {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"}}
    return {
        "fullnameOverride": "kps",
        # EKS runs the control plane: its etcd, scheduler, controller manager are not scrapeable,
        # and kube-proxy listens on localhost only.
        "kubeEtcd": {"enabled": False},
        "kubeScheduler": {"enabled": False},
        "kubeControllerManager": {"enabled": False},
        "kubeProxy": {"enabled": False},
        "defaultRules": {
            "create": True,
            "rules": {
                "etcd": False,
                "kubeSchedulerAlerting": False,
                "kubeSchedulerRecording": False,
                "kubeControllerManager": False,
                "kubeProxy": False,
            },
        },
        "additionalPrometheusRulesMap": {"omc-alert-rules": {"groups": list(alert_rule_groups)}},
        "prometheus": {
            "service": {"type": "ClusterIP"},
            "additionalServiceMonitors": [
                {
                    "name": scrape.name,
                    "selector": {"matchLabels": dict(scrape.selector)},
                    "namespaceSelector": {"matchNames": [apps_namespace]},
                    "endpoints": [{"port": scrape.port, "path": scrape.path, "interval": "30s", "scrapeTimeout": "10s"}],
                }
                for scrape in scrapes
            ],
            "prometheusSpec": {
                "retention": f"{settings.prometheus_retention_days}d",
                # Oldest data goes before the volume fills up.
                "retentionSize": f"{retention_gb}GB",
                "scrapeInterval": "15s",
                "evaluationInterval": "15s",
                "externalLabels": {"cluster": cluster, "environment": environment},
                # Select every ServiceMonitor/PodMonitor/PrometheusRule, not only this release's.
                "ruleSelectorNilUsesHelmValues": False,
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "additionalScrapeConfigs": dns_scrape_configs(dns_scrapes, apps_namespace),
                "storageSpec": {"volumeClaimTemplate": _volume_claim(storage_class, settings.prometheus_volume_gib)},
                "resources": {"requests": dict(PROMETHEUS_REQUESTS), "limits": {"cpu": "1", "memory": "2Gi"}},
                "tolerations": list(tolerations),
                **claims,
            },
        },
        "alertmanager": {
            "config": dict(alertmanager_config),
            "service": {"type": "ClusterIP"},
            "serviceAccount": {
                "create": True,
                "name": ALERTMANAGER_SERVICE_ACCOUNT,
                "annotations": {IRSA_ANNOTATION: alertmanager_role_arn},
            },
            "alertmanagerSpec": {
                "storage": {"volumeClaimTemplate": _volume_claim(storage_class, settings.alertmanager_volume_gib)},
                "secrets": [receiver_secret] if receiver_secret else [],
                "resources": {"requests": dict(ALERTMANAGER_REQUESTS), "limits": {"cpu": "200m", "memory": "256Mi"}},
                "tolerations": list(tolerations),
                **claims,
            },
        },
        "grafana": {
            "admin": {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": "admin-user", "passwordKey": "admin-password"},
            # Never a load balancer of its own: the stack's ALB reaches the pods through a
            # TargetGroupBinding when ohmycoins:monitoring.grafana is set, else `kubectl port-forward`.
            "service": {"type": "ClusterIP", "port": GRAFANA_SERVICE_PORT},
            "ingress": {"enabled": False},
            **({"envFromSecret": GRAFANA_GITHUB_SECRET} if settings.grafana is not None and settings.grafana.github is not None else {}),
            "persistence": {
                "enabled": True,
                "type": "pvc",
                "storageClassName": storage_class,
                "accessModes": ["ReadWriteOnce"],
                "size": f"{settings.grafana_volume_gib}Gi",
            },
            # The EBS volume attaches to one node at a time: stop the old pod before the new one starts.
            "deploymentStrategy": {"type": "Recreate"},
            "grafana.ini": grafana_ini(settings.grafana),
            "additionalDataSources": [
                {"name": "Loki", "uid": "loki", "type": "loki", "access": "proxy", "url": LOKI_URL, "isDefault": False, "editable": False},
                *([cloudwatch_data_source(region or "")] if grafana_role_arn else []),
            ],
            "serviceAccount": {
                "create": True,
                "name": GRAFANA_SERVICE_ACCOUNT,
                "annotations": {IRSA_ANNOTATION: grafana_role_arn} if grafana_role_arn else {},
            },
            "dashboardProviders": {
                "dashboardproviders.yaml": {
                    "apiVersion": 1,
                    "providers": [
                        {
                            "name": "starter",
                            "orgId": 1,
                            "folder": "Oh My Coins",
                            "type": "file",
                            "disableDeletion": True,
                            "editable": False,
                            "options": {"path": "/var/lib/grafana/dashboards/starter"},
                        }
                    ],
                }
            },
            "dashboards": {
                "starter": {
                    name: {"gnetId": gnet_id, "revision": revision, "datasource": [{"name": f"DS_{source.upper()}", "value": source}]}
                    for name, (gnet_id, revision, source) in sorted(STARTER_DASHBOARDS.items())
                }
            },
            "resources": {"requests": dict(GRAFANA_REQUESTS), "limits": {"cpu": "500m", "memory": "512Mi"}},
            "tolerations": list(tolerations),
        },
        "prometheus-node-exporter": {
            "tolerations": TOLERATE_EVERYTHING,
            "resources": {"requests": dict(NODE_EXPORTER_REQUESTS), "limits": {"memory": "64Mi"}},
        },
        "kube-state-metrics": {
            "resources": {"requests": dict(KUBE_STATE_METRICS_REQUESTS), "limits": {"memory": "256Mi"}},
            "tolerations": list(tolerations),
        },
        "prometheusOperator": {"tolerations": list(tolerations), "admissionWebhooks": {"patch": {"tolerations": list(tolerations)}}},
    }


def grafana_ini(grafana: GrafanaSettings | None) -> dict[str, Any]:
    """grafana.ini: its public URL, no anonymous access, and GitHub sign-in when configured."""
    ini: dict[str, Any] = {
        "analytics": {"reporting_enabled": False, "check_for_updates": False},
        "auth.anonymous": {"enabled": False},
        # Accounts come from the admin Secret or GitHub, never from a sign-up form.
        "users": {"allow_sign_up": False},
    }
    if grafana is None:
        ini["server"] = {"root_url": f"http://localhost:{GRAFANA_POD_PORT}"}
        return ini
    ini["server"] = {"domain": grafana.host, "root_url": f"https://{grafana.host}/"}
    # Browsers reach it over HTTPS only (the ALB terminates TLS).
    ini["security"] = {"cookie_secure": True, "strict_transport_security": True, "disable_gravatar": True}
    if grafana.github is not None:
        ini["auth.github"] = {
            "enabled": True,
            "client_id": grafana.github.client_id,
            # client_secret comes from the environment (GF_AUTH_GITHUB_CLIENT_SECRET), never from values.
            "scopes": "user:email,read:org",
            "auth_url": "https://github.com/login/oauth/authorize",
            "token_url": "https://github.com/login/oauth/access_token",
            "api_url": "https://api.github.com/user",
            "allowed_organizations": ",".join(grafana.github.allowed_organizations),
            **({"team_ids": ",".join(str(team) for team in grafana.github.team_ids)} if grafana.github.team_ids else {}),
            # Members of the allowed organisations get a Viewer account on first sign-in.
            "allow_sign_up": True,
        }
    return ini


def loki_values(
    settings: MonitoringSettings,
    storage_class: str,
    region: str,
    bucket: str | None,
    role_arn: str | None,
    tolerations: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """Loki as one binary: per-stack retention enforced by the compactor; S3 or a local volume."""
    object_store = settings.loki_storage
    storage: dict[str, Any] = {"type": object_store}
    if object_store == "s3":
        storage["bucketNames"] = {"chunks": bucket, "ruler": bucket, "admin": bucket}
        storage["s3"] = {"region": region}
    service_account: dict[str, Any] = {"create": True, "name": LOKI_SERVICE_ACCOUNT}
    if role_arn:
        service_account["annotations"] = {IRSA_ANNOTATION: role_arn}
    return {
        "deploymentMode": "SingleBinary",
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": 1},
            "schemaConfig": {
                "configs": [
                    {
                        "from": "2025-01-01",
                        "store": "tsdb",
                        "object_store": object_store,
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "storage": storage,
            # Without the compactor's retention, `retention_period` deletes nothing (the original's bug).
            "compactor": {"retention_enabled": True, "delete_request_store": object_store, "working_directory": "/var/loki/compactor"},
            "limits_config": {
                "retention_period": f"{settings.loki_retention_days * 24}h",
                "ingestion_rate_mb": 10,
                "ingestion_burst_size_mb": 20,
            },
        },
        "serviceAccount": service_account,
        "singleBinary": {
            "replicas": 1,
            "persistence": {"enabled": True, "size": f"{settings.loki_volume_gib}Gi", "storageClass": storage_class},
            "resources": {"requests": dict(LOKI_REQUESTS), "limits": {"cpu": "1", "memory": "1Gi"}},
            "tolerations": list(tolerations),
        },
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        # Memcached caches want gigabytes of memory; one small Loki does not need them.
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "gateway": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        "minio": {"enabled": False},
    }


def alloy_config(cluster: str) -> str:
    """Alloy pipeline: this node's pod logs (containerd CRI format) to Loki, positions kept by Alloy."""
    return f"""discovery.kubernetes "pods" {{
  role = "pod"
  selectors {{
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }}
}}

discovery.relabel "pods" {{
  targets = discovery.kubernetes.pods.targets
  rule {{
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_node_name"]
    target_label  = "node"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_label_app"]
    target_label  = "app"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_namespace", "__meta_kubernetes_pod_name"]
    separator     = "/"
    target_label  = "job"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }}
}}

local.file_match "pods" {{
  path_targets = discovery.relabel.pods.output
}}

loki.source.file "pods" {{
  targets    = local.file_match.pods.targets
  forward_to = [loki.process.pods.receiver]
}}

loki.process "pods" {{
  stage.cri {{}}
  forward_to = [loki.write.default.receiver]
}}

loki.write "default" {{
  endpoint {{
    url = "{LOKI_URL}/loki/api/v1/push"
  }}
  external_labels = {{ cluster = "{cluster}" }}
}}
"""


def alloy_values(cluster: str) -> dict[str, Any]:
    """Grafana Alloy as a DaemonSet on every node, tainted ones included."""
    return {
        "alloy": {
            "configMap": {"create": True, "content": alloy_config(cluster)},
            "mounts": {"varlog": True},
            "resources": {"requests": dict(LOG_SHIPPER_REQUESTS), "limits": {"memory": "256Mi"}},
        },
        "controller": {"type": "daemonset", "tolerations": TOLERATE_EVERYTHING},
        "serviceAccount": {"create": True},
        "rbac": {"create": True},
    }


def arc_controller_values() -> dict[str, Any]:
    """The scale-set controller on the system nodes."""
    return {
        "replicaCount": 1,
        "serviceAccount": {"create": True, "name": ARC_CONTROLLER_SERVICE_ACCOUNT},
        "nodeSelector": {NODE_GROUP_LABEL: "system"},
        "tolerations": [CRITICAL_ADDONS_TOLERATION],
        "resources": {"requests": dict(ARC_CONTROLLER_REQUESTS), "limits": {"memory": "256Mi"}},
        "podSecurityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": _restricted_container(),
        "flags": {"logLevel": "info"},
    }


def runner_pod_spec(group: RunnerGroup, node_selector: Mapping[str, str], tolerations: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The runner pod: on the runner node group only, with Docker in a sidecar when the group asks.

    The spec is written out (not `containerMode: dind`) so the Docker sidecar gets requests and
    limits too, as the chart's values.yaml advises for any customisation.
    """
    resources = {
        "requests": {"cpu": group.requests.cpu, "memory": group.requests.memory},
        "limits": {"cpu": group.limits.cpu, "memory": group.limits.memory},
    }
    runner: dict[str, Any] = {"name": "runner", "image": RUNNER_IMAGE, "command": ["/home/runner/run.sh"], "resources": resources}
    spec: dict[str, Any] = {"nodeSelector": dict(node_selector), "tolerations": [dict(t) for t in tolerations], "containers": [runner]}
    if not group.docker:
        return spec
    runner["env"] = [
        {"name": "DOCKER_HOST", "value": "unix:///var/run/docker.sock"},
        {"name": "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "value": "120"},
    ]
    runner["volumeMounts"] = [{"name": "work", "mountPath": "/home/runner/_work"}, {"name": "dind-sock", "mountPath": "/var/run"}]
    spec["initContainers"] = [
        {
            "name": "init-dind-externals",
            "image": RUNNER_IMAGE,
            "command": ["cp", "-r", "/home/runner/externals/.", "/home/runner/tmpDir/"],
            "volumeMounts": [{"name": "dind-externals", "mountPath": "/home/runner/tmpDir"}],
        },
        {
            "name": "dind",
            "image": DIND_IMAGE,
            "args": ["dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"],
            "env": [{"name": "DOCKER_GROUP_GID", "value": "123"}],
            # Docker-in-Docker needs a privileged container; runner nodes run nothing else.
            "securityContext": {"privileged": True},
            "restartPolicy": "Always",
            "startupProbe": {"exec": {"command": ["docker", "info"]}, "initialDelaySeconds": 0, "failureThreshold": 24, "periodSeconds": 5},
            "resources": {"requests": dict(DIND_REQUESTS), "limits": {"cpu": group.limits.cpu, "memory": group.limits.memory}},
            "volumeMounts": [
                {"name": "work", "mountPath": "/home/runner/_work"},
                {"name": "dind-sock", "mountPath": "/var/run"},
                {"name": "dind-externals", "mountPath": "/home/runner/externals"},
            ],
        },
    ]
    spec["volumes"] = [{"name": "work", "emptyDir": {}}, {"name": "dind-sock", "emptyDir": {}}, {"name": "dind-externals", "emptyDir": {}}]
    return spec


def runner_scale_set_values(
    group: RunnerGroup, node_selector: Mapping[str, str], tolerations: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """One gha-runner-scale-set: zero idle runners, up to the group's maximum."""
    return {
        "githubConfigUrl": group.github_config_url,
        "githubConfigSecret": GITHUB_APP_SECRET,
        "runnerScaleSetName": group.name,
        "minRunners": 0,
        "maxRunners": group.max_runners,
        "controllerServiceAccount": {"namespace": ARC_SYSTEM_NAMESPACE, "name": ARC_CONTROLLER_SERVICE_ACCOUNT},
        "template": {"spec": runner_pod_spec(group, node_selector, tolerations)},
    }
