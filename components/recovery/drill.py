"""The scheduled restore drill: EventBridge Scheduler starts a Step Functions state machine of SDK calls."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.compute.ecs.schedule import scheduler_cron
from components.observability.event_alerts import events_to_alerts
from components.recovery.backup_settings import DrillSettings
from components.recovery.drill_definition import PURPOSE_TAG, DrillTarget, drill_definition
from components.shared.iam_documents import document
from components.shared.service_role import service_role

# Step Functions delivers its logs through CloudWatch Logs' vended-log API, which authorizes only "*".
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
# Execution outcomes the state machine cannot report itself.
UNREPORTED_STATUSES = ("TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class RestoreDrillArgs:
    settings: DrillSettings
    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    vault_name: pulumi.Input[str]
    vault_arn: pulumi.Input[str]
    database_arn: pulumi.Input[str]
    subnet_group_name: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    parameter_group_name: pulumi.Input[str]
    alert_topic_arn: pulumi.Input[str]


def drill_policy(values: Mapping[str, str], region: str, temporary: str) -> dict[str, Any]:
    """Exactly what the drill calls: list one vault, restore into and delete one instance name, publish to one topic."""
    account = values["account"]
    rds = f"arn:aws:rds:{region}:{account}"
    temporary_arn = f"{rds}:db:{temporary}"
    return document(
        {
            "Sid": "ListTheVault",
            "Effect": "Allow",
            "Action": "backup:ListRecoveryPointsByBackupVault",
            "Resource": values["vault"],
        },
        {
            "Sid": "RestoreIntoTheTemporaryInstance",
            "Effect": "Allow",
            "Action": ["rds:RestoreDBInstanceFromDBSnapshot", "rds:AddTagsToResource"],
            "Resource": [
                temporary_arn,
                # AWS Backup's RDS recovery points are snapshots named awsbackup:job-<id>.
                f"{rds}:snapshot:awsbackup:*",
                f"{rds}:subgrp:{values['subnet_group']}",
                f"{rds}:pg:{values['parameter_group']}",
                f"{rds}:og:default:postgres-*",
            ],
        },
        {
            "Sid": "WatchAndDeleteTheTemporaryInstance",
            "Effect": "Allow",
            "Action": ["rds:DescribeDBInstances", "rds:DeleteDBInstance"],
            "Resource": temporary_arn,
        },
        {
            # RDS decrypts the snapshot and encrypts the new volume with the stack's key; SNS encrypts the report.
            "Sid": "UseTheStackKeyThroughRdsAndSns",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Resource": values["key"],
            "Condition": {"StringEquals": {"kms:ViaService": [f"rds.{region}.amazonaws.com", f"sns.{region}.amazonaws.com"]}},
        },
        {"Sid": "ReportToTheAlertTopic", "Effect": "Allow", "Action": "sns:Publish", "Resource": values["topic"]},
        {"Sid": "DeliverErrorLogs", "Effect": "Allow", "Action": list(LOG_DELIVERY_ACTIONS), "Resource": "*"},
    )


def start_policy(state_machine_arn: str) -> dict[str, Any]:
    return document({"Sid": "StartTheDrill", "Effect": "Allow", "Action": "states:StartExecution", "Resource": state_machine_arn})


def unreported_executions_pattern(state_machine_arn: str) -> dict[str, Any]:
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": list(UNREPORTED_STATUSES), "stateMachineArn": [state_machine_arn]},
    }


class RestoreDrill(pulumi.ComponentResource):
    """Monthly (or as configured) proof that the latest recovery point restores; costs one small instance for an hour."""

    state_machine_arn: pulumi.Output[str]
    temporary_instance: str

    def __init__(self, name: str, args: RestoreDrillArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:recovery:RestoreDrill", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        label = f"{args.name_prefix}-restore-drill"
        self.temporary_instance = label

        # The /aws/vendedlogs/ prefix keeps Step Functions' log resource policy small.
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/vendedlogs/states/{label}",
            retention_in_days=settings.log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags={"Name": f"{label}-logs"},
            opts=child,
        )
        role = service_role(
            f"{name}-role",
            label,
            "The restore drill: restores the latest recovery point into a temporary instance, deletes it, reports",
            "states.amazonaws.com",
            args.account_id,
            f"arn:aws:states:{args.region}:{{account}}:stateMachine:{label}",
            parent=self,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=pulumi.Output.all(
                account=args.account_id,
                vault=args.vault_arn,
                subnet_group=args.subnet_group_name,
                parameter_group=args.parameter_group_name,
                key=args.kms_key_arn,
                topic=args.alert_topic_arn,
            ).apply(lambda values: json.dumps(drill_policy(values, args.region, label))),
            opts=child,
        )
        definition = pulumi.Output.all(
            vault=args.vault_name,
            database=args.database_arn,
            subnet_group=args.subnet_group_name,
            security_group=args.security_group_id,
            parameter_group=args.parameter_group_name,
            topic=args.alert_topic_arn,
        ).apply(
            lambda v: json.dumps(
                drill_definition(
                    DrillTarget(
                        stack=args.name_prefix,
                        vault_name=v["vault"],
                        database_arn=v["database"],
                        instance_identifier=label,
                        instance_class=settings.instance_class,
                        subnet_group_name=v["subnet_group"],
                        security_group_id=v["security_group"],
                        parameter_group_name=v["parameter_group"],
                        topic_arn=v["topic"],
                        timeout_minutes=settings.timeout_minutes,
                    )
                ),
                sort_keys=True,
            )
        )
        machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            name=label,
            type="STANDARD",
            role_arn=role.arn,
            definition=definition,
            logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
                level="ERROR", include_execution_data=False, log_destination=pulumi.Output.concat(logs.arn, ":*")
            ),
            tags={"Name": label, PURPOSE_TAG["Key"]: PURPOSE_TAG["Value"]},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

        scheduler_role = service_role(
            f"{name}-scheduler-role",
            f"{label}-scheduler",
            "EventBridge Scheduler starts the restore drill, and nothing else",
            "scheduler.amazonaws.com",
            args.account_id,
            # Scheduler's requests carry the schedule group as their source.
            f"arn:aws:scheduler:{args.region}:{{account}}:schedule-group/default",
            parent=self,
        )
        start = aws.iam.RolePolicy(
            f"{name}-scheduler-policy",
            role=scheduler_role.id,
            policy=machine.arn.apply(lambda arn: json.dumps(start_policy(arn))),
            opts=child,
        )
        aws.scheduler.Schedule(
            f"{name}-schedule",
            name=label,
            description=f"restore drill: '{settings.schedule}' UTC",
            schedule_expression=scheduler_cron(settings.schedule),
            schedule_expression_timezone="UTC",
            flexible_time_window={"mode": "OFF"},
            state="ENABLED",
            target={"arn": machine.arn, "role_arn": scheduler_role.arn, "retry_policy": {"maximum_retry_attempts": 2}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[start]),
        )

        events_to_alerts(
            f"{name}-unreported",
            f"{label}-unreported",
            "Restore drill runs that timed out or were stopped, which the drill cannot report itself",
            machine.arn.apply(lambda arn: json.dumps(unreported_executions_pattern(arn))),
            args.alert_topic_arn,
            {"status": "$.detail.status", "execution": "$.detail.executionArn"},
            f"Restore drill <status>: <execution>. Check that no {label} instance is left running.",
            parent=self,
        )

        self.state_machine_arn = machine.arn
        self.register_outputs({"state_machine_arn": self.state_machine_arn})
