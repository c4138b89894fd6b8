"""Running services pick up a rotated credential: a rolling restart of every ECS service that reads it.

ECS injects `secrets` once, when a task starts. RDS rotates the master password in Secrets Manager
(weekly, in the database's maintenance window: components/data/database.py); a new Redis AUTH token
is written by `pulumi up`. Either way Secrets Manager moves the AWSCURRENT label and publishes a
native "Secret Label Updated" event (no CloudTrail needed). An EventBridge rule sends it to a Step
Functions state machine that calls `ecs:UpdateService` with `forceNewDeployment` for each service
reading that secret (an AWS SDK integration: no function code), and mails the alert topic. The
deployment circuit breaker keeps the old tasks until the new ones are healthy. Scheduled jobs
need nothing: every run is a new task that reads the current value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.compute.ecs.job_definition import RUN_FAILED_PATHS, run_failed_pattern
from components.observability.event_alerts import events_to_alerts
from components.shared.iam_documents import document
from components.shared.service_role import service_role

RESTART_STATE = "RestartReaders"


def rollover_state_machine(cluster_arn: str, services: Sequence[str]) -> str:
    """Amazon States Language: a new deployment of every service in `services`, in parallel."""
    branches = [
        {
            "StartAt": f"Restart {service}",
            "States": {
                f"Restart {service}": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:ecs:updateService",
                    "Parameters": {"Cluster": cluster_arn, "Service": service, "ForceNewDeployment": True},
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 3, "BackoffRate": 2}],
                    "End": True,
                }
            },
        }
        for service in sorted(services)
    ]
    definition = {
        "Comment": "Roll every ECS service that reads a rotated secret, so new tasks read its current value",
        "StartAt": RESTART_STATE,
        "States": {RESTART_STATE: {"Type": "Parallel", "Branches": branches, "End": True}},
    }
    return json.dumps(definition, sort_keys=True)


def rotation_pattern(secret_arns: Sequence[str]) -> str:
    """The AWSCURRENT label of one of these secrets moved to a new value."""
    return json.dumps(
        {
            "source": ["aws.secretsmanager"],
            "detail-type": ["Secret Label Updated"],
            "resources": sorted(secret_arns),
            "detail": {"labelUpdated": ["AWSCURRENT"]},
        },
        sort_keys=True,
    )


def restart_policy(cluster_arn: str, services: Sequence[str]) -> dict:
    """New deployments of exactly these services, nothing else."""
    service_arn = cluster_arn.replace(":cluster/", ":service/")
    return document(
        {
            "Sid": "RestartSecretReaders",
            "Effect": "Allow",
            "Action": "ecs:UpdateService",
            "Resource": [f"{service_arn}/{service}" for service in sorted(services)],
        }
    )


def start_policy(state_machine_arn: str) -> dict:
    return document({"Sid": "StartRollover", "Effect": "Allow", "Action": "states:StartExecution", "Resource": state_machine_arn})


def restart_on_rotation(
    owner: pulumi.ComponentResource,
    name: str,
    name_prefix: str,
    region: str,
    account_id: pulumi.Input[str],
    cluster_arn: pulumi.Input[str],
    services: Sequence[str],
    secret_arns: Sequence[pulumi.Input[str]],
    alert_topic_arn: pulumi.Input[str],
    ready: Sequence[pulumi.Resource],
) -> aws.sfn.StateMachine:
    """The rule, the state machine and their two roles, as children of `owner`."""
    child = pulumi.ResourceOptions(parent=owner)
    label = f"{name_prefix}-secret-rollover"
    machine_role = service_role(
        f"{name}-rollover-role",
        label,
        "Step Functions starts a new deployment of each ECS service that reads a rotated secret",
        "states.amazonaws.com",
        account_id,
        f"arn:aws:states:{region}:{{account}}:stateMachine:{label}",
        parent=owner,
        arn_operator="ArnEquals",
    )
    machine_policy = aws.iam.RolePolicy(
        f"{name}-rollover-policy",
        role=machine_role.id,
        policy=pulumi.Output.from_input(cluster_arn).apply(lambda cluster: json.dumps(restart_policy(cluster, services))),
        opts=child,
    )
    machine = aws.sfn.StateMachine(
        f"{name}-rollover",
        name=label,
        type="STANDARD",
        role_arn=machine_role.arn,
        definition=pulumi.Output.from_input(cluster_arn).apply(lambda cluster: rollover_state_machine(cluster, services)),
        tags={"Name": label},
        opts=pulumi.ResourceOptions(parent=owner, depends_on=[machine_policy, *ready]),
    )
    rule_name = f"{name_prefix}-secret-rotated"
    rule = aws.cloudwatch.EventRule(
        f"{name}-secret-rotated",
        name=rule_name,
        description="The database password or the Redis AUTH token has a new current value",
        event_pattern=pulumi.Output.all(*secret_arns).apply(rotation_pattern),
        tags={"Name": rule_name},
        opts=child,
    )
    invoke_role = service_role(
        f"{name}-rollover-invoke-role",
        f"{label}-invoke",
        "EventBridge starts the secret rollover when a secret the services read rotates",
        "events.amazonaws.com",
        account_id,
        f"arn:aws:events:{region}:{{account}}:rule/{rule_name}",
        parent=owner,
        arn_operator="ArnEquals",
    )
    aws.iam.RolePolicy(
        f"{name}-rollover-invoke-policy",
        role=invoke_role.id,
        policy=machine.arn.apply(lambda arn: json.dumps(start_policy(arn))),
        opts=child,
    )
    aws.cloudwatch.EventTarget(f"{name}-secret-rotated-rollover", rule=rule.name, arn=machine.arn, role_arn=invoke_role.arn, opts=child)
    restarted = ", ".join(sorted(services))
    aws.cloudwatch.EventTarget(
        f"{name}-secret-rotated-alert",
        rule=rule.name,
        arn=alert_topic_arn,
        input_transformer={
            "input_paths": {"secret": "$.detail.name", "time": "$.time"},
            "input_template": json.dumps(
                f"{name_prefix}: the secret <secret> got a new current value at <time> (rotation). "
                f"New deployments of the ECS services {restarted} are starting so they read it."
            ),
        },
        opts=child,
    )
    events_to_alerts(
        f"{name}-rollover-failed",
        f"{label}-failed",
        "The rolling restart after a secret rotation did not succeed",
        machine.arn.apply(run_failed_pattern),
        alert_topic_arn,
        RUN_FAILED_PATHS,
        f"{name_prefix}: the restart of the ECS services after a secret rotation ended <status> at <time>; "
        f"restart {restarted} by hand (aws ecs update-service --force-new-deployment). Execution <execution>.",
        parent=owner,
    )
    return machine
