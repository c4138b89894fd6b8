"""The monitoring stack on EKS: pinned releases, alert rules, Alertmanager, Grafana, Loki, Alloy."""

from __future__ import annotations

import json

import pytest
import yaml

from k8s.alertmanager import config_problems

RELEASE = "kubernetes:helm.sh/v3:Release"
LOKI_URL = "http://loki.monitoring.svc.cluster.local:3100"
ARC_CHARTS = "oci://ghcr.io/actions/actions-runner-controller-charts"
EXPECTED_RELEASES = {  # release -> chart, version, repository, namespace
    "monitoring-kube-prometheus-stack": (
        "kube-prometheus-stack",
        "67.8.0",
        "https://prometheus-community.github.io/helm-charts",
        "monitoring",
    ),
    "monitoring-loki": ("loki", "6.29.0", "https://grafana.github.io/helm-charts", "monitoring"),
    "monitoring-alloy": ("alloy", "0.12.5", "https://grafana.github.io/helm-charts", "monitoring"),
    "runners-controller": (f"{ARC_CHARTS}/gha-runner-scale-set-controller", "0.12.1", None, "arc-systems"),
}


def values(plan, name):
    return plan.named(name).inputs["values"]


def walk(value):
    if isinstance(value, dict):
        for child in value.values():
            yield from walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child)
    else:
        yield value


@pytest.mark.parametrize("name", sorted(EXPECTED_RELEASES))
def test_releases_are_pinned_in_their_namespaces_on_the_cluster(any_plan, name):
    chart, version, repository, namespace = EXPECTED_RELEASES[name]
    release = any_plan.named(name)
    assert (release.inputs["chart"], release.inputs["version"], release.inputs["namespace"]) == (chart, version, namespace)
    assert release.inputs.get("repositoryOpts", {}).get("repo") == repository
    assert release.provider.endswith("pulumi:providers:kubernetes::eks-k8s")
    assert release.inputs["atomic"] is True


def test_nothing_is_exposed_through_a_load_balancer(any_plan):
    for name in ("monitoring-kube-prometheus-stack", "monitoring-loki", "monitoring-alloy"):
        assert "LoadBalancer" not in list(walk(values(any_plan, name)))
    kps = values(any_plan, "monitoring-kube-prometheus-stack")
    assert kps["grafana"]["service"]["type"] == "ClusterIP" and kps["grafana"]["ingress"]["enabled"] is False


@pytest.mark.parametrize("stack, days, size", [("staging", 7, "20Gi"), ("production", 15, "50Gi")])
def test_prometheus_keeps_its_data_on_a_gp3_volume_for_the_stacks_retention(request, stack, days, size):
    spec = values(request.getfixturevalue(f"{stack}_plan"), "monitoring-kube-prometheus-stack")["prometheus"]["prometheusSpec"]
    assert spec["retention"] == f"{days}d"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "gp3" and claim["resources"]["requests"]["storage"] == size
    assert spec["externalLabels"] == {"cluster": f"ohmycoins-{stack}-eks", "environment": stack}
    assert spec["ruleSelectorNilUsesHelmValues"] is False


def test_the_13_alert_rules_are_a_prometheus_rule(any_plan):
    rules_map = values(any_plan, "monitoring-kube-prometheus-stack")["additionalPrometheusRulesMap"]
    rules = [r for g in rules_map["omc-alert-rules"]["groups"] for r in g["rules"]]
    assert len(rules) == 13
    severities = {r["alert"]: r["labels"]["severity"] for r in rules}
    assert sorted(a for a, s in severities.items() if s == "critical") == [
        "ApplicationDown",
        "DatabaseConnectionFailures",
        "PodCrashLooping",
    ]


def test_alertmanager_config_parses_and_publishes_to_the_stacks_topic(any_plan):
    alertmanager = values(any_plan, "monitoring-kube-prometheus-stack")["alertmanager"]
    config = yaml.safe_load(yaml.safe_dump(alertmanager["config"]))
    assert config_problems(config) == []
    topics = {c["topic_arn"] for r in config["receivers"] for c in r.get("sns_configs", [])}
    assert topics == {any_plan.outputs["alertTopicArn"]}
    assert alertmanager["alertmanagerSpec"]["storage"]["volumeClaimTemplate"]["spec"]["storageClassName"] == "gp3"


def _statement_actions(policy_json):
    return {
        (s["Action"] if isinstance(s["Action"], str) else tuple(s["Action"]), s["Resource"]) for s in json.loads(policy_json)["Statement"]
    }


def _trusted_subjects(role):
    statements = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    subjects = set()
    for statement in statements:
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        for key, value in statement["Condition"]["StringEquals"].items():
            if key.endswith(":sub"):
                subjects.add(value)
            else:
                assert key.endswith(":aud") and value == "sts.amazonaws.com"
    return subjects


def test_alertmanager_role_is_trusted_only_by_its_service_account_and_may_only_publish(any_plan):
    role = any_plan.named("monitoring-alertmanager-irsa-role")
    assert _trusted_subjects(role) == {"system:serviceaccount:monitoring:alertmanager"}
    policy = any_plan.named("monitoring-alertmanager-irsa-policy").inputs["policy"]
    actions = _statement_actions(policy)
    assert ("sns:Publish", any_plan.outputs["alertTopicArn"]) in actions
    assert ("sns:Publish", "*") not in actions
    service_account = values(any_plan, "monitoring-kube-prometheus-stack")["alertmanager"]["serviceAccount"]
    assert service_account["name"] == "alertmanager"
    assert service_account["annotations"]["eks.amazonaws.com/role-arn"].endswith(f":role/{role.inputs['name']}")


def test_grafana_admin_password_is_generated_and_kept_in_a_secret(any_plan):
    grafana = values(any_plan, "monitoring-kube-prometheus-stack")["grafana"]
    secret = any_plan.named("monitoring-grafana-admin")
    assert secret.inputs["metadata"] == {"name": grafana["admin"]["existingSecret"], "namespace": "monitoring"}
    assert secret.inputs["stringData"] == "[secret]"
    password = any_plan.named("monitoring-grafana-admin-password").inputs
    assert (password["length"], password["special"]) == (32, False)
    assert "adminPassword" not in grafana


def test_grafana_has_loki_cloudwatch_and_the_starter_dashboards(any_plan):
    grafana = values(any_plan, "monitoring-kube-prometheus-stack")["grafana"]
    assert [(d["type"], d.get("url")) for d in grafana["additionalDataSources"]] == [("loki", LOKI_URL), ("cloudwatch", None)]
    [cloudwatch] = [d for d in grafana["additionalDataSources"] if d["type"] == "cloudwatch"]
    # Credentials come from the pod's IRSA role, never from keys in the data source.
    assert cloudwatch["jsonData"] == {"authType": "default", "defaultRegion": "ap-southeast-2"}
    assert grafana["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": f"arn:aws:iam::123456789012:role/ohmycoins-{any_plan.stack}-grafana"
    }
    gnet_ids = {d["gnetId"] for d in grafana["dashboards"]["starter"].values()}
    assert gnet_ids == {7249, 6417, 1860, 13639}
    assert all(d["revision"] >= 1 for d in grafana["dashboards"]["starter"].values())


def test_node_exporter_runs_on_every_node(any_plan):
    exporter = values(any_plan, "monitoring-kube-prometheus-stack")["prometheus-node-exporter"]
    assert exporter["tolerations"] == [{"operator": "Exists"}]


def test_alloy_ships_every_nodes_pod_logs_to_loki(any_plan):
    alloy = values(any_plan, "monitoring-alloy")
    assert alloy["controller"] == {"type": "daemonset", "tolerations": [{"operator": "Exists"}]}
    config = alloy["alloy"]["configMap"]["content"]
    assert f'url = "{LOKI_URL}/loki/api/v1/push"' in config
    assert "stage.cri" in config and "docker" not in config
    assert alloy["alloy"]["mounts"]["varlog"] is True


def test_staging_loki_keeps_a_week_on_a_volume(staging_plan):
    loki = values(staging_plan, "monitoring-loki")
    assert loki["loki"]["storage"] == {"type": "filesystem"}
    assert loki["loki"]["limits_config"]["retention_period"] == "168h"
    assert loki["loki"]["compactor"]["retention_enabled"] is True
    assert loki["singleBinary"]["persistence"] == {"enabled": True, "size": "10Gi", "storageClass": "gp3"}
    assert not [b for b in staging_plan.all("aws:s3/bucket:Bucket") if b.name.startswith("monitoring-")]


def test_production_loki_keeps_30_days_in_s3_through_irsa(production_plan):
    loki = values(production_plan, "monitoring-loki")
    bucket = production_plan.named("monitoring-loki-storage-bucket")
    assert loki["loki"]["storage"]["type"] == "s3"
    assert set(loki["loki"]["storage"]["bucketNames"].values()) == {bucket.inputs["bucket"]}
    assert loki["loki"]["limits_config"]["retention_period"] == "720h"
    assert loki["loki"]["compactor"]["delete_request_store"] == "s3"
    assert bucket.protect and bucket.retainOnDelete
    role = production_plan.named("monitoring-loki-irsa-role")
    assert _trusted_subjects(role) == {"system:serviceaccount:monitoring:loki"}
    assert loki["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(f":role/{role.inputs['name']}")
    encryption = production_plan.named("monitoring-loki-storage-encryption").inputs["rules"][0]
    assert encryption["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert production_plan.named("monitoring-loki-storage-public-access").inputs["restrictPublicBuckets"] is True
    (deny,) = json.loads(production_plan.named("monitoring-loki-storage-policy").inputs["policy"])["Statement"]
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def service_namespace(plan, name):
    return next(s.inputs["metadata"]["namespace"] for s in plan.all("kubernetes:core/v1:Service") if s.inputs["metadata"]["name"] == name)


def test_apps_on_eks_get_service_monitors_and_per_schedule_missed_run_rules(eks_apps_plan):
    plan = eks_apps_plan
    kps = values(plan, "monitoring-kube-prometheus-stack")
    monitors = {m["name"]: m for m in kps["prometheus"]["additionalServiceMonitors"]}
    assert set(monitors) == {"backend", "agents"}
    for name, monitor in monitors.items():
        assert monitor["namespaceSelector"] == {"matchNames": [service_namespace(plan, name)]}
        assert monitor["selector"] == {"matchLabels": {"app.kubernetes.io/name": name}}
        assert monitor["endpoints"][0]["port"] == "http"
        service = next(s for s in plan.all("kubernetes:core/v1:Service") if s.inputs["metadata"]["name"] == name)
        assert service.inputs["metadata"]["labels"]["app.kubernetes.io/name"] == name
        assert [p["name"] for p in service.inputs["spec"]["ports"]] == ["http"]
    rules = {r["alert"]: r for g in kps["additionalPrometheusRulesMap"]["omc-alert-rules"]["groups"] for r in g["rules"]}
    cronjobs = {c.inputs["metadata"]["name"] for c in plan.all("kubernetes:batch/v1:CronJob")}
    assert cronjobs and all(f'cronjob="{name}"' in rules["CollectorMissedRun"]["expr"] for name in cronjobs)
    assert 'job=~"agents|backend"' in rules["ApplicationDown"]["expr"]
    assert f'namespace="{service_namespace(plan, "backend")}"' in rules["ApplicationDown"]["expr"]
