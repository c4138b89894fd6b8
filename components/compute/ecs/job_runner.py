"""How a scheduled job runs on ECS and how its failures reach people.

EventBridge Scheduler starts the job's Step Functions state machine (undeliverable invocations go to
the stack's dead-letter queue); the state machine runs the task and stops it at the catalog's time
limit (components/compute/ecs/job_definition.py). Three things alert the stack's topic, each naming
the job: the task stopping with a non-zero exit code or failing to start (ECS task state change),
the run not succeeding (Step Functions execution status change: failed, timed out, aborted), and no
successful run for longer than the schedule's longest gap plus an hour (a CloudWatch alarm on the
state machine's ExecutionsSucceeded, missing data counting as none).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from components.compute.ecs.iam import job_runner_policy, scheduler_policy
from components.compute.ecs.job_definition import (
    ECS_SYNC_RULE,
    RUN_FAILED_PATHS,
    TASK_FAILED_PATHS,
    job_state_machine,
    run_failed_message,
    run_failed_pattern,
    task_failed_message,
    task_failed_pattern,
)
from components.compute.ecs.schedule import scheduler_cron
from components.compute.ecs.task import capacity_strategy, task_architecture
from components.compute.ecs.topic_alarm import topic_alarm
from components.compute.schedule_gaps import missed_run_after_seconds
from components.observability.event_alerts import events_to_alerts
from components.shared.service_role import service_role

if TYPE_CHECKING:
    from components.compute.ecs.placement import EcsPlacement
    from components.compute.workloads import Workload

# The missed-run alarm counts successful runs per hour; CloudWatch looks back at most 7 days at that period.
MISSED_RUN_PERIOD_SECONDS = 3600


def missed_run_periods(schedule: str) -> int:
    """Hours without a successful run before the alarm fires: the longest gap plus grace, rounded up."""
    return math.ceil(missed_run_after_seconds(schedule) / MISSED_RUN_PERIOD_SECONDS)


def schedule_job(
    owner: pulumi.ComponentResource,
    name: str,
    item: Workload,
    place: EcsPlacement,
    task: aws.ecs.TaskDefinition,
    task_role: aws.iam.Role,
    log_group: str,
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """The job's state machine, its schedule and its alerts, as children of `owner`; returns (schedule ARN, state machine ARN)."""
    assert item.schedule is not None and item.timeout_seconds is not None
    child = pulumi.ResourceOptions(parent=owner)
    label = f"{place.name_prefix}-{item.name}"
    region = place.region
    strategy = capacity_strategy(item, place.prefer_spot, task_architecture(item, place.prefer_spot, place.architecture))

    runner_role = service_role(
        f"{name}-runner-role",
        f"{label}-runner",
        f"Step Functions runs the {item.name} job's task, waits for it and stops it at its time limit",
        "states.amazonaws.com",
        place.account_id,
        f"arn:aws:states:{region}:{{account}}:stateMachine:{label}",
        parent=owner,
        arn_operator="ArnEquals",
    )
    runner_policy = aws.iam.RolePolicy(
        f"{name}-runner-policy",
        role=runner_role.id,
        policy=pulumi.Output.all(task.arn, place.cluster_arn, place.execution_role_arn, task_role.arn, place.account_id).apply(
            lambda v: json.dumps(job_runner_policy(v[0], v[1], [v[2], v[3]], f"arn:aws:events:{region}:{v[4]}:rule/{ECS_SYNC_RULE}"))
        ),
        opts=child,
    )
    machine = aws.sfn.StateMachine(
        f"{name}-runner",
        name=label,
        type="STANDARD",
        role_arn=runner_role.arn,
        definition=pulumi.Output.all(place.cluster_arn, task.arn, pulumi.Output.all(*place.subnet_ids), place.security_group_id).apply(
            lambda v: job_state_machine(item, v[0], v[1], v[2], v[3], strategy)
        ),
        tags={"Name": label},
        opts=pulumi.ResourceOptions(parent=owner, depends_on=[runner_policy]),
    )

    # Scheduler's requests carry the schedule group as their source.
    scheduler_role = service_role(
        f"{name}-scheduler-role",
        f"{label}-scheduler",
        f"EventBridge Scheduler starts the {item.name} job's runs, and nothing else",
        "scheduler.amazonaws.com",
        place.account_id,
        f"arn:aws:scheduler:{region}:{{account}}:schedule-group/default",
        parent=owner,
    )
    scheduler_policy_resource = aws.iam.RolePolicy(
        f"{name}-scheduler-policy",
        role=scheduler_role.id,
        policy=pulumi.Output.all(machine.arn, place.dead_letter_queue_arn).apply(lambda v: json.dumps(scheduler_policy(v[0], v[1]))),
        opts=child,
    )
    schedule = aws.scheduler.Schedule(
        f"{name}-schedule",
        name=label,
        description=f"{item.name}: '{item.schedule}' UTC, at most {item.timeout_seconds} s a run",
        schedule_expression=scheduler_cron(item.schedule),
        schedule_expression_timezone="UTC",
        flexible_time_window={"mode": "OFF"},
        state="DISABLED" if place.paused else "ENABLED",
        target={
            "arn": machine.arn,
            "role_arn": scheduler_role.arn,
            "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600},
            "dead_letter_config": {"arn": place.dead_letter_queue_arn},
        },
        opts=pulumi.ResourceOptions(parent=owner, depends_on=[scheduler_policy_resource, *place.ready]),
    )

    events_to_alerts(
        f"{name}-task-failed",
        f"{label}-task-failed",
        f"{item.name}: a task stopped with a non-zero exit code or failed to start",
        pulumi.Output.from_input(place.cluster_arn).apply(lambda cluster: task_failed_pattern(cluster, label)),
        place.alert_topic_arn,
        TASK_FAILED_PATHS,
        task_failed_message(place.name_prefix, item, log_group),
        parent=owner,
    )
    events_to_alerts(
        f"{name}-run-failed",
        f"{label}-run-failed",
        f"{item.name}: a run failed, timed out or was aborted",
        machine.arn.apply(run_failed_pattern),
        place.alert_topic_arn,
        RUN_FAILED_PATHS,
        run_failed_message(place.name_prefix, item),
        parent=owner,
    )
    if place.paused:
        # A paused stack runs no job: a missed-run alarm would only say so.
        return schedule.arn, machine.arn
    periods = missed_run_periods(item.schedule)
    topic_alarm(
        owner,
        f"{name}-missed-run",
        f"{label}-missed-run",
        f"No successful {item.name} run for {periods} hours ('{item.schedule}' UTC): the schedule did not fire, or every run since failed",
        ("AWS/States", "ExecutionsSucceeded", "Sum"),
        {"StateMachineArn": machine.arn},
        ("LessThanThreshold", 1),
        MISSED_RUN_PERIOD_SECONDS,
        periods,
        # An hour without runs publishes no datapoint at all: that is exactly "no success".
        "breaching",
        place.alert_topic_arn,
    )
    return schedule.arn, machine.arn
