"""A rotated database password or Redis AUTH token never strands a running app, on either platform.

The readers are found in the plans themselves (every ECS task definition and every ExternalSecret
that references the secret), so a workload added to the catalog is covered or this fails.
"""

from __future__ import annotations

import json

import pytest

TASK = "aws:ecs/taskDefinition:TaskDefinition"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CRONJOB = "kubernetes:batch/v1:CronJob"
JOBS = {"defillama", "sec-api", "coinspot-announcements"}
# Every workload that reads the database password and the Redis token: all but the frontend.
READERS = {"backend", "agents", "reddit", "cryptopanic", *JOBS}


def _ecs_readers(plan, secret_arn: str) -> set[str]:
    """Workloads whose ECS task definition injects a value of `secret_arn`."""
    readers = set()
    for task in plan.all(TASK):
        [container] = json.loads(task.inputs["containerDefinitions"])
        if any(ref["valueFrom"].startswith(f"{secret_arn}:") for ref in container["secrets"]):
            readers.add(container["name"])
    return readers


def _rollover(plan):
    machine = plan.named("ecs-rollover")
    branches = json.loads(machine.inputs["definition"])["States"]["RestartReaders"]["Branches"]
    restarted = set()
    for branch in branches:
        [state] = branch["States"].values()
        assert state["Resource"] == "arn:aws:states:::aws-sdk:ecs:updateService"
        assert state["Parameters"]["ForceNewDeployment"] is True
        assert state["Parameters"]["Cluster"] == f"arn:aws:ecs:ap-southeast-2:123456789012:cluster/ohmycoins-{plan.stack}-cluster"
        restarted.add(state["Parameters"]["Service"])
    return restarted


@pytest.mark.parametrize("secret_output", ["databaseMasterSecretArn", "cacheAuthSecretArn"])
def test_on_ecs_every_reader_is_restarted_or_reads_it_at_each_run(any_plan, secret_output):
    readers = _ecs_readers(any_plan, any_plan.outputs[secret_output])
    # The password reaches the backend, the agents and every collector (catalog: DATABASE_PASSWORD).
    assert readers == READERS
    restarted = _rollover(any_plan)
    assert restarted == {"agents", "backend", "cryptopanic", "reddit"}, "a long-running reader is not restarted after a rotation"
    # Jobs start a new task each run, reading the AWSCURRENT value then (no version pinned in valueFrom).
    for task in any_plan.all(TASK):
        [container] = json.loads(task.inputs["containerDefinitions"])
        for ref in container["secrets"]:
            assert ref["valueFrom"].endswith("::"), ref


def test_on_ecs_a_rotation_event_starts_the_rollover_and_tells_the_topic(any_plan):
    rule = any_plan.named("ecs-secret-rotated")
    pattern = json.loads(rule.inputs["eventPattern"])
    # Secrets Manager's native event when AWSCURRENT moves: RDS rotations and new Redis tokens alike, no CloudTrail needed.
    assert pattern == {
        "source": ["aws.secretsmanager"],
        "detail-type": ["Secret Label Updated"],
        "resources": sorted([any_plan.outputs["databaseMasterSecretArn"], any_plan.outputs["cacheAuthSecretArn"]]),
        "detail": {"labelUpdated": ["AWSCURRENT"]},
    }
    targets = {t.name: t.inputs for t in any_plan.all("aws:cloudwatch/eventTarget:EventTarget") if t.name.startswith("ecs-secret-rotated")}
    machine_arn = f"arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-{any_plan.stack}-secret-rollover"
    assert targets["ecs-secret-rotated-rollover"]["arn"] == machine_arn
    alert = targets["ecs-secret-rotated-alert"]
    assert alert["arn"] == any_plan.outputs["alertTopicArn"]
    assert "New deployments of the ECS services agents, backend, cryptopanic, reddit" in alert["inputTransformer"]["inputTemplate"]
    invoke = json.loads(any_plan.named("ecs-rollover-invoke-policy").inputs["policy"])
    assert invoke["Statement"] == [{"Sid": "StartRollover", "Effect": "Allow", "Action": "states:StartExecution", "Resource": machine_arn}]
    restart = json.loads(any_plan.named("ecs-rollover-policy").inputs["policy"])
    [statement] = restart["Statement"]
    assert statement["Action"] == "ecs:UpdateService"
    assert statement["Resource"] == [
        f"arn:aws:ecs:ap-southeast-2:123456789012:service/ohmycoins-{any_plan.stack}-cluster/{name}"
        for name in ("agents", "backend", "cryptopanic", "reddit")
    ]
    trust = json.loads(any_plan.named("ecs-rollover-invoke-role").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Condition"]["ArnEquals"]["aws:SourceArn"] == (
        f"arn:aws:events:ap-southeast-2:123456789012:rule/ohmycoins-{any_plan.stack}-secret-rotated"
    )


def test_rds_rotates_the_password_weekly_inside_the_maintenance_window(any_plan):
    rotation = any_plan.one("aws:secretsmanager/secretRotation:SecretRotation")
    assert rotation.inputs["secretId"] == any_plan.outputs["databaseMasterSecretArn"]
    # Both stacks: maintenance window sat:18:00-sat:19:00 UTC.
    assert rotation.inputs["rotationRules"] == {"scheduleExpression": "cron(0 18 ? * SAT *)", "duration": "1h"}
    assert rotation.inputs["rotateImmediately"] is False
    assert "rotationLambdaArn" not in rotation.inputs  # RDS rotates its own secret


def test_the_redis_token_changes_without_locking_out_running_clients(any_plan):
    group = any_plan.one("aws:elasticache/replicationGroup:ReplicationGroup")
    # ROTATE keeps the old token valid next to the new one while the readers restart.
    assert group.inputs["authTokenUpdateStrategy"] == "ROTATE"


def _eks_readers(plan, secret_arn: str) -> dict[str, dict]:
    """Target Secret name -> ExternalSecret, for every ExternalSecret that reads `secret_arn`."""
    return {
        es.inputs["spec"]["target"]["name"]: es.inputs
        for es in plan.all(EXTERNAL_SECRET)
        if any(item["remoteRef"]["key"] == secret_arn for item in es.inputs["spec"]["data"])
    }


@pytest.mark.parametrize("secret_output", ["databaseMasterSecretArn", "cacheAuthSecretArn"])
def test_on_eks_every_reader_is_rolled_by_reloader_or_reads_it_at_each_run(eks_apps_plan, secret_output):
    readers = _eks_readers(eks_apps_plan, eks_apps_plan.outputs[secret_output])
    assert set(readers) == {f"{name}-secrets" for name in READERS}
    deployments = {d.inputs["metadata"]["name"]: d.inputs for d in eks_apps_plan.all(DEPLOYMENT)}
    cronjobs = {c.inputs["metadata"]["name"]: c.inputs for c in eks_apps_plan.all(CRONJOB)}
    covered = set()
    for secret, external in readers.items():
        # External Secrets re-reads a rotating value every 5 minutes, so the Secret follows the rotation.
        assert external["spec"]["refreshInterval"] == "5m", secret
        for name, deployment in deployments.items():
            pod = deployment["spec"]["template"]["spec"]["containers"][0]
            if {"secretRef": {"name": secret}} in pod["envFrom"]:
                assert deployment["metadata"]["annotations"]["secret.reloader.stakater.com/reload"] == secret, name
                covered.add(name)
        for name, cronjob in cronjobs.items():
            pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
            if {"secretRef": {"name": secret}} in pod["envFrom"]:
                covered.add(name)  # every run is a new pod that reads the Secret at start
    assert covered == READERS


def test_on_eks_reloader_watches_only_the_apps_namespace(eks_apps_plan):
    release = eks_apps_plan.named("k8s-apps-reloader")
    assert release.inputs["namespace"] == "ohmycoins-eks-apps"
    assert (release.inputs["chart"], release.inputs["version"]) == ("reloader", "1.0.97")
    reloader = release.inputs["values"]["reloader"]
    # A namespaced Role: no cluster-wide read of Secrets.
    assert reloader["watchGlobally"] is False and reloader["rbac"] == {"enabled": True}
    policy = eks_apps_plan.named("k8s-apps-netpol-reloader").inputs["spec"]
    assert policy["egress"] == [{"to": [{"ipBlock": {"cidr": "10.1.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 443}]}]
