"""The workload catalog on ECS Fargate: a cluster, one execution role, and a component per workload."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.apps_settings import AppsSettings
from components.compute.ecs.iam import execution_policy
from components.compute.ecs.placement import EcsPlacement
from components.compute.ecs.rollover import restart_on_rotation
from components.compute.ecs.service import EcsWorkload, EcsWorkloadArgs, log_group_name
from components.compute.ecs.task import SecretArns, secret_arns_used
from components.compute.ecs.topic_alarm import topic_alarm
from components.compute.workloads import RuntimeContext, Workload, plain_environment, secrets_for
from components.shared.iam_documents import service_trust


@dataclass(frozen=True)
class EcsWorkloadsArgs:
    settings: AppsSettings
    catalog: tuple[Workload, ...]  # settings.apps.catalog: the stack's sizes and counts
    name_prefix: str
    region: str
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private-app
    app_security_group_id: pulumi.Input[str]
    repository_arns: Mapping[str, pulumi.Input[str]]  # image -> ECR repository
    images: Mapping[str, pulumi.Input[str]]  # image -> reference to pull (components.compute.registry.image_references)
    app_secret_arn: pulumi.Input[str]
    app_secret_keys: Sequence[str]  # the JSON keys the stack's app secret holds
    database_secret_arn: pulumi.Input[str]  # RDS-managed master secret
    cache_secret_arn: pulumi.Input[str]  # Redis AUTH token secret
    runtime: RuntimeContext
    target_group_arns: Mapping[str, pulumi.Input[str]]  # routed workload -> ALB target group
    listeners: Sequence[pulumi.Resource]
    protect: bool
    alert_topic_arn: pulumi.Input[str]  # failed, hung, missed and undeliverable job runs
    architecture: str = "x86_64"  # ohmycoins:general.architecture: Graviton for on-demand tasks when arm64
    # Paused: every service at zero tasks and every schedule disabled; definitions, roles, storage kept.
    paused: bool = False


def rotated_secret_readers(catalog: Sequence[Workload]) -> list[str]:
    """The long-running services that read the database password or the Redis AUTH token (jobs read them at each start)."""
    return sorted(w.name for w in catalog if w.is_long_running and (w.reads("database-password") or w.reads("cache-auth-token")))


class EcsWorkloads(pulumi.ComponentResource):
    """Cluster (Container Insights, ECS Exec with KMS and logging, Fargate and Fargate Spot) and every workload."""

    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    namespace_name: str
    execution_role_arn: pulumi.Output[str]
    service_names: dict[str, pulumi.Output[str]]
    task_definition_arns: dict[str, pulumi.Output[str]]
    task_role_arns: dict[str, pulumi.Output[str]]
    log_group_names: dict[str, pulumi.Output[str]]
    file_system_arns: list[pulumi.Output[str]]  # the workloads' shared storage, for the stack's backups

    def __init__(self, name: str, args: EcsWorkloadsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:ecs:EcsWorkloads", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix

        exec_logs = None
        if settings.ecs_exec:
            exec_logs = aws.cloudwatch.LogGroup(
                f"{name}-exec-logs",
                name=f"/ecs/{prefix}/exec",
                retention_in_days=settings.log_retention_days,
                kms_key_id=args.kms_key_arn,
                tags={"Name": f"{prefix}-exec-logs"},
                opts=child,
            )
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=f"{prefix}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=settings.container_insights)],
            configuration=(
                aws.ecs.ClusterConfigurationArgs(
                    execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                        kms_key_id=args.kms_key_arn,
                        logging="OVERRIDE",
                        log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                            cloud_watch_log_group_name=exec_logs.name, cloud_watch_encryption_enabled=True
                        ),
                    )
                )
                if exec_logs is not None
                else None
            ),
            tags={"Name": f"{prefix}-cluster"},
            opts=child,
        )
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        capacity = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE_SPOT" if settings.prefer_spot else "FARGATE", weight=1
                )
            ],
            opts=child,
        )

        # Workloads find each other's tasks by name (`agents.<namespace>:8001`), as Services do on EKS.
        self.namespace_name = f"{prefix}.internal"
        namespace = aws.servicediscovery.PrivateDnsNamespace(
            f"{name}-namespace",
            name=self.namespace_name,
            description="Task addresses of the stack's services, by workload name",
            vpc=args.vpc_id,
            tags={"Name": f"{prefix}-namespace"},
            opts=child,
        )

        dead_letters = self._dead_letter_queue(name, args)

        secrets = {w.name: secrets_for(w, args.app_secret_keys) for w in args.catalog}
        execution_role, execution_policy_resource = self._execution_role(name, args, secrets)
        self.execution_role_arn = execution_role.arn

        placement = EcsPlacement(
            name_prefix=prefix,
            region=args.region,
            account_id=args.account_id,
            cluster_arn=cluster.arn,
            cluster_name=cluster.name,
            execution_role_arn=execution_role.arn,
            subnet_ids=args.subnet_ids,
            security_group_id=args.app_security_group_id,
            kms_key_arn=args.kms_key_arn,
            secret_arns={"app": args.app_secret_arn, "database": args.database_secret_arn, "cache": args.cache_secret_arn},
            exec_log_group_arn=exec_logs.arn if exec_logs is not None else None,
            prefer_spot=settings.prefer_spot,
            log_retention_days=settings.log_retention_days,
            ready=[capacity, execution_policy_resource],
            vpc_id=args.vpc_id,
            protect=args.protect,
            namespace_id=namespace.id,
            alert_topic_arn=args.alert_topic_arn,
            dead_letter_queue_arn=dead_letters.arn,
            architecture=args.architecture,
            paused=args.paused,
        )

        self.service_names = {}
        workloads: list[EcsWorkload] = []
        # Job name -> the Step Functions state machine that runs it (its run metrics feed Prometheus).
        self.job_runner_arns: dict[str, pulumi.Output[str]] = {}
        self.task_definition_arns = {}
        self.task_role_arns = {}
        self.log_group_names = {}
        self.file_system_arns = []
        for item in args.catalog:
            workload = EcsWorkload(
                item.name,
                EcsWorkloadArgs(
                    workload=item,
                    image=args.images[item.image],
                    environment=plain_environment(item, args.runtime),
                    secrets=secrets[item.name],
                    placement=placement,
                    target_group_arn=args.target_group_arns.get(item.name) if item.route is not None else None,
                    listeners=args.listeners if item.route is not None else (),
                ),
                opts=child,
            )
            workloads.append(workload)
            if workload.job_runner_arn is not None:
                self.job_runner_arns[item.name] = workload.job_runner_arn
            self.task_definition_arns[item.name] = workload.task_definition_arn
            self.task_role_arns[item.name] = workload.task_role_arn
            self.log_group_names[item.name] = workload.log_group_name
            if workload.service_name is not None:
                self.service_names[item.name] = workload.service_name
            if workload.file_system_arn is not None:
                self.file_system_arns.append(workload.file_system_arn)

        self.rotated_secret_readers = rotated_secret_readers(args.catalog)
        restart_on_rotation(
            self,
            name,
            prefix,
            args.region,
            args.account_id,
            cluster.arn,
            self.rotated_secret_readers,
            [args.database_secret_arn, args.cache_secret_arn],
            args.alert_topic_arn,
            ready=workloads,
        )

        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "cluster_arn": self.cluster_arn,
                "execution_role_arn": self.execution_role_arn,
                "service_names": self.service_names,
                "task_definition_arns": self.task_definition_arns,
            }
        )

    def _dead_letter_queue(self, name: str, args: EcsWorkloadsArgs) -> aws.sqs.Queue:
        """Where EventBridge Scheduler parks a job invocation it could not deliver after its retries; any
        message there is a run that never started, so the alarm fires on the first one."""
        child = pulumi.ResourceOptions(parent=self)
        queue_name = f"{args.name_prefix}-job-schedules-dlq"
        queue = aws.sqs.Queue(
            f"{name}-job-schedules-dlq",
            name=queue_name,
            # The longest SQS keeps a message: two weeks to read what failed.
            message_retention_seconds=1_209_600,
            sqs_managed_sse_enabled=True,
            tags={"Name": queue_name},
            opts=child,
        )
        if args.paused:
            # Every schedule is disabled: nothing can land in the queue.
            return queue
        topic_alarm(
            self,
            f"{name}-job-schedules-dlq-alarm",
            f"{queue_name}-not-empty",
            "A job schedule could not start its run (see the messages in the queue for the schedule and the error)",
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum"),
            {"QueueName": queue.name},
            ("GreaterThanThreshold", 0),
            300,
            1,
            "notBreaching",
            args.alert_topic_arn,
        )
        return queue

    def _execution_role(self, name: str, args: EcsWorkloadsArgs, secrets: dict) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        role = aws.iam.Role(
            f"{name}-execution-role",
            name=f"{prefix}-ecs-execution",
            description="ECS starts the stack's tasks: pulls their images, opens their logs, reads their secrets",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: service_trust("ecs-tasks.amazonaws.com", account, f"arn:aws:ecs:{args.region}:{account}:*")
            ),
            tags={"Name": f"{prefix}-ecs-execution"},
            opts=child,
        )
        images = sorted({w.image for w in args.catalog})
        repositories = [args.repository_arns[image] for image in images] if args.settings.image_registry is None else []
        refs = tuple(ref for workload_refs in secrets.values() for ref in workload_refs)

        def document(values: dict) -> str:
            arns = SecretArns(app=values["app"], database=values["database"], cache=values["cache"])
            log_groups = [
                f"arn:aws:logs:{args.region}:{values['account']}:log-group:{log_group_name(prefix, w.name)}" for w in args.catalog
            ]
            return json.dumps(
                execution_policy(values["repositories"], log_groups, secret_arns_used(refs, arns), values["key"], args.region)
            )

        policy = aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=role.id,
            policy=pulumi.Output.all(
                account=args.account_id,
                repositories=pulumi.Output.all(*repositories),
                app=args.app_secret_arn,
                database=args.database_secret_arn,
                cache=args.cache_secret_arn,
                key=args.kms_key_arn,
            ).apply(document),
            opts=child,
        )
        return role, policy
