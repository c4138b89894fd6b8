"""IAM documents of the ECS workloads, as pure functions of resolved ARNs.

Every statement names the exact resources (repositories, log groups, secrets, task definitions,
roles). The only `*` resources are actions AWS does not scope to a resource
(`ecr:GetAuthorizationToken`, `ssmmessages:*Channel`, `logs:DescribeLogGroups`).
"""

from __future__ import annotations

from collections.abc import Sequence

from components.shared.iam_documents import document

# What the ECS agent in a task needs for `aws ecs execute-command` (Session Manager channels).
EXEC_CHANNEL_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def log_stream_arns(log_group_arns: Sequence[str]) -> list[str]:
    """Streams inside the groups: `<group arn>:log-stream:*`."""
    return [f"{arn}:log-stream:*" for arn in log_group_arns]


def execution_policy(
    repository_arns: Sequence[str],
    log_group_arns: Sequence[str],
    secret_arns: Sequence[str],
    kms_key_arn: str,
    region: str,
) -> dict:
    """What ECS itself needs to start the tasks: pull their images, open their log streams, read their secrets."""
    statements: list[dict] = []
    if repository_arns:
        statements += [
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Sid": "PullImages",
                "Effect": "Allow",
                "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Resource": sorted(repository_arns),
            },
        ]
    statements += [
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": sorted([*log_group_arns, *log_stream_arns(log_group_arns)]),
        },
        {"Sid": "ReadSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": sorted(set(secret_arns))},
        {
            "Sid": "DecryptSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
    ]
    return document(*statements)


def task_policy(
    exec_log_group_arn: str | None,
    kms_key_arn: str | None,
    file_system_arn: str | None = None,
    access_point_arn: str | None = None,
) -> dict | None:
    """What the workload's own code (and ECS Exec inside it) may do; None when it needs nothing."""
    statements: list[dict] = []
    if exec_log_group_arn is not None:
        statements += [
            {"Sid": "ExecChannels", "Effect": "Allow", "Action": EXEC_CHANNEL_ACTIONS, "Resource": "*"},
            {"Sid": "ExecFindLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
            {
                "Sid": "ExecSessionLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": [exec_log_group_arn, f"{exec_log_group_arn}:log-stream:*"],
            },
            {"Sid": "ExecSessionKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": kms_key_arn},
        ]
    if file_system_arn is not None:
        statements.append(
            {
                "Sid": "MountSharedStorage",
                "Effect": "Allow",
                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                "Resource": file_system_arn,
                "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": access_point_arn}},
            }
        )
    return document(*statements) if statements else None


def job_runner_policy(task_definition_arn: str, cluster_arn: str, pass_role_arns: Sequence[str], rule_arn: str) -> dict:
    """The job's state machine may start this one task definition in this cluster, follow and stop the
    tasks it started there, and hand them their two roles. `rule_arn` is the EventBridge rule Step
    Functions manages to learn when tasks stop (`StepFunctionsGetEventsForECSTaskRule`)."""
    task_arns = cluster_arn.replace(":cluster/", ":task/") + "/*"
    in_cluster = {"ArnEquals": {"ecs:cluster": cluster_arn}}
    return document(
        {"Sid": "RunTheJob", "Effect": "Allow", "Action": "ecs:RunTask", "Resource": task_definition_arn, "Condition": in_cluster},
        {"Sid": "FollowAndStopTheJob", "Effect": "Allow", "Action": ["ecs:DescribeTasks", "ecs:StopTask"], "Resource": task_arns},
        {
            "Sid": "TagTheJobsTask",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": task_arns,
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {
            "Sid": "LearnWhenTheTaskStops",
            "Effect": "Allow",
            "Action": ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
            "Resource": rule_arn,
        },
        {
            "Sid": "PassTheJobsRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": sorted(pass_role_arns),
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
    )


def scheduler_policy(state_machine_arn: str, dead_letter_queue_arn: str) -> dict:
    """EventBridge Scheduler may start this one job's runs, and park an invocation it could not deliver."""
    return document(
        {"Sid": "StartTheJob", "Effect": "Allow", "Action": "states:StartExecution", "Resource": state_machine_arn},
        {"Sid": "DeadLetter", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dead_letter_queue_arn},
    )
