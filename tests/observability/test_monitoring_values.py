"""The values each monitoring and runner chart gets, written out: what the charts are told is the promise."""

from __future__ import annotations

import pytest

LOKI_URL = "http://loki.monitoring.svc.cluster.local:3100"
RESTRICTED = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
SYSTEM_TAINT = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}
# Staging has no apps node group: the monitoring pods tolerate the system nodes' taint to run there.
# Production's apps nodes are untainted: its monitoring pods tolerate nothing.
TOLERATIONS = {"staging": [SYSTEM_TAINT], "production": []}
# Staging is not protected: a pause or a destroy takes the StatefulSets' volume claims with them, so
# no EBS volume is left behind; production keeps them.
CLAIMS = {"staging": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"}}, "production": {}}


def values(plan, name):
    return plan.named(name).inputs["values"]


def loki(storage: dict, retention: str, delete_store: str, account: dict, tolerations: list) -> dict:
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
                        "object_store": storage["type"],
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "storage": storage,
            "compactor": {"retention_enabled": True, "delete_request_store": delete_store, "working_directory": "/var/loki/compactor"},
            "limits_config": {"retention_period": retention, "ingestion_rate_mb": 10, "ingestion_burst_size_mb": 20},
        },
        "serviceAccount": account,
        "singleBinary": {
            "replicas": 1,
            "persistence": {"enabled": True, "size": "10Gi", "storageClass": "gp3"},
            "resources": {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
            "tolerations": tolerations,
        },
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "gateway": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
        "minio": {"enabled": False},
    }


def test_staging_loki_is_one_binary_on_a_volume(staging_plan):
    assert values(staging_plan, "monitoring-loki") == loki(
        {"type": "filesystem"}, "168h", "filesystem", {"create": True, "name": "loki"}, [SYSTEM_TAINT]
    )


def test_production_loki_is_one_binary_on_s3(production_plan):
    bucket = "ohmycoins-production-loki-123456789012"
    role = production_plan.named("monitoring-loki-irsa-role")
    actual = values(production_plan, "monitoring-loki")
    annotation = actual["serviceAccount"].get("annotations", {}).get("eks.amazonaws.com/role-arn", "")
    assert annotation.endswith(f":role/{role.inputs['name']}")
    expected_account = {"create": True, "name": "loki", "annotations": {"eks.amazonaws.com/role-arn": annotation}}
    storage = {"type": "s3", "bucketNames": {"chunks": bucket, "ruler": bucket, "admin": bucket}, "s3": {"region": "ap-southeast-2"}}
    assert actual == loki(storage, "720h", "s3", expected_account, [])


def test_alloy_is_a_daemonset_on_every_node(any_plan):
    alloy = values(any_plan, "monitoring-alloy")
    config = alloy["alloy"]["configMap"]["content"]
    assert alloy == {
        "alloy": {
            "configMap": {"create": True, "content": config},
            "mounts": {"varlog": True},
            "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        },
        "controller": {"type": "daemonset", "tolerations": [{"operator": "Exists"}]},
        "serviceAccount": {"create": True},
        "rbac": {"create": True},
    }
    # Only this node's pods, their CRI logs, to Loki, labelled with the cluster.
    assert 'field = "spec.nodeName=" + sys.env("HOSTNAME")' in config
    assert 'replacement   = "/var/log/pods/*$1/*.log"' in config
    assert f'url = "{LOKI_URL}/loki/api/v1/push"' in config
    assert f'external_labels = {{ cluster = "ohmycoins-{any_plan.stack}-eks" }}' in config


def test_the_runner_controller_runs_restricted_on_the_system_nodes(any_plan):
    assert values(any_plan, "runners-controller") == {
        "replicaCount": 1,
        "serviceAccount": {"create": True, "name": "arc-controller"},
        "nodeSelector": {"ohmycoins.io/node-group": "system"},
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}],
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "podSecurityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": RESTRICTED,
        "flags": {"logLevel": "info"},
    }
    scale_sets = [r for r in any_plan.all("kubernetes:helm.sh/v3:Release") if r.inputs["chart"].endswith("/gha-runner-scale-set")]
    assert len(scale_sets) == {"staging": 2, "production": 1}[any_plan.stack]
    for scale_set in scale_sets:
        assert scale_set.inputs["values"]["controllerServiceAccount"] == {"namespace": "arc-systems", "name": "arc-controller"}


GRAFANA_HOST = {"staging": "grafana.staging.ohmycoins.com", "production": "grafana.ohmycoins.com"}


def test_grafana(any_plan):
    stack = any_plan.stack
    grafana = values(any_plan, "monitoring-kube-prometheus-stack")["grafana"]
    # Its service account assumes the stack's Grafana role (CloudWatch logs and metrics).
    assert any_plan.named("monitoring-grafana-irsa-role").inputs["name"] == f"ohmycoins-{stack}-grafana"
    annotation = grafana["serviceAccount"].get("annotations", {}).get("eks.amazonaws.com/role-arn", "")
    assert annotation.endswith(f":role/ohmycoins-{stack}-grafana")
    assert grafana == {
        "admin": {"existingSecret": "grafana-admin", "userKey": "admin-user", "passwordKey": "admin-password"},
        # The ALB reaches the pods through a TargetGroupBinding on this Service's port 80.
        "service": {"type": "ClusterIP", "port": 80},
        "ingress": {"enabled": False},
        "persistence": {"enabled": True, "type": "pvc", "storageClassName": "gp3", "accessModes": ["ReadWriteOnce"], "size": "5Gi"},
        "deploymentStrategy": {"type": "Recreate"},
        "grafana.ini": {
            "server": {"domain": GRAFANA_HOST[stack], "root_url": f"https://{GRAFANA_HOST[stack]}/"},
            "analytics": {"reporting_enabled": False, "check_for_updates": False},
            "auth.anonymous": {"enabled": False},
            "users": {"allow_sign_up": False},
            "security": {"cookie_secure": True, "strict_transport_security": True, "disable_gravatar": True},
        },
        "additionalDataSources": [
            {"name": "Loki", "uid": "loki", "type": "loki", "access": "proxy", "url": LOKI_URL, "isDefault": False, "editable": False},
            {
                "name": "CloudWatch",
                "uid": "cloudwatch",
                "type": "cloudwatch",
                "access": "proxy",
                "isDefault": False,
                "editable": False,
                "jsonData": {"authType": "default", "defaultRegion": "ap-southeast-2"},
            },
        ],
        "serviceAccount": {"create": True, "name": "grafana", "annotations": {"eks.amazonaws.com/role-arn": annotation}},
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
                "kubernetes-cluster": {"gnetId": 7249, "revision": 1, "datasource": [{"name": "DS_PROMETHEUS", "value": "Prometheus"}]},
                "kubernetes-pods": {"gnetId": 6417, "revision": 1, "datasource": [{"name": "DS_PROMETHEUS", "value": "Prometheus"}]},
                "node-exporter-full": {"gnetId": 1860, "revision": 37, "datasource": [{"name": "DS_PROMETHEUS", "value": "Prometheus"}]},
                "loki-logs": {"gnetId": 13639, "revision": 2, "datasource": [{"name": "DS_LOKI", "value": "Loki"}]},
            }
        },
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}},
        "tolerations": TOLERATIONS[stack],
    }


@pytest.mark.parametrize("stack, days, size, kept", [("staging", 7, 20, "17GB"), ("production", 15, 50, "42GB")])
def test_prometheus(request, stack, days, size, kept):
    stack_values = values(request.getfixturevalue(f"{stack}_plan"), "monitoring-kube-prometheus-stack")
    spec = dict(stack_values["prometheus"]["prometheusSpec"])
    assert spec == {
        "retention": f"{days}d",
        # 85 % of the volume: the oldest data goes before the volume fills up.
        "retentionSize": kept,
        "scrapeInterval": "15s",
        "evaluationInterval": "15s",
        "externalLabels": {"cluster": f"ohmycoins-{stack}-eks", "environment": stack},
        "ruleSelectorNilUsesHelmValues": False,
        "serviceMonitorSelectorNilUsesHelmValues": False,
        "podMonitorSelectorNilUsesHelmValues": False,
        "storageSpec": {
            "volumeClaimTemplate": {
                "spec": {"storageClassName": "gp3", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": f"{size}Gi"}}}
            }
        },
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
        # The apps run on ECS: every task of the backend and the agents, by its Cloud Map name.
        "additionalScrapeConfigs": [
            {
                "job_name": job,
                "metrics_path": "/metrics",
                "scrape_interval": "30s",
                "scrape_timeout": "10s",
                "dns_sd_configs": [{"names": [f"{job}.ohmycoins-{stack}.internal"], "type": "A", "port": port, "refresh_interval": "30s"}],
                "relabel_configs": [{"target_label": "namespace", "replacement": f"ohmycoins-{stack}", "action": "replace"}],
            }
            for job, port in (("backend", 8000), ("agents", 8001))
        ],
        "tolerations": TOLERATIONS[stack],
        **CLAIMS[stack],
    }
    assert stack_values["prometheus"]["service"] == {"type": "ClusterIP"}
    # No ServiceMonitors: nothing of the apps runs on the cluster.
    assert stack_values["prometheus"]["additionalServiceMonitors"] == []


def test_what_eks_cannot_scrape_is_off_and_the_exporters_are_sized(any_plan):
    stack_values = values(any_plan, "monitoring-kube-prometheus-stack")
    assert stack_values["fullnameOverride"] == "kps"
    for component in ("kubeEtcd", "kubeScheduler", "kubeControllerManager", "kubeProxy"):
        assert stack_values[component] == {"enabled": False}, component
    assert stack_values["defaultRules"] == {
        "create": True,
        "rules": {
            "etcd": False,
            "kubeSchedulerAlerting": False,
            "kubeSchedulerRecording": False,
            "kubeControllerManager": False,
            "kubeProxy": False,
        },
    }
    assert stack_values["prometheus-node-exporter"] == {
        "tolerations": [{"operator": "Exists"}],
        "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
    }
    assert stack_values["kube-state-metrics"] == {
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "tolerations": TOLERATIONS[any_plan.stack],
    }
    tolerations = TOLERATIONS[any_plan.stack]
    assert stack_values["prometheusOperator"] == {"tolerations": tolerations, "admissionWebhooks": {"patch": {"tolerations": tolerations}}}


def test_alertmanager(any_plan):
    alertmanager = values(any_plan, "monitoring-kube-prometheus-stack")["alertmanager"]
    assert alertmanager["service"] == {"type": "ClusterIP"}
    assert {k: v for k, v in alertmanager["serviceAccount"].items() if k != "annotations"} == {"create": True, "name": "alertmanager"}
    assert alertmanager["alertmanagerSpec"] == {
        "storage": {
            "volumeClaimTemplate": {
                "spec": {"storageClassName": "gp3", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}
            }
        },
        "secrets": [],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
        "tolerations": TOLERATIONS[any_plan.stack],
        **CLAIMS[any_plan.stack],
    }


@pytest.mark.parametrize("release", ["runners-ohmycoins-staging", "runners-ohmycoins-test"])
def test_scale_sets_wait_for_docker_and_start_it_once(staging_plan, release):
    spec = values(staging_plan, release)["template"]["spec"]
    (runner,) = spec["containers"]
    assert runner["command"] == ["/home/runner/run.sh"]
    assert runner["env"] == [
        {"name": "DOCKER_HOST", "value": "unix:///var/run/docker.sock"},
        {"name": "RUNNER_WAIT_FOR_DOCKER_IN_SECONDS", "value": "120"},
    ]
    externals, daemon = spec["initContainers"]
    assert externals["command"] == ["cp", "-r", "/home/runner/externals/.", "/home/runner/tmpDir/"]
    assert daemon["args"] == ["dockerd", "--host=unix:///var/run/docker.sock", "--group=$(DOCKER_GROUP_GID)"]
    assert daemon["env"] == [{"name": "DOCKER_GROUP_GID", "value": "123"}]
    assert externals["volumeMounts"] == [{"name": "dind-externals", "mountPath": "/home/runner/tmpDir"}]
    assert daemon["volumeMounts"] == [
        {"name": "work", "mountPath": "/home/runner/_work"},
        {"name": "dind-sock", "mountPath": "/var/run"},
        {"name": "dind-externals", "mountPath": "/home/runner/externals"},
    ]
    assert runner["volumeMounts"] == [{"name": "work", "mountPath": "/home/runner/_work"}, {"name": "dind-sock", "mountPath": "/var/run"}]
    assert daemon["startupProbe"] == {
        "exec": {"command": ["docker", "info"]},
        "initialDelaySeconds": 0,
        "failureThreshold": 24,
        "periodSeconds": 5,
    }
    assert spec["volumes"] == [
        {"name": "work", "emptyDir": {}},
        {"name": "dind-sock", "emptyDir": {}},
        {"name": "dind-externals", "emptyDir": {}},
    ]


def _statements(plan, name):
    import json

    return json.loads(plan.named(name).inputs["policy"])["Statement"]


def test_alertmanager_may_publish_to_the_topic_and_encrypt_for_it_only(any_plan):
    key, topic = any_plan.outputs["kmsKeyArn"], any_plan.outputs["alertTopicArn"]
    assert _statements(any_plan, "monitoring-alertmanager-irsa-policy") == [
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic},
        {"Sid": "EncryptForTopic", "Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": key},
    ]


def test_loki_reaches_its_own_bucket_and_the_stack_key_only(production_plan):
    bucket = "arn:aws:s3:::ohmycoins-production-loki-123456789012"
    assert _statements(production_plan, "monitoring-loki-irsa-policy") == [
        {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket},
        {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": f"{bucket}/*"},
        {
            "Sid": "EncryptObjects",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": production_plan.outputs["kmsKeyArn"],
        },
    ]
