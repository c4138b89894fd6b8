"""One catalog workload on ECS Fargate: its log group, task role and task definition, and either a
service (long-running, behind the ALB when routed, autoscaled when the catalog says so) or, for a
job, a schedule that runs it through Step Functions with a time limit (components/compute/ecs/job_runner.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.compute.ecs.iam import task_policy
from components.compute.ecs.job_runner import schedule_job
from components.compute.ecs.placement import EcsPlacement
from components.compute.ecs.task import (
    SHARED_VOLUME,
    SecretArns,
    capacity_strategy,
    container_definition,
    scratch_mounts,
    task_architecture,
)
from components.compute.file_system import SharedFileSystem, SharedFileSystemArgs
from components.compute.workloads import SecretRef, Workload
from components.shared.iam_documents import service_trust


def log_group_name(name_prefix: str, workload: str) -> str:
    return f"/ecs/{name_prefix}/{workload}"


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
    file_system_arn: pulumi.Output[str] | None  # its shared storage, when the catalog gives it some
    job_runner_arn: pulumi.Output[str] | None  # jobs: the Step Functions state machine that runs them

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
        self.file_system_arn = self._storage.file_system_arn if self._storage is not None else None

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

        # ECS Exec runs only in long-running tasks; jobs are not exec'd into.
        exec_agent = place.exec_log_group_arn is not None and item.is_long_running
        arns = pulumi.Output.all(**place.secret_arns).apply(lambda values: SecretArns(**values))
        containers = pulumi.Output.all(
            image=args.image,
            # Output.all() of nothing is a list, not a mapping.
            environment=pulumi.Output.all(**args.environment) if args.environment else {},
            arns=arns,
            log_group=log_group.name,
        ).apply(
            lambda v: json.dumps(
                [
                    container_definition(
                        item, v["image"], v["environment"], args.secrets, v["arns"], v["log_group"], place.region, exec_agent=exec_agent
                    )
                ]
            )
        )
        # Fargate gives a volume without a host or EFS configuration empty task storage: the writable scratch.
        volumes = [aws.ecs.TaskDefinitionVolumeArgs(name=volume) for volume, _ in scratch_mounts(item, exec_agent)]
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
        self.job_runner_arn = None
        if item.kind == "job":
            self.schedule_arn, self.job_runner_arn = schedule_job(
                self, name, item, place, task, task_role, log_group_name(place.name_prefix, item.name)
            )
        else:
            self.service_name = self._service(task)

        self.register_outputs(
            {
                "task_definition_arn": self.task_definition_arn,
                "task_role_arn": self.task_role_arn,
                "service_name": self.service_name,
                "schedule_arn": self.schedule_arn,
                "job_runner_arn": self.job_runner_arn,
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


_TYPE = {"service": "Service", "worker": "Worker", "job": "ScheduledJob"}
