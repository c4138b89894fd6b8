"""One catalog workload on ECS Fargate: its log group, task role and task definition, and either a
service (long-running, behind the ALB when routed, autoscaled when the catalog says so) or an
EventBridge Scheduler schedule (jobs)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.ecs.iam import scheduler_policy, task_policy
from components.compute.ecs.schedule import scheduler_cron
from components.compute.ecs.task import SHARED_VOLUME, SecretArns, capacity_strategy, container_definition, task_architecture
from components.compute.file_system import SharedFileSystem, SharedFileSystemArgs
from components.compute.workloads import SecretRef, Workload
from components.shared.iam_documents import service_trust


def log_group_name(name_prefix: str, workload: str) -> str:
    return f"/ecs/{name_prefix}/{workload}"


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
    architecture: str = "x86_64"  # the stack's (ohmycoins:general.architecture)
    # Paused: services at zero tasks (autoscaling pinned to zero) and schedules disabled.
    paused: bool = False


@dataclass(frozen=True)
class EcsWorkloadArgs:
    workload: Workload
    image: pulumi.Input[str]
    environment: Mapping[str, pulumi.Input[str]]  # plain values only
    secrets: tuple[SecretRef, ...]
    placement: EcsPlacement
    target_group_arn: pulumi.Input[str] | None = None
    listeners: Sequence[pulumi.Resource] = ()


class EcsWorkload(pulumi.ComponentResource):
    """A catalog workload as Fargate tasks: a service, or a schedule for a job."""

    task_definition_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    service_name: pulumi.Output[str] | None
    schedule_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: EcsWorkloadArgs, opts: pulumi.ResourceOptions | None = None):
        item = args.workload
        super().__init__(f"ohmycoins:ecs:{_TYPE[item.kind]}", name, None, opts)
        self._name = name
        self._args = args
        place = args.placement
        child = pulumi.ResourceOptions(parent=self)
        label = f"{place.name_prefix}-{item.name}"
        self._cpu_architecture = task_architecture(item, place.prefer_spot, place.architecture)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name(place.name_prefix, item.name),
            retention_in_days=place.log_retention_days,
            kms_key_id=place.kms_key_arn,
            tags={"Name": f"{label}-logs"},
            opts=child,
        )
        self.log_group_name = log_group.name

        self._storage = None
        if item.storage is not None:
            self._storage = SharedFileSystem(
                f"{name}-{item.storage.name}",
                SharedFileSystemArgs(
                    storage=item.storage,
                    name_prefix=place.name_prefix,
                    vpc_id=place.vpc_id,
                    subnet_ids=place.subnet_ids,
                    client_security_group_id=place.security_group_id,
                    kms_key_arn=place.kms_key_arn,
                    protect=place.protect,
                ),
                opts=child,
            )

        task_role = aws.iam.Role(
            f"{name}-task-role",
            name=f"{label}-task",
            description=f"What the {item.name} workload's own code may do in AWS",
            assume_role_policy=pulumi.Output.from_input(place.account_id).apply(
                lambda account: service_trust("ecs-tasks.amazonaws.com", account, f"arn:aws:ecs:{place.region}:{account}:*")
            ),
            tags={"Name": f"{label}-task"},
            opts=child,
        )
        self.task_role_arn = task_role.arn
        self._task_role_policy(task_role)

        arns = pulumi.Output.all(**place.secret_arns).apply(lambda values: SecretArns(**values))
        containers = pulumi.Output.all(
            image=args.image,
            # Output.all() of nothing is a list, not a mapping.
            environment=pulumi.Output.all(**args.environment) if args.environment else {},
            arns=arns,
            log_group=log_group.name,
        ).apply(
            lambda v: json.dumps(
                [container_definition(item, v["image"], v["environment"], args.secrets, v["arns"], v["log_group"], place.region)]
            )
        )
        volumes = []
        if item.storage is not None and self._storage is not None:
            volumes.append(
                aws.ecs.TaskDefinitionVolumeArgs(
                    name=SHARED_VOLUME,
                    efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                        file_system_id=self._storage.file_system_id,
                        transit_encryption="ENABLED",
                        authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                            access_point_id=self._storage.access_point_id, iam="ENABLED"
                        ),
                    ),
                )
            )
        task = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=label,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(item.cpu),
            memory=str(item.memory),
            execution_role_arn=place.execution_role_arn,
            task_role_arn=task_role.arn,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=self._cpu_architecture
            ),
            container_definitions=containers,
            volumes=volumes,
            tags={"Name": label},
            opts=child,
        )
        self.task_definition_arn = task.arn

        self.service_name = None
        self.schedule_arn = None
        if item.kind == "job":
            self.schedule_arn = self._schedule(task, task_role)
        else:
            self.service_name = self._service(task)

        self.register_outputs(
            {
                "task_definition_arn": self.task_definition_arn,
                "task_role_arn": self.task_role_arn,
                "service_name": self.service_name,
                "schedule_arn": self.schedule_arn,
            }
        )

    def _task_role_policy(self, task_role: aws.iam.Role) -> None:
        args = self._args
        place = args.placement
        storage = self._storage
        exec_arn = place.exec_log_group_arn
        # ECS Exec runs only in long-running tasks; jobs are not exec'd into.
        if args.workload.kind == "job":
            exec_arn = None
        if exec_arn is None and storage is None:
            return
        policy = pulumi.Output.all(
            exec_arn=exec_arn,
            key=place.kms_key_arn,
            fs=storage.file_system_arn if storage else None,
            ap=storage.access_point_arn if storage else None,
        ).apply(lambda v: json.dumps(task_policy(v["exec_arn"], v["key"] if v["exec_arn"] else None, v["fs"], v["ap"])))
        aws.iam.RolePolicy(f"{self._name}-task-policy", role=task_role.id, policy=policy, opts=pulumi.ResourceOptions(parent=self))

    def _network(self) -> dict:
        place = self._args.placement
        return {"subnets": list(place.subnet_ids), "security_groups": [place.security_group_id], "assign_public_ip": False}

    def _service(self, task: aws.ecs.TaskDefinition) -> pulumi.Output[str]:
        args = self._args
        item = args.workload
        place = args.placement
        routed = args.target_group_arn is not None
        scaling = item.scaling
        # A worker loops on its own timer: never two copies at once, even during a deployment.
        single = item.kind == "worker"
        depends: list[pulumi.Resource] = [*place.ready, *args.listeners]
        if self._storage is not None:
            depends += self._storage.mount_targets
        registries = []
        if item.port is not None:
            discovery = aws.servicediscovery.Service(
                f"{self._name}-discovery",
                name=item.name,
                description=f"Addresses of the {item.name} tasks",
                dns_config={
                    "namespace_id": place.namespace_id,
                    "routing_policy": "MULTIVALUE",
                    "dns_records": [{"type": "A", "ttl": 10}],
                },
                tags={"Name": f"{place.name_prefix}-{item.name}"},
                opts=pulumi.ResourceOptions(parent=self),
            )
            registries.append({"registry_arn": discovery.arn})
        service = aws.ecs.Service(
            f"{self._name}-service",
            name=item.name,
            cluster=place.cluster_arn,
            task_definition=task.arn,
            desired_count=0 if place.paused else item.desired_count,
            capacity_provider_strategies=capacity_strategy(item, place.prefer_spot, self._cpu_architecture),
            platform_version="LATEST",
            network_configuration=self._network(),
            load_balancers=(
                [{"target_group_arn": args.target_group_arn, "container_name": item.name, "container_port": item.port}] if routed else []
            ),
            service_registries=registries[0] if registries else None,
            health_check_grace_period_seconds=60 if routed else None,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_maximum_percent=100 if single else 200,
            deployment_minimum_healthy_percent=0 if single else 100,
            enable_execute_command=place.exec_log_group_arn is not None,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            wait_for_steady_state=False,
            tags={"Name": f"{place.name_prefix}-{item.name}"},
            # Autoscaling owns the running count once the service exists (a pause pins its bounds to 0).
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends, ignore_changes=["desiredCount"] if scaling else None),
        )
        if scaling is not None:
            self._autoscaling(service)
        return service.name

    def _autoscaling(self, service: aws.ecs.Service) -> None:
        item = self._args.workload
        scaling = item.scaling
        assert scaling is not None
        child = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            f"{self._name}-scaling-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self._args.placement.cluster_name, "/", service.name),
            # Registering bounds moves the running count inside them: 0 pauses, the minimum resumes.
            min_capacity=0 if self._args.placement.paused else scaling.min_count,
            max_capacity=0 if self._args.placement.paused else scaling.max_count,
            opts=child,
        )
        for metric, percent in (
            ("ECSServiceAverageCPUUtilization", scaling.cpu_target_percent),
            ("ECSServiceAverageMemoryUtilization", scaling.memory_target_percent),
        ):
            short = "cpu" if "CPU" in metric else "memory"
            aws.appautoscaling.Policy(
                f"{self._name}-{short}-scaling",
                name=f"{self._args.placement.name_prefix}-{item.name}-{short}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration={
                    "target_value": percent,
                    "predefined_metric_specification": {"predefined_metric_type": metric},
                    "scale_in_cooldown": scaling.scale_in_cooldown_seconds,
                    "scale_out_cooldown": scaling.scale_out_cooldown_seconds,
                },
                opts=child,
            )

    def _schedule(self, task: aws.ecs.TaskDefinition, task_role: aws.iam.Role) -> pulumi.Output[str]:
        args = self._args
        item = args.workload
        place = args.placement
        assert item.schedule is not None
        child = pulumi.ResourceOptions(parent=self)
        schedule_name = f"{place.name_prefix}-{item.name}"
        role = aws.iam.Role(
            f"{self._name}-scheduler-role",
            name=f"{schedule_name}-scheduler",
            description=f"EventBridge Scheduler starts the {item.name} job, and nothing else",
            assume_role_policy=pulumi.Output.from_input(place.account_id).apply(
                # Scheduler's requests carry the schedule group as their source.
                lambda account: service_trust(
                    "scheduler.amazonaws.com", account, f"arn:aws:scheduler:{place.region}:{account}:schedule-group/default"
                )
            ),
            tags={"Name": f"{schedule_name}-scheduler"},
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{self._name}-scheduler-policy",
            role=role.id,
            policy=pulumi.Output.all(task.arn, place.cluster_arn, place.execution_role_arn, task_role.arn).apply(
                lambda v: json.dumps(scheduler_policy(v[0], v[1], [v[2], v[3]]))
            ),
            opts=child,
        )
        schedule = aws.scheduler.Schedule(
            f"{self._name}-schedule",
            name=schedule_name,
            description=f"{item.name}: '{item.schedule}' UTC",
            schedule_expression=scheduler_cron(item.schedule),
            schedule_expression_timezone="UTC",
            flexible_time_window={"mode": "OFF"},
            state="DISABLED" if place.paused else "ENABLED",
            target={
                "arn": place.cluster_arn,
                "role_arn": role.arn,
                "ecs_parameters": {
                    "task_definition_arn": task.arn,
                    "task_count": 1,
                    "capacity_provider_strategies": capacity_strategy(item, place.prefer_spot, self._cpu_architecture),
                    "platform_version": "LATEST",
                    "network_configuration": self._network(),
                    "enable_ecs_managed_tags": True,
                    "propagate_tags": "TASK_DEFINITION",
                },
                "retry_policy": {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, *place.ready]),
        )
        return schedule.arn


_TYPE = {"service": "Service", "worker": "Worker", "job": "ScheduledJob"}
