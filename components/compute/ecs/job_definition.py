"""What a scheduled job's run is on ECS, as pure data: the Step Functions state machine that runs the
task and waits for it, the EventBridge patterns that notice a failed run, and the alert texts.

ECS has no task timeout. Step Functions' ECS integration in its "Run a Job" form (`runTask.sync`)
starts the task and waits until it stops; when the Task state's `TimeoutSeconds` passes, the state
fails with `States.Timeout` and Step Functions stops the task it started (its role holds
`ecs:StopTask` for exactly that). So a hung run ends at the catalog's time limit instead of piling up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from components.compute.workloads import Workload

RUN_STATE = "RunTask"
TIMED_OUT_STATE = "TimeLimitExceeded"
# The rule Step Functions manages in the account to learn when its ECS tasks stop.
ECS_SYNC_RULE = "StepFunctionsGetEventsForECSTaskRule"


def _pascal(strategy: Sequence[dict]) -> list[dict]:
    """capacity_strategy()'s snake_case items in the PascalCase the ECS API takes."""
    keys = {"capacity_provider": "CapacityProvider", "weight": "Weight", "base": "Base"}
    return [{keys[key]: value for key, value in item.items()} for item in strategy]


def job_state_machine(
    item: Workload,
    cluster_arn: str,
    task_definition_arn: str,
    subnet_ids: Sequence[str],
    security_group_id: str,
    capacity_strategy: Sequence[dict],
) -> str:
    """Amazon States Language of one job: run its task, wait for it, stop it at the time limit."""
    assert item.timeout_seconds is not None
    run = {
        "Type": "Task",
        "Comment": f"Start one {item.name} task and wait until it stops",
        "Resource": "arn:aws:states:::ecs:runTask.sync",
        "Parameters": {
            "Cluster": cluster_arn,
            "TaskDefinition": task_definition_arn,
            "CapacityProviderStrategy": _pascal(capacity_strategy),
            "PlatformVersion": "LATEST",
            "NetworkConfiguration": {
                "AwsvpcConfiguration": {
                    "Subnets": list(subnet_ids),
                    "SecurityGroups": [security_group_id],
                    "AssignPublicIp": "DISABLED",
                }
            },
            "EnableECSManagedTags": True,
            "PropagateTags": "TASK_DEFINITION",
        },
        "TimeoutSeconds": item.timeout_seconds,
        # Capacity and throttling errors at start are worth two more tries; a failed run is not.
        "Retry": [{"ErrorEquals": ["ECS.AmazonECSException"], "IntervalSeconds": 30, "MaxAttempts": 2, "BackoffRate": 2}],
        "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": TIMED_OUT_STATE}],
        "End": True,
    }
    timed_out = {
        "Type": "Fail",
        "Error": TIMED_OUT_STATE,
        "Cause": f"The {item.name} run was still going after {item.timeout_seconds} seconds; Step Functions stopped its task",
    }
    definition = {
        "Comment": f"{item.name}: one run of the scheduled job, at most {item.timeout_seconds} seconds",
        "StartAt": RUN_STATE,
        "States": {RUN_STATE: run, TIMED_OUT_STATE: timed_out},
    }
    return json.dumps(definition, sort_keys=True)


def task_failed_pattern(cluster_arn: str, family: str) -> str:
    """A task of this job's family stopped with a non-zero exit code, or never started."""
    return json.dumps(
        {
            "source": ["aws.ecs"],
            "detail-type": ["ECS Task State Change"],
            "detail": {
                "clusterArn": [cluster_arn],
                "group": [f"family:{family}"],
                "lastStatus": ["STOPPED"],
                "$or": [{"containers": {"exitCode": [{"anything-but": 0}]}}, {"stopCode": ["TaskFailedToStart"]}],
            },
        },
        sort_keys=True,
    )


def run_failed_pattern(state_machine_arn: str) -> str:
    """A run of the job's state machine did not succeed: failed to start, exited non-zero, or timed out."""
    return json.dumps(
        {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"stateMachineArn": [state_machine_arn], "status": ["FAILED", "TIMED_OUT", "ABORTED"]},
        },
        sort_keys=True,
    )


# EventBridge input transformers: the alert e-mail is one readable sentence naming the job.
TASK_FAILED_PATHS = {
    "exitCode": "$.detail.containers[0].exitCode",
    "stopCode": "$.detail.stopCode",
    "reason": "$.detail.stoppedReason",
    "task": "$.detail.taskArn",
    "time": "$.time",
}
RUN_FAILED_PATHS = {"status": "$.detail.status", "execution": "$.detail.executionArn", "time": "$.time"}


def task_failed_message(stack_prefix: str, item: Workload, log_group: str) -> str:
    text = (
        f"{stack_prefix}: scheduled job {item.name} stopped at <time> with exit code <exitCode> "
        f"(<stopCode>: <reason>). Task <task>. Its output is in the log group {log_group}."
    )
    return text


def run_failed_message(stack_prefix: str, item: Workload) -> str:
    assert item.timeout_seconds is not None
    text = (
        f"{stack_prefix}: the run of scheduled job {item.name} ended <status> at <time>: it failed to start, "
        f"exited non-zero, or ran past its {item.timeout_seconds}-second limit and was stopped. Execution <execution>."
    )
    return text
