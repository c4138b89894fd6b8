"""Whether the database runs: started while the stack runs, stopped (and kept stopped) while it is paused.

RDS stops an instance for at most seven days and then starts it again by itself. While the stack
is paused an EventBridge Scheduler schedule calls RDS's StopDBInstance directly (a universal
target: no Lambda) every hour, so an automatic start costs at most an hour. While the stack runs
the schedule is kept, disabled, and is switched off before the instance is started, so it can
never stop a database that was just resumed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.shared.iam_documents import policy_document, service_trust

# EventBridge Scheduler's universal target for the RDS API's StopDBInstance.
STOP_TARGET_ARN = "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance"
RESTOP_EVERY = "rate(1 hour)"


def stop_policy(instance_arn: str) -> str:
    """Stopping this one instance is all the schedule's role may do."""
    return policy_document({"Sid": "StopTheDatabase", "Effect": "Allow", "Action": "rds:StopDBInstance", "Resource": instance_arn})


@dataclass(frozen=True)
class DatabaseStateArgs:
    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    identifier: pulumi.Input[str]
    instance_arn: pulumi.Input[str]
    paused: bool


class DatabaseState(pulumi.ComponentResource):
    """The instance's desired state (available or stopped) and the schedule that keeps it stopped."""

    state: str
    desired_state: aws.rds.InstanceDesiredState

    def __init__(self, name: str, args: DatabaseStateArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:database:DatabaseState", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        schedule_name = f"{args.name_prefix}-postgres-restop"
        account = pulumi.Output.from_input(args.account_id)
        role = aws.iam.Role(
            f"{name}-restop-role",
            name=f"{schedule_name}-scheduler",
            description="EventBridge Scheduler stops the paused stack's database again after RDS's 7-day automatic start",
            assume_role_policy=account.apply(
                lambda a: service_trust("scheduler.amazonaws.com", a, f"arn:aws:scheduler:{args.region}:{a}:schedule-group/default")
            ),
            tags={"Name": f"{schedule_name}-scheduler"},
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-restop-policy", role=role.id, policy=pulumi.Output.from_input(args.instance_arn).apply(stop_policy), opts=child
        )
        schedule = aws.scheduler.Schedule(
            f"{name}-restop",
            name=schedule_name,
            description="Keeps the paused stack's database stopped (RDS starts a stopped instance after 7 days)",
            schedule_expression=RESTOP_EVERY,
            flexible_time_window={"mode": "OFF"},
            state="ENABLED" if args.paused else "DISABLED",
            target={
                "arn": STOP_TARGET_ARN,
                "role_arn": role.arn,
                # Universal targets take the API's parameters in the SDKs' casing (`Db`, not `DB`).
                "input": pulumi.Output.from_input(args.identifier).apply(lambda i: json.dumps({"DbInstanceIdentifier": i})),
                # Most runs find the instance stopped already and fail harmlessly; never retry them.
                "retry_policy": {"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 3600},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.state = "stopped" if args.paused else "available"
        self.desired_state = aws.rds.InstanceDesiredState(
            f"{name}-desired-state",
            identifier=args.identifier,
            state=self.state,
            # On resume the schedule is disabled first, then the instance starts.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[schedule]),
        )
        self.register_outputs({"state": self.state})
