"""Each stack setting of the README's tables changes what it promises to change.

One plan of staging with every setting moved off the stack file's value (planned once per
session), and the effect of each setting read from it, literally.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.conftest import stack_config
from tools.engine import run_stack
from tools.plan_model import Plan

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RELEASE = "kubernetes:helm.sh/v3:Release"


def changed_settings() -> dict:
    config = stack_config("staging")
    config["ohmycoins:general"].update(namePrefix="omc-qa", extraTags={"Team": "platform"})
    config["ohmycoins:network"].update(
        vpcCidr="10.20.0.0/16",
        natStrategy="per-az",
        natInstanceType="t4g.micro",
        flowLogRetentionDays=30,
        interfaceEndpoints=["logs", "sts"],
    )
    config["ohmycoins:kms"].update(deletionWindowDays=10)
    config["ohmycoins:secrets"].update(recoveryWindowDays=14)
    config["ohmycoins:database"].update(
        engineVersion="17.4",
        instanceClass="db.t4g.small",
        databaseName="coins",
        masterUsername="coins_admin",
        allocatedStorageGb=30,
        maxAllocatedStorageGb=60,
        multiAz=True,
        backupRetentionDays=10,
        backupWindow="15:00-15:30",
        maintenanceWindow="sun:01:00-sun:01:30",
        deletionProtection=True,
        finalSnapshot=True,
        performanceInsights=True,
        performanceInsightsRetentionDays=31,
        monitoringIntervalSeconds=0,
        logRetentionDays=30,
        slowStatementMs=250,
        applyImmediately=False,
    )
    config["ohmycoins:cache"].update(
        nodeType="cache.t4g.small",
        nodes=3,
        multiAz=True,
        snapshotRetentionDays=3,
        snapshotWindow="14:00-15:00",
        maintenanceWindow="sun:02:00-sun:03:00",
        logRetentionDays=30,
        authTokenLength=96,
        applyImmediately=False,
    )
    config["ohmycoins:alerts"].update(emails=["a@example.com", "b@example.com", "c@example.com"])
    config["ohmycoins:ci"].update(deployBranch="release", stateBucket="omc-state", secretsProviderKeyAlias="alias/omc-secrets")
    config["ohmycoins:ciRunner"].update(computeType="BUILD_GENERAL1_SMALL", logRetentionDays=30)
    config["ohmycoins:edge"].update(wafRateLimit=500, wafLogRetentionDays=90, accessLogExpiryDays=60)
    config["ohmycoins:buckets"].update(accessLogExpiryDays=90)
    config["ohmycoins:email"].update(smtpHost="smtp.example.com", smtpPort=465, smtpTls=False, smtpSsl=True, fromAddress="ops@example.com")
    config["ohmycoins:budget"].update(monthlyLimitUsd=250, actualThresholdsPercent=[50, 90], forecastThresholdsPercent=[120])
    config["ohmycoins:apps"].update(
        imageTag="v2.0.0",
        imageTags={"frontend": "v3.1.0"},
        keepImages=5,
        logRetentionDays=14,
        preferSpot=False,
        ecsExec=False,
        containerInsights="enhanced",
        extraCorsOrigins=["https://admin.example.com"],
    )
    config["ohmycoins:apps"]["workloads"]["agents"] = {"cpu": 2048, "memory": 4096, "desiredCount": 3, "minCount": 3, "maxCount": 6}
    config["ohmycoins:eks"].update(
        endpointPublicAccess=False, publicAccessCidrs=[], logRetentionDays=60, controllerReplicas=3, deployRoleName="omc-qa-ci-deploy"
    )
    # Staging has no apps group (its apps run on ECS): the changed stack adds one, on Spot, with bigger disks.
    config["ohmycoins:eks"]["nodeGroups"]["apps"] = {
        "instanceTypes": ["t4g.large"],
        "minSize": 1,
        "desiredSize": 1,
        "maxSize": 3,
        "diskSizeGib": 80,
        "capacityType": "SPOT",
    }
    config["ohmycoins:alarms"] = {
        "database": {"cpuPercent": 70, "freeStorageGib": 5, "connections": 50, "freeableMemoryMib": 128},
        "cache": {"engineCpuPercent": 60, "memoryPercent": 70, "evictions": 500},
        "loadBalancer": {"serverErrorsPerMinute": 4, "responseTimeSeconds": 3, "unhealthyHosts": 1},
        "services": {"cpuPercent": 65, "memoryPercent": 75},
        "dashboard": False,
    }
    config["ohmycoins:monitoring"].update(
        prometheusRetentionDays=10,
        prometheusVolumeGib=40,
        lokiRetentionDays=14,
        lokiVolumeGib=12,
        grafanaVolumeGib=6,
        alertmanagerVolumeGib=3,
    )
    config["ohmycoins:runners"]["groups"][0].update(maxRunners=7, docker=False)
    return config


@pytest.fixture(scope="session")
def changed(tmp_path_factory) -> Plan:
    path = tmp_path_factory.mktemp("changed") / "Pulumi.staging.yaml"
    path.write_text(yaml.safe_dump({"config": changed_settings()}))
    return run_stack("staging", path)


def _container(plan: Plan, workload: str) -> dict:
    return json.loads(plan.named(f"{workload}-task").inputs["containerDefinitions"])[0]


def test_general(changed):
    tags = json.loads(changed.one("pulumi:providers:aws").inputs["defaultTags"])["tags"]
    assert tags == {"Team": "platform", "Project": "ohmycoins", "Environment": "staging", "ManagedBy": "pulumi", "Stack": "staging"}
    assert changed.named("database-instance").inputs["identifier"] == "omc-qa-postgres"
    named = [r for r in changed.resources if isinstance(r.inputs.get("tags"), dict) and "Name" in r.inputs["tags"]]
    assert named and all(r.inputs["tags"]["Name"].startswith("omc-qa-") for r in named)


def test_network(changed):
    assert changed.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.20.0.0/16"
    tiers = {}
    for subnet in changed.all("aws:ec2/subnet:Subnet"):
        tiers.setdefault(subnet.inputs["tags"]["Tier"], []).append(subnet.inputs["cidrBlock"])
    assert {tier: sorted(cidrs) for tier, cidrs in tiers.items()} == {
        "private-app": ["10.20.0.0/19", "10.20.32.0/19"],
        "private-data": ["10.20.128.0/21", "10.20.136.0/21"],
        "public": ["10.20.160.0/21", "10.20.168.0/21"],
    }
    # One NAT instance per zone, of the size asked for (natType stays `instance`).
    assert sorted(i.name for i in changed.all("aws:ec2/instance:Instance")) == ["network-nat-instances-a", "network-nat-instances-b"]
    assert changed.named("network-nat-instances-template").inputs["instanceType"] == "t4g.micro"
    assert changed.all("aws:ec2/natGateway:NatGateway") == []
    assert changed.named("network-flow-logs").inputs["retentionInDays"] == 30
    assert sorted(e.inputs["serviceName"] for e in changed.all("aws:ec2/vpcEndpoint:VpcEndpoint")) == [
        "com.amazonaws.ap-southeast-2.logs",
        "com.amazonaws.ap-southeast-2.s3",
        "com.amazonaws.ap-southeast-2.sts",
    ]


def test_key_and_secrets(changed):
    assert changed.named("kms-key").inputs["deletionWindowInDays"] == 10
    assert changed.named("app-secrets-secret").inputs["recoveryWindowInDays"] == 14
    assert changed.named("cache-auth-secret").inputs["recoveryWindowInDays"] == 14


def test_database(changed):
    instance = changed.named("database-instance").inputs
    assert {key: instance.get(key) for key in DATABASE} == DATABASE
    assert "monitoringRoleArn" not in instance
    assert not [r for r in changed.all("aws:iam/role:Role") if r.name == "database-monitoring-role"]
    parameters = {p["name"]: p["value"] for p in changed.named("database-parameters").inputs["parameters"]}
    assert parameters["log_min_duration_statement"] == "250"
    assert changed.named("database-postgresql-logs").inputs["retentionInDays"] == 30


DATABASE = {
    "engineVersion": "17.4",
    "instanceClass": "db.t4g.small",
    "dbName": "coins",
    "username": "coins_admin",
    "allocatedStorage": 30,
    "maxAllocatedStorage": 60,
    "multiAz": True,
    "backupRetentionPeriod": 10,
    "backupWindow": "15:00-15:30",
    "maintenanceWindow": "sun:01:00-sun:01:30",
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "omc-qa-postgres-final",
    "performanceInsightsEnabled": True,
    "performanceInsightsRetentionPeriod": 31,
    "monitoringInterval": 0,
    "applyImmediately": False,
}


def test_cache(changed):
    group = changed.named("cache-redis").inputs
    assert {key: group.get(key) for key in CACHE} == CACHE
    # Always a final snapshot, named from the prefix and a token unique to each running period.
    assert re.fullmatch(r"omc-qa-redis-final-[0-9a-f]{8}", group["finalSnapshotIdentifier"])
    assert changed.named("cache-auth-token").inputs["length"] == 96
    assert changed.named("cache-slow-log").inputs["retentionInDays"] == 30
    alarms = {a.inputs["name"] for a in changed.all(ALARM)}
    assert {"omc-qa-redis-memory-001", "omc-qa-redis-memory-002", "omc-qa-redis-memory-003"} <= alarms


CACHE = {
    "nodeType": "cache.t4g.small",
    "numCacheClusters": 3,
    "multiAzEnabled": True,
    "automaticFailoverEnabled": True,
    "snapshotRetentionLimit": 3,
    "snapshotWindow": "14:00-15:00",
    "maintenanceWindow": "sun:02:00-sun:03:00",
    "applyImmediately": False,
}


def test_alerts(changed):
    subscriptions = changed.all("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.inputs["endpoint"] for s in subscriptions if s.name.startswith("alerts-email-")) == [
        "a@example.com",
        "b@example.com",
        "c@example.com",
    ]


def test_ci(changed):
    def subject(role):
        document = json.loads(changed.one("aws:iam/role:Role", f"ci-{role}").inputs["assumeRolePolicy"])
        return document["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]

    assert subject("image-push") == "repo:MarkLimmage/ohmycoins:ref:refs/heads/release"
    assert subject("preview") == ["repo:MarkLimmage/ohmycoins:pull_request", "repo:MarkLimmage/ohmycoins:ref:refs/heads/release"]
    statements = {s["Sid"]: s for s in json.loads(changed.named("ci-preview-state").inputs["policy"])["Statement"]}
    assert statements["StateLock"]["Resource"] == "arn:aws:s3:::omc-state/.pulumi/locks/*"
    assert statements["SecretsProviderKey"]["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/omc-secrets"}}


def test_ci_runner(changed):
    assert changed.named("ci-runner-project").inputs["environment"]["computeType"] == "BUILD_GENERAL1_SMALL"
    assert changed.named("ci-runner-logs").inputs["retentionInDays"] == 30


def test_buckets(changed):
    (rule,) = changed.named("s3-access-logs-store-lifecycle").inputs["rules"]
    assert rule["expiration"] == {"days": 90}


def test_email(changed):
    environment = {e["name"]: e["value"] for e in _container(changed, "backend")["environment"]}
    assert {key: environment[key] for key in EMAIL} == EMAIL


EMAIL = {
    "SMTP_HOST": "smtp.example.com",
    "SMTP_PORT": "465",
    "SMTP_TLS": "false",
    "SMTP_SSL": "true",
    "EMAILS_FROM_EMAIL": "ops@example.com",
}


def test_budget(changed):
    budget = changed.named("budget-monthly").inputs
    assert budget["limitAmount"] == "250.00"
    assert [(n["notificationType"], n["threshold"]) for n in budget["notifications"]] == [
        ("ACTUAL", 50),
        ("ACTUAL", 90),
        ("FORECASTED", 120),
    ]


def test_edge(changed):
    rules = {r["name"]: r for r in changed.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]}
    assert rules["rate-limit-per-ip"]["statement"]["rateBasedStatement"]["limit"] == 500
    assert changed.named("edge-waf-logs").inputs["retentionInDays"] == 90
    assert changed.named("edge-access-logs-lifecycle").inputs["rules"][0]["expiration"] == {"days": 60}


def test_apps(changed):
    assert _container(changed, "backend")["image"].endswith("/omc-qa-backend:v2.0.0")
    assert _container(changed, "frontend")["image"].endswith("/omc-qa-frontend:v3.1.0")
    environment = {e["name"]: e["value"] for e in _container(changed, "backend")["environment"]}
    assert environment["BACKEND_CORS_ORIGINS"] == (
        "https://dashboard.staging.ohmycoins.com,https://staging.ohmycoins.com,https://admin.example.com"
    )
    for policy in changed.all("aws:ecr/lifecyclePolicy:LifecyclePolicy"):
        assert json.loads(policy.inputs["policy"])["rules"][-1]["selection"]["countNumber"] == 5
    assert changed.named("backend-logs").inputs["retentionInDays"] == 14
    backend = changed.named("backend-service").inputs
    assert backend["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert backend["enableExecuteCommand"] is False
    cluster = changed.one("aws:ecs/cluster:Cluster").inputs
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enhanced"}] and "configuration" not in cluster
    agents = changed.named("agents-task").inputs
    assert (agents["cpu"], agents["memory"], changed.named("agents-service").inputs["desiredCount"]) == ("2048", "4096", 3)
    target = changed.named("agents-scaling-target").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (3, 6)


def test_eks(changed):
    cluster = changed.one("eks:index:Cluster").inputs
    assert (cluster["endpointPrivateAccess"], cluster["endpointPublicAccess"]) == (True, False)
    assert not cluster.get("publicAccessCidrs")
    assert changed.named("eks-control-plane-logs").inputs["retentionInDays"] == 60
    values = {r.inputs["name"]: r.inputs["values"] for r in changed.all(RELEASE) if r.name.startswith("eks-controllers-")}
    assert values["aws-load-balancer-controller"]["replicaCount"] == values["external-secrets"]["replicaCount"] == 3
    assert values["metrics-server"]["replicas"] == 3
    assert changed.one("aws:eks/nodeGroup:NodeGroup", "eks-nodes-apps").inputs["capacityType"] == "SPOT"
    (disk,) = changed.one("aws:ec2/launchTemplate:LaunchTemplate", "eks-nodes-apps-template").inputs["blockDeviceMappings"]
    assert disk["ebs"]["volumeSize"] == 80


def test_alarms(changed):
    thresholds = {
        a.inputs["name"].removeprefix("omc-qa-"): a.inputs["threshold"] for a in changed.all(ALARM) if a.name.startswith("alarms-")
    }
    assert {key: thresholds[key] for key in ALARM_THRESHOLDS} == ALARM_THRESHOLDS
    assert changed.all("aws:cloudwatch/dashboard:Dashboard") == []


ALARM_THRESHOLDS = {
    "rds-cpu": 70,
    "rds-free-storage": 5 * 1024**3,
    "rds-connections": 50,
    "rds-freeable-memory": 128 * 1024**2,
    "redis-engine-cpu-001": 60,
    "redis-memory-001": 70,
    "redis-evictions-001": 500,
    "alb-backend-5xx": 4,
    "alb-frontend-response-time": 3,
    "alb-backend-unhealthy-hosts": 1,
    "ecs-agents-cpu": 65,
    "ecs-backend-memory": 75,
}


def test_monitoring(changed):
    stack = changed.named("monitoring-kube-prometheus-stack").inputs["values"]
    prometheus = stack["prometheus"]["prometheusSpec"]
    assert (prometheus["retention"], prometheus["retentionSize"]) == ("10d", "34GB")
    assert prometheus["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"] == {"requests": {"storage": "40Gi"}}
    assert stack["grafana"]["persistence"]["size"] == "6Gi"
    assert stack["alertmanager"]["alertmanagerSpec"]["storage"]["volumeClaimTemplate"]["spec"]["resources"] == {
        "requests": {"storage": "3Gi"}
    }
    loki = changed.named("monitoring-loki").inputs["values"]
    assert loki["loki"]["limits_config"]["retention_period"] == "336h"
    assert loki["singleBinary"]["persistence"] == {"enabled": True, "size": "12Gi", "storageClass": "gp3"}


def test_runners(changed):
    values = changed.named("runners-ohmycoins-staging").inputs["values"]
    assert values["maxRunners"] == 7
    # No Docker daemon: the runner alone, without the dind sidecar (an init container that keeps running).
    spec = values["template"]["spec"]
    assert [c["name"] for c in spec["containers"]] == ["runner"]
    assert "initContainers" not in spec
    assert "dind" in [c["name"] for c in changed.named("runners-ohmycoins-test").inputs["values"]["template"]["spec"]["initContainers"]]
