"""Every value given to a Helm chart is a key the pinned chart version documents.

Charts cannot be downloaded here, so each chart's documented structure is written down below, from
the chart's values.yaml (and, for sub-charts, the sub-chart's values.yaml) at the version named.
`ANY` marks a documented free-form object (Alertmanager config, a PodSpec, Loki config blocks...).
Only the keys this project sets are listed; a key missing here fails the test, so a chart upgrade
or a typo in a builder is caught.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.compute.eks.runners_settings import RunnerGroup
from components.observability.monitoring_settings import MonitoringSettings
from k8s.alert_rules import alert_rule_groups
from k8s.alertmanager import Receivers, alertmanager_config
from k8s.chart_values import (
    ARC_VERSION,
    CHARTS,
    DnsScrape,
    ServiceScrape,
    alloy_values,
    arc_controller_values,
    loki_values,
    prometheus_stack_values,
    runner_scale_set_values,
)
from k8s.job_metrics import exporter_values
from k8s.reloader import reloader_values

ANY = object()
SYSTEM_TAINT = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}

RESOURCES = {"requests": ANY, "limits": ANY}
CLAIM = {"spec": {"storageClassName": ANY, "accessModes": ANY, "resources": {"requests": {"storage": ANY}}}}

# kube-prometheus-stack 67.8.0 values.yaml (prometheus-community/helm-charts, charts/kube-prometheus-stack),
# with its sub-charts grafana 8.8.x, prometheus-node-exporter 4.43.x, kube-state-metrics 5.28.x.
KUBE_PROMETHEUS_STACK_67_8_0 = {
    "fullnameOverride": ANY,
    "kubeEtcd": {"enabled": ANY},
    "kubeScheduler": {"enabled": ANY},
    "kubeControllerManager": {"enabled": ANY},
    "kubeProxy": {"enabled": ANY},
    "defaultRules": {
        "create": ANY,
        "rules": {"etcd": ANY, "kubeSchedulerAlerting": ANY, "kubeSchedulerRecording": ANY, "kubeControllerManager": ANY, "kubeProxy": ANY},
    },
    "additionalPrometheusRulesMap": ANY,
    "prometheus": {
        "service": {"type": ANY},
        "additionalServiceMonitors": ANY,
        "prometheusSpec": {
            "retention": ANY,
            "retentionSize": ANY,
            "scrapeInterval": ANY,
            "evaluationInterval": ANY,
            "externalLabels": ANY,
            "ruleSelectorNilUsesHelmValues": ANY,
            "serviceMonitorSelectorNilUsesHelmValues": ANY,
            "podMonitorSelectorNilUsesHelmValues": ANY,
            "additionalScrapeConfigs": ANY,
            "storageSpec": {"volumeClaimTemplate": CLAIM},
            "resources": RESOURCES,
            "tolerations": ANY,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": ANY, "whenScaled": ANY},
        },
    },
    "alertmanager": {
        "config": ANY,
        "service": {"type": ANY},
        "serviceAccount": {"create": ANY, "name": ANY, "annotations": ANY},
        "alertmanagerSpec": {
            "storage": {"volumeClaimTemplate": CLAIM},
            "secrets": ANY,
            "resources": RESOURCES,
            "tolerations": ANY,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": ANY, "whenScaled": ANY},
        },
    },
    "grafana": {
        "admin": {"existingSecret": ANY, "userKey": ANY, "passwordKey": ANY},
        "service": {"type": ANY, "port": ANY},
        "ingress": {"enabled": ANY},
        "envFromSecret": ANY,
        "persistence": {"enabled": ANY, "type": ANY, "storageClassName": ANY, "accessModes": ANY, "size": ANY},
        "deploymentStrategy": {"type": ANY},
        "grafana.ini": ANY,
        "additionalDataSources": ANY,
        "serviceAccount": {"create": ANY, "name": ANY, "annotations": ANY},
        "dashboardProviders": ANY,
        "dashboards": ANY,
        "resources": RESOURCES,
        "tolerations": ANY,
    },
    "prometheus-node-exporter": {"tolerations": ANY, "resources": RESOURCES},
    "kube-state-metrics": {"resources": RESOURCES, "tolerations": ANY},
    "prometheusOperator": {"tolerations": ANY, "admissionWebhooks": {"patch": {"tolerations": ANY}}},
}

# loki 6.29.0 values.yaml (grafana/loki, production/helm/loki; the 6.x single-binary layout).
LOKI_6_29_0 = {
    "deploymentMode": ANY,
    "loki": {
        "auth_enabled": ANY,
        "commonConfig": {"replication_factor": ANY},
        "schemaConfig": ANY,
        "storage": {"type": ANY, "bucketNames": {"chunks": ANY, "ruler": ANY, "admin": ANY}, "s3": {"region": ANY}},
        "compactor": ANY,
        "limits_config": ANY,
    },
    "serviceAccount": {"create": ANY, "name": ANY, "annotations": ANY},
    "singleBinary": {
        "replicas": ANY,
        "persistence": {"enabled": ANY, "size": ANY, "storageClass": ANY},
        "resources": RESOURCES,
        "tolerations": ANY,
    },
    "read": {"replicas": ANY},
    "write": {"replicas": ANY},
    "backend": {"replicas": ANY},
    "chunksCache": {"enabled": ANY},
    "resultsCache": {"enabled": ANY},
    "gateway": {"enabled": ANY},
    "lokiCanary": {"enabled": ANY},
    "test": {"enabled": ANY},
    "minio": {"enabled": ANY},
}

# alloy 0.12.5 values.yaml (grafana/alloy, operations/helm/charts/alloy).
ALLOY_0_12_5 = {
    "alloy": {"configMap": {"create": ANY, "content": ANY}, "mounts": {"varlog": ANY}, "resources": RESOURCES},
    "controller": {"type": ANY, "tolerations": ANY},
    "serviceAccount": {"create": ANY},
    "rbac": {"create": ANY},
}

# gha-runner-scale-set-controller 0.12.1 values.yaml (actions/actions-runner-controller, charts/, tag
# gha-runner-scale-set-0.12.1): identical to 0.12.0's; only Chart.yaml's versions changed.
ARC_CONTROLLER_0_12_1 = {
    "replicaCount": ANY,
    "serviceAccount": {"create": ANY, "name": ANY},
    "nodeSelector": ANY,
    "tolerations": ANY,
    "resources": RESOURCES,
    "podSecurityContext": ANY,
    "securityContext": ANY,
    "flags": {"logLevel": ANY},
}

# gha-runner-scale-set 0.12.1 values.yaml; `template` is a PodTemplateSpec. 0.12.1 changed only comments in
# values.yaml (the commented dind example) and the dind templates, not a key.
ARC_SCALE_SET_0_12_1 = {
    "githubConfigUrl": ANY,
    "githubConfigSecret": ANY,
    "runnerScaleSetName": ANY,
    "minRunners": ANY,
    "maxRunners": ANY,
    "controllerServiceAccount": {"namespace": ANY, "name": ANY},
    "template": {"spec": ANY},
}

# reloader 1.0.97 values.yaml (stakater/Reloader, deployments/kubernetes/chart/reloader).
RELOADER_1_0_97 = {
    "fullnameOverride": ANY,
    "reloader": {
        "watchGlobally": ANY,
        "readOnlyRootFileSystem": ANY,
        "ignoreConfigMaps": ANY,
        "rbac": {"enabled": ANY},
        "serviceAccount": {"create": ANY, "name": ANY},
        "deployment": {
            "replicas": ANY,
            "nodeSelector": ANY,
            "securityContext": ANY,
            "containerSecurityContext": ANY,
            "resources": RESOURCES,
        },
    },
}

# prometheus-cloudwatch-exporter 0.26.0 values.yaml (prometheus-community/helm-charts, charts/prometheus-cloudwatch-exporter).
CLOUDWATCH_EXPORTER_0_26_0 = {
    "serviceAccount": {"create": ANY, "name": ANY, "annotations": ANY},
    "config": ANY,
    "resources": RESOURCES,
    "serviceMonitor": {"enabled": ANY, "interval": ANY, "timeout": ANY, "metricRelabelings": ANY},
    "ingress": {"enabled": ANY},
    "securityContext": {"runAsUser": ANY, "fsGroup": ANY},
    "containerSecurityContext": ANY,
}

DOCUMENTED = {
    "prometheus-cloudwatch-exporter": ("0.26.0", CLOUDWATCH_EXPORTER_0_26_0),
    "reloader": ("1.0.97", RELOADER_1_0_97),
    "kube-prometheus-stack": ("67.8.0", KUBE_PROMETHEUS_STACK_67_8_0),
    "loki": ("6.29.0", LOKI_6_29_0),
    "alloy": ("0.12.5", ALLOY_0_12_5),
    "gha-runner-scale-set-controller": ("0.12.1", ARC_CONTROLLER_0_12_1),
    "gha-runner-scale-set": ("0.12.1", ARC_SCALE_SET_0_12_1),
}


def undocumented(values: Any, documented: Any, path: str = "") -> list[str]:
    if documented is ANY:
        return []
    if not isinstance(values, dict):
        return [f"{path}: expected an object"]
    problems = []
    for key, value in values.items():
        if key not in documented:
            problems.append(f"{path}.{key}".lstrip("."))
        else:
            problems += undocumented(value, documented[key], f"{path}.{key}")
    return problems


MONITORING = MonitoringSettings.model_validate(
    {
        "enabled": True,
        "prometheusRetentionDays": 15,
        "prometheusVolumeGib": 50,
        "lokiRetentionDays": 30,
        "lokiStorage": "s3",
        # Every optional Grafana value on, so its keys are checked too.
        "grafana": {"host": "grafana.example.com", "github": {"clientId": "Ov23liA1b2C3d4E5f6G7", "allowedOrganizations": ["example"]}},
    }
)
GROUP = RunnerGroup.model_validate(
    {
        "name": "ohmycoins-staging",
        "githubConfigUrl": "https://github.com/MarkLimmage/ohmycoins",
        "maxRunners": 3,
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
)
RUNNER_SELECTOR = {"ohmycoins.io/node-group": "runners"}
RUNNER_TOLERATIONS = [{"key": "github-runners", "operator": "Equal", "value": "true", "effect": "NoSchedule"}]


def built_values() -> dict[str, dict]:
    return {
        "kube-prometheus-stack": prometheus_stack_values(
            settings=MONITORING,
            cluster="ohmycoins-production",
            environment="production",
            storage_class="gp3",
            alertmanager_config=alertmanager_config(
                Receivers(region="ap-southeast-2", topic_arn="arn:aws:sns:ap-southeast-2:123456789012:t")
            ),
            alertmanager_role_arn="arn:aws:iam::123456789012:role/am",
            receiver_secret="alertmanager-receivers",
            alert_rule_groups=alert_rule_groups("apps", ["backend"], {}),
            apps_namespace="apps",
            scrapes=[ServiceScrape("backend", {"app": "backend"}, "http", "/metrics")],
            dns_scrapes=[DnsScrape("agents", "agents.ohmycoins-production.internal", 8001, "/metrics")],
            grafana_role_arn="arn:aws:iam::123456789012:role/grafana",
            region="ap-southeast-2",
            tolerations=[SYSTEM_TAINT],
            retain_volumes=False,
        ),
        "loki": loki_values(
            MONITORING, "gp3", "ap-southeast-2", "bucket", "arn:aws:iam::123456789012:role/loki", tolerations=[SYSTEM_TAINT]
        ),
        "alloy": alloy_values("ohmycoins-production"),
        "gha-runner-scale-set-controller": arc_controller_values(),
        "gha-runner-scale-set": runner_scale_set_values(GROUP, RUNNER_SELECTOR, RUNNER_TOLERATIONS),
        "reloader": reloader_values({"ohmycoins.io/node-group": "apps"}),
        "prometheus-cloudwatch-exporter": exporter_values(
            "ap-southeast-2",
            {"defillama": "arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-production-defillama"},
            "arn:aws:iam::123456789012:role/cloudwatch-exporter",
            "ohmycoins-production",
            "ohmycoins-production",
        ),
    }


@pytest.mark.parametrize("chart", sorted(DOCUMENTED))
def test_values_use_only_keys_the_pinned_chart_documents(chart):
    version, documented = DOCUMENTED[chart]
    assert CHARTS[chart].version == version, f"{chart} was re-pinned: check its values.yaml and update DOCUMENTED"
    assert undocumented(built_values()[chart], documented) == []


def test_the_checker_catches_an_undocumented_key():
    assert undocumented({"grafana": {"adminPassword": "x"}}, KUBE_PROMETHEUS_STACK_67_8_0) == ["grafana.adminPassword"]


def test_arc_charts_share_one_version():
    assert CHARTS["gha-runner-scale-set-controller"].version == CHARTS["gha-runner-scale-set"].version == ARC_VERSION


def test_every_chart_is_pinned_to_an_exact_version():
    for chart in CHARTS.values():
        assert chart.version.count(".") == 2 and chart.version.replace(".", "").isdigit()
