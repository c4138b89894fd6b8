"""What every ECS workload of a stack shares: the cluster, the network, the roles, the keys, the alert paths."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class EcsPlacement:
    """What every workload of the stack shares: the cluster, the network, the roles, the keys."""

    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    execution_role_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    secret_arns: Mapping[str, pulumi.Input[str]]  # SecretArns fields: app, database, cache
    exec_log_group_arn: pulumi.Input[str] | None  # None: ECS Exec is off
    prefer_spot: bool
    log_retention_days: int
    ready: Sequence[pulumi.Resource]  # capacity providers and execution policy, before any task starts
    vpc_id: pulumi.Input[str]
    protect: bool  # shared storage is kept where stateful resources are
    namespace_id: pulumi.Input[str]  # Cloud Map private DNS namespace of the services
    alert_topic_arn: pulumi.Input[str]  # where failed, hung and missed job runs are reported
    dead_letter_queue_arn: pulumi.Input[str]  # schedule invocations that could not start a run
    architecture: str = "x86_64"  # the stack's (ohmycoins:general.architecture)
    # Paused: services at zero tasks (autoscaling pinned to zero), schedules disabled, no missed-run alarms.
    paused: bool = False
