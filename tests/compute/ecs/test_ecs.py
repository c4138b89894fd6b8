"""Every catalog workload on ECS Fargate per stack: tasks, services, schedules, storage, roles, registry."""

from __future__ import annotations

import json

import pytest

from tests.compute.backend_environment import backend_environment
from tools.plan import render_tree

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
SCHEDULE = "aws:scheduler/schedule:Schedule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
# The catalog's sizes (CPU units, MiB), with each stack's overrides.
CATALOG_SIZES = {
    "backend": (512, 1024),
    "frontend": (256, 512),
    "agents": (1024, 2048),
    "reddit": (256, 512),
    "cryptopanic": (256, 512),
    "defillama": (256, 512),
    "sec-api": (256, 512),
    "coinspot-announcements": (256, 512),
}
SIZES = {
    "staging": CATALOG_SIZES,
    # Production's agents at the original's pod limits (2 CPU / 4 GiB).
    "production": CATALOG_SIZES | {"backend": (1024, 2048), "frontend": (512, 1024), "agents": (2048, 4096)},
}
IMAGES = {name: "frontend" if name == "frontend" else "backend" for name in CATALOG_SIZES}
# The original's entry points; the backend and the frontend run their image's own.
COMMANDS = {
    "backend": [],
    "frontend": [],
    "defillama": ["python", "-m", "app.services.collectors.glass.defillama"],
    "sec-api": ["python", "-m", "app.services.collectors.catalyst.sec_api"],
    "coinspot-announcements": ["python", "-m", "app.services.collectors.catalyst.coinspot_announcements"],
    "reddit": ["python", "-m", "app.services.collectors.human.reddit"],
    "cryptopanic": ["python", "-m", "app.services.collectors.human.cryptopanic"],
    "agents": ["python", "-m", "app.services.agent.orchestrator"],
}
KINDS = {
    "backend": "Service",
    "frontend": "Service",
    "agents": "Service",
    "reddit": "Worker",
    "cryptopanic": "Worker",
    "defillama": "ScheduledJob",
    "sec-api": "ScheduledJob",
    "coinspot-announcements": "ScheduledJob",
}
COUNTS = {  # desired, min, max
    "staging": {"backend": (1, 1, 2), "frontend": (1, 1, 2), "agents": (1, 1, 3)},
    "production": {"backend": (2, 2, 10), "frontend": (2, 2, 5), "agents": (2, 2, 5)},
}


def _plan(request, stack):
    return request.getfixturevalue(f"{stack}_plan")


def _containers(task):
    [container] = json.loads(task.inputs["containerDefinitions"])
    return container


def _workload_component(plan, name):
    return next(r for r in plan.resources if r.name == name and r.type.startswith("ohmycoins:ecs:") and r.is_component)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_each_workload_has_its_component_task_and_log_group_with_the_stacks_sizes(request, stack):
    plan = _plan(request, stack)
    expected_sizes = SIZES[stack]
    tasks = {t.inputs["family"].removeprefix(f"ohmycoins-{stack}-"): t for t in plan.all(TASK)}
    assert sorted(tasks) == sorted(CATALOG_SIZES)
    for name, task in tasks.items():
        component = _workload_component(plan, name)
        assert task.parent == component.urn
        assert plan.component_of(component).type == "ohmycoins:ecs:EcsWorkloads"
        assert (int(task.inputs["cpu"]), int(task.inputs["memory"])) == expected_sizes[name]
        assert task.inputs["requiresCompatibilities"] == ["FARGATE"] and task.inputs["networkMode"] == "awsvpc"
        group = plan.named(f"{name}-logs")
        assert group.inputs["name"] == f"/ecs/ohmycoins-{stack}/{name}"
        assert group.inputs["retentionInDays"] == {"staging": 7, "production": 90}[stack]
        assert group.inputs["kmsKeyId"] == plan.outputs["kmsKeyArn"]
        container = _containers(task)
        assert container["logConfiguration"]["options"]["awslogs-group"] == group.inputs["name"]
        # Staging by tag; production by the digest in its stack file (tests/compute/test_images.py).
        repository, _, version = container["image"].partition({"staging": ":", "production": "@"}[stack])
        assert repository.endswith(f".dkr.ecr.ap-southeast-2.amazonaws.com/ohmycoins-{stack}-{IMAGES[name]}")
        assert version == "latest" if stack == "staging" else version.startswith("sha256:")
        assert container.get("command", []) == COMMANDS[name]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_long_running_workloads_are_services_and_jobs_are_schedules(request, stack):
    plan = _plan(request, stack)
    services = {s.inputs["name"]: s for s in plan.all(SERVICE)}
    assert sorted(services) == ["agents", "backend", "cryptopanic", "frontend", "reddit"]
    ecs = plan.one("ohmycoins:ecs:EcsWorkloads")
    schedules = {s.inputs["name"].removeprefix(f"ohmycoins-{stack}-"): s for s in plan.all(SCHEDULE) if plan.component_of(s) == ecs}
    assert {name: s.inputs["scheduleExpression"] for name, s in schedules.items()} == {
        "defillama": "cron(0 2 * * ? *)",
        "sec-api": "cron(0 3 * * ? *)",
        "coinspot-announcements": "cron(0 * * * ? *)",
    }
    machines = {m.inputs["name"].removeprefix(f"ohmycoins-{stack}-"): m for m in plan.all(STATE_MACHINE)}
    for name, schedule in schedules.items():
        assert schedule.inputs["scheduleExpressionTimezone"] == "UTC"
        target = schedule.inputs["target"]
        # The schedule starts the job's state machine, which runs the task and waits for it.
        assert target["arn"] == f"arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-{stack}-{name}"
        assert machines[name].inputs["type"] == "STANDARD"
        run = json.loads(machines[name].inputs["definition"])["States"]["RunTask"]
        assert run["Resource"] == "arn:aws:states:::ecs:runTask.sync"
        network = run["Parameters"]["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["AssignPublicIp"] == "DISABLED"
        assert sorted(network["Subnets"]) == sorted(plan.outputs["privateAppSubnetIds"])
        assert network["SecurityGroups"] == [plan.outputs["appSecurityGroupId"]]
        # The job's own task definition (its ARN is the mocks'; the plan says which resource it names).
        assert plan.references[run["Parameters"]["TaskDefinition"]] == f"{name}-task"


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_services_run_privately_roll_back_and_sit_behind_their_target_groups(request, stack):
    plan = _plan(request, stack)
    for service in plan.all(SERVICE):
        inputs = service.inputs
        network = inputs["networkConfiguration"]
        assert network["assignPublicIp"] is False
        assert sorted(network["subnets"]) == sorted(plan.outputs["privateAppSubnetIds"])
        assert network["securityGroups"] == [plan.outputs["appSecurityGroupId"]]
        assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert "launchType" not in inputs and inputs["capacityProviderStrategies"]
        assert inputs["enableExecuteCommand"] is (stack == "staging")
        name = inputs["name"]
        if name in ("backend", "frontend"):
            [lb] = inputs["loadBalancers"]
            assert lb["containerName"] == name and lb["containerPort"] == {"backend": 8000, "frontend": 80}[name]
            assert plan.named(f"edge-{name}-tg").urn in service.dependencies
            assert plan.named("edge-https").urn in service.dependencies
            # ECS ignores the target group's failed health checks for a starting task's first minute.
            assert inputs["healthCheckGracePeriodSeconds"] == 60
        else:
            assert inputs.get("loadBalancers", []) == []
            assert "healthCheckGracePeriodSeconds" not in inputs
        if name in ("reddit", "cryptopanic"):
            # One copy of a self-timed collector, even during a deployment.
            assert (inputs["desiredCount"], inputs["deploymentMaximumPercent"], inputs["deploymentMinimumHealthyPercent"]) == (1, 100, 0)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_autoscaling_tracks_cpu_and_memory_within_the_stacks_bounds(request, stack):
    plan = _plan(request, stack)
    services = {s.inputs["name"]: s for s in plan.all(SERVICE)}
    for name, (desired, low, high) in COUNTS[stack].items():
        assert services[name].inputs["desiredCount"] == desired
        assert services[name].ignoreChanges == ["desiredCount"]
        target = plan.named(f"{name}-scaling-target")
        assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (low, high)
        assert target.inputs["resourceId"] == f"service/ohmycoins-{stack}-cluster/{name}"
        metrics = {
            plan.named(f"{name}-{kind}-scaling").inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
                "predefinedMetricType"
            ]: plan.named(f"{name}-{kind}-scaling").inputs["targetTrackingScalingPolicyConfiguration"]["targetValue"]
            for kind in ("cpu", "memory")
        }
        expected = (75, 85) if name == "agents" else (70, 80)
        assert metrics == {"ECSServiceAverageCPUUtilization": expected[0], "ECSServiceAverageMemoryUtilization": expected[1]}
    assert len(plan.all(SCALING_TARGET)) == 3 and len(plan.all(SCALING_POLICY)) == 6


def test_no_secret_value_is_plain_environment_only_secret_references(any_plan):
    secret_names = {"SECRET_KEY", "ENCRYPTION_KEY", "FIRST_SUPERUSER_PASSWORD", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "OPENAI_API_KEY"}
    app_secret = any_plan.outputs["appSecretArn"]
    allowed_prefixes = (f"{app_secret}:", f"{any_plan.outputs['databaseMasterSecretArn']}:", f"{any_plan.outputs['cacheAuthSecretArn']}:")
    for task in any_plan.all(TASK):
        container = _containers(task)
        env = {e["name"]: e["value"] for e in container["environment"]}
        assert not secret_names & set(env), task.name
        assert not any("KEY" in name or "PASSWORD" in name or "TOKEN" in name for name in env), task.name
        for ref in container["secrets"]:
            assert ref["valueFrom"].startswith(allowed_prefixes) and ref["valueFrom"].endswith("::")
    backend = _containers(any_plan.named("backend-task"))
    refs = {s["name"]: s["valueFrom"] for s in backend["secrets"]}
    assert refs["POSTGRES_PASSWORD"] == f"{any_plan.outputs['databaseMasterSecretArn']}:password::"
    assert refs["REDIS_PASSWORD"] == f"{any_plan.outputs['cacheAuthSecretArn']}:REDIS_PASSWORD::"
    assert refs["SECRET_KEY"] == f"{app_secret}:SECRET_KEY::"
    env = {e["name"]: e["value"] for e in backend["environment"]}
    assert env["POSTGRES_SERVER"] == any_plan.outputs["databaseAddress"] and env["POSTGRES_PORT"] == "5432"
    assert env["REDIS_HOST"] == any_plan.outputs["cachePrimaryEndpoint"] and env["REDIS_PORT"] == "6379"
    assert env["REDIS_SSL"] == "true"
    assert backend["healthCheck"]["command"][1].startswith("curl -fsS http://localhost:8000/api/v1/utils/health-check/")


def test_secret_references_name_only_keys_the_stacks_secret_holds(any_plan):
    keys = set(any_plan.outputs["appSecretKeys"])
    app_secret = any_plan.outputs["appSecretArn"]
    for task in any_plan.all(TASK):
        for ref in _containers(task)["secrets"]:
            if ref["valueFrom"].startswith(app_secret):
                assert ref["valueFrom"].removeprefix(f"{app_secret}:").removesuffix("::") in keys


def _policies(plan):
    for resource in plan.all("aws:iam/rolePolicy:RolePolicy") + plan.all("aws:iam/policy:Policy"):
        yield resource.name, json.loads(resource.inputs["policy"])


def _actions(statement):
    actions = statement.get("Action", [])
    return [actions] if isinstance(actions, str) else actions


def test_no_secret_read_or_pass_role_on_a_wildcard_resource(any_plan):
    for name, policy in _policies(any_plan):
        for statement in policy["Statement"]:
            if statement.get("Effect") != "Allow":
                continue
            sensitive = [a for a in _actions(statement) if a.startswith("secretsmanager:") or a in ("iam:PassRole", "iam:*", "*")]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if sensitive:
                assert "*" not in resources, (name, statement)


def test_execution_role_reads_only_the_secrets_logs_and_images_of_the_tasks(any_plan):
    policy = json.loads(any_plan.named("ecs-execution-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["ReadSecrets"]["Resource"] == sorted(
        [any_plan.outputs["appSecretArn"], any_plan.outputs["databaseMasterSecretArn"], any_plan.outputs["cacheAuthSecretArn"]]
    )
    assert statements["DecryptSecrets"]["Resource"] == any_plan.outputs["kmsKeyArn"]
    groups = {f"arn:aws:logs:ap-southeast-2:123456789012:log-group:/ecs/ohmycoins-{any_plan.stack}/{name}" for name in CATALOG_SIZES}
    assert {r.removesuffix(":log-stream:*") for r in statements["WriteLogs"]["Resource"]} == groups
    assert sorted(r.rsplit("/", 1)[1] for r in statements["PullImages"]["Resource"]) == [
        f"ohmycoins-{any_plan.stack}-backend",
        f"ohmycoins-{any_plan.stack}-frontend",
    ]
    trust = json.loads(any_plan.named("ecs-execution-role").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"} and trust["Condition"]["StringEquals"]["aws:SourceAccount"]


@pytest.mark.parametrize("job", ["defillama", "sec-api", "coinspot-announcements"])
def test_each_job_runner_runs_only_its_task_and_passes_only_its_two_roles(staging_plan, job):
    plan = staging_plan
    policy = json.loads(plan.named(f"{job}-runner-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    run = statements["RunTheJob"]
    assert run["Action"] == "ecs:RunTask"
    assert plan.references[run["Resource"]] == f"{job}-task"
    assert run["Condition"] == {"ArnEquals": {"ecs:cluster": "arn:aws:ecs:ap-southeast-2:123456789012:cluster/ohmycoins-staging-cluster"}}
    # It may stop only tasks of this cluster (the time limit), and manage only Step Functions' own ECS rule.
    assert statements["FollowAndStopTheJob"]["Resource"] == "arn:aws:ecs:ap-southeast-2:123456789012:task/ohmycoins-staging-cluster/*"
    assert statements["LearnWhenTheTaskStops"]["Resource"] == (
        "arn:aws:events:ap-southeast-2:123456789012:rule/StepFunctionsGetEventsForECSTaskRule"
    )
    passed = statements["PassTheJobsRoles"]
    assert sorted(passed["Resource"]) == sorted(
        [f"arn:aws:iam::123456789012:role/ohmycoins-staging-{job}-task", "arn:aws:iam::123456789012:role/ohmycoins-staging-ecs-execution"]
    )
    assert passed["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    trust = json.loads(plan.named(f"{job}-runner-role").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert (
        trust["Condition"]["ArnEquals"]["aws:SourceArn"]
        == f"arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-staging-{job}"
    )

    scheduler = json.loads(plan.named(f"{job}-scheduler-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in scheduler["Statement"]}
    assert statements["StartTheJob"] == {
        "Sid": "StartTheJob",
        "Effect": "Allow",
        "Action": "states:StartExecution",
        "Resource": f"arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-staging-{job}",
    }
    assert statements["DeadLetter"]["Resource"] == "arn:aws:sqs:ap-southeast-2:123456789012:ohmycoins-staging-job-schedules-dlq"
    trust = json.loads(plan.named(f"{job}-scheduler-role").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:scheduler:ap-southeast-2:123456789012:schedule-group/default"
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"


@pytest.mark.parametrize("stack, exec_on", [("staging", True), ("production", False)])
def test_ecs_exec_permissions_exist_only_where_exec_is_on(request, stack, exec_on):
    plan = _plan(request, stack)
    cluster = plan.one("aws:ecs/cluster:Cluster")
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": {"staging": "disabled", "production": "enhanced"}[stack]}]
    with_exec = {name for name, policy in _policies(plan) if any(s.get("Sid") == "ExecChannels" for s in policy["Statement"])}
    if exec_on:
        exec_config = cluster.inputs["configuration"]["executeCommandConfiguration"]
        assert exec_config["kmsKeyId"] == plan.outputs["kmsKeyArn"] and exec_config["logging"] == "OVERRIDE"
        assert exec_config["logConfiguration"] == {
            "cloudWatchLogGroupName": f"/ecs/ohmycoins-{stack}/exec",
            "cloudWatchEncryptionEnabled": True,
        }
        assert with_exec == {f"{name}-task-policy" for name in ("backend", "frontend", "agents", "reddit", "cryptopanic")}
    else:
        assert "configuration" not in cluster.inputs
        assert with_exec == set()
        # Production's collectors need no AWS permission at all.
        assert [n for n, _ in _policies(plan) if n.endswith("-task-policy")] == ["agents-task-policy"]


def test_capacity_providers_and_spot_preference(staging_plan, production_plan):
    for plan in (staging_plan, production_plan):
        capacity = plan.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
        assert capacity.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    # Staging's services run one task: on-demand Graviton, which Fargate Spot (x86 only) cannot scale out onto.
    backend = staging_plan.named("backend-service").inputs["capacityProviderStrategies"]
    assert backend == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert staging_plan.named("reddit-service").inputs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    for service in production_plan.all(SERVICE):
        assert service.inputs["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]


@pytest.mark.parametrize("stack, zones", [("staging", 2), ("production", 3)])
def test_agents_mount_an_encrypted_file_system_reachable_only_from_the_app_tier(request, stack, zones):
    plan = _plan(request, stack)
    fs = plan.one("aws:efs/fileSystem:FileSystem")
    assert fs.inputs["encrypted"] is True and fs.inputs["kmsKeyId"] == plan.outputs["kmsKeyArn"]
    assert fs.protect is (stack == "production")
    mounts = plan.all("aws:efs/mountTarget:MountTarget")
    assert sorted(m.inputs["subnetId"] for m in mounts) == sorted(plan.outputs["privateAppSubnetIds"]) and len(mounts) == zones
    nfs = plan.named("agents-agent-artifacts-nfs-sg")
    [rule] = nfs.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["securityGroups"]) == (2049, 2049, [plan.outputs["appSecurityGroupId"]])
    assert not rule.get("cidrBlocks") and nfs.inputs["egress"] == []
    assert all(m.inputs["securityGroups"] == [m.inputs["securityGroups"][0]] and nfs.urn in m.dependencies for m in mounts)
    point = plan.one("aws:efs/accessPoint:AccessPoint").inputs
    assert point["posixUser"] == {"uid": 1000, "gid": 1000}
    assert point["rootDirectory"]["path"] == "/agents"
    task = plan.named("agents-task")
    [volume] = [v for v in task.inputs["volumes"] if "efsVolumeConfiguration" in v]
    efs = volume["efsVolumeConfiguration"]
    assert efs["transitEncryption"] == "ENABLED" and efs["authorizationConfig"]["iam"] == "ENABLED"
    shared = [m for m in _containers(task)["mountPoints"] if m["sourceVolume"] == volume["name"]]
    assert shared == [{"sourceVolume": volume["name"], "containerPath": "/app/artifacts", "readOnly": False}]


@pytest.mark.parametrize("stack, mutability", [("staging", "MUTABLE"), ("production", "IMMUTABLE")])
def test_ecr_repositories_scan_encrypt_and_expire(request, stack, mutability):
    plan = _plan(request, stack)
    repositories = plan.all("aws:ecr/repository:Repository")
    assert sorted(r.inputs["name"] for r in repositories) == [f"ohmycoins-{stack}-backend", f"ohmycoins-{stack}-frontend"]
    for repository in repositories:
        assert repository.inputs["imageTagMutability"] == mutability
        assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repository.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": plan.outputs["kmsKeyArn"]}]
    for policy in plan.all("aws:ecr/lifecyclePolicy:LifecyclePolicy"):
        rules = json.loads(policy.inputs["policy"])["rules"]
        assert rules[-1]["selection"]["countNumber"] == {"staging": 20, "production": 50}[stack]


def test_on_eks_no_ecs_workload_is_created_but_registry_and_edge_are(plan_variant):
    def apps_on_eks(config):
        config["ohmycoins:apps"]["platform"] = "eks"
        config["ohmycoins:eks"]["nodeGroups"]["apps"] = {"instanceTypes": ["t4g.large"], "minSize": 1, "desiredSize": 1, "maxSize": 3}

    plan = plan_variant("staging", apps_on_eks)
    assert not plan.all(TASK) and not plan.all(SERVICE) and not [s for s in plan.all(SCHEDULE) if "ecsParameters" in s.inputs["target"]]
    assert not plan.all("aws:ecs/cluster:Cluster")
    assert len(plan.all("aws:ecr/repository:Repository")) == 2
    assert plan.all("aws:lb/loadBalancer:LoadBalancer")


def _workload(name, **values):
    def change(config):
        config["ohmycoins:apps"].setdefault("workloads", {}).setdefault(name, {}).update(values)

    return change


@pytest.mark.parametrize(
    "stack, change, key, reason",
    [
        ("staging", _workload("bakend", cpu=512), "ohmycoins:apps.workloads.bakend", "no workload named 'bakend'"),
        ("staging", _workload("backend", memory=512), "ohmycoins:apps.workloads.backend.memory", "512 MiB does not go with 512 CPU units"),
        ("staging", _workload("reddit", cpu=300), "ohmycoins:apps.workloads.reddit.cpu", "300 CPU units is not a Fargate size"),
        (
            "staging",
            _workload("backend", desiredCount=3),
            "ohmycoins:apps.workloads.backend.desiredCount",
            "minCount <= desiredCount <= maxCount",
        ),
        ("production", _workload("frontend", minCount=6), "ohmycoins:apps.workloads.frontend.minCount", "got 6 <= 2 <= 5"),
        ("staging", _workload("defillama", desiredCount=2), "ohmycoins:apps.workloads.defillama.desiredCount", "is a scheduled job"),
        ("staging", _workload("sec-api", minCount=1), "ohmycoins:apps.workloads.sec-api.minCount", "is a scheduled job"),
        ("staging", _workload("defillama", maxCount=2), "ohmycoins:apps.workloads.defillama.maxCount", "is a scheduled job"),
        ("staging", _workload("cryptopanic", minCount=1), "ohmycoins:apps.workloads.cryptopanic.minCount", "does not autoscale"),
        ("staging", _workload("reddit", maxCount=3), "ohmycoins:apps.workloads.reddit.maxCount", "does not autoscale"),
        ("staging", _workload("backend", cpus=512), "ohmycoins:apps.workloads.backend.cpus", "unknown setting"),
        ("production", lambda c: c["ohmycoins:apps"].update(imageTag="latest"), "ohmycoins:apps.imageTag", "not 'latest'"),
        (
            "production",
            lambda c: c["ohmycoins:apps"].update(imageTags={"frontend": "latest"}),
            "ohmycoins:apps.imageTags.frontend",
            "not 'latest'",
        ),
        ("staging", lambda c: c["ohmycoins:apps"].update(imageTags={"agents": "v2"}), "ohmycoins:apps.imageTags.agents", "no image named"),
        ("staging", lambda c: c["ohmycoins:apps"].update(platform="k8s"), "ohmycoins:apps.platform", "'ecs' or 'eks'"),
        ("staging", lambda c: c["ohmycoins:apps"].update(imageTag="v1 beta"), "ohmycoins:apps.imageTag", "not an image tag"),
        (
            "staging",
            lambda c: c["ohmycoins:apps"].update(logRetentionDays=10),
            "ohmycoins:apps.logRetentionDays",
            "not a CloudWatch Logs retention",
        ),
        (
            "staging",
            lambda c: c["ohmycoins:apps"].update(extraCorsOrigins=["localhost:5173"]),
            "ohmycoins:apps.extraCorsOrigins",
            "not an origin",
        ),
    ],
)
def test_bad_apps_settings_are_refused_naming_the_key(assert_refused, stack, change, key, reason):
    assert_refused(stack, change, key, reason)


def test_services_with_a_port_register_their_tasks_by_name(any_plan):
    namespace = any_plan.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    assert namespace.inputs["name"] == f"ohmycoins-{any_plan.stack}.internal"
    assert namespace.inputs["vpc"] == any_plan.outputs["vpcId"]
    registered = {s.inputs["name"]: s for s in any_plan.all("aws:servicediscovery/service:Service")}
    assert sorted(registered) == ["agents", "backend", "frontend"]
    for name, discovery in registered.items():
        assert discovery.inputs["dnsConfig"]["dnsRecords"] == [{"type": "A", "ttl": 10}]
        service = any_plan.named(f"{name}-service")
        assert discovery.urn in service.dependencies and service.inputs["serviceRegistries"]["registryArn"].startswith(
            "arn:aws:servicediscovery:"
        )
    assert "serviceRegistries" not in any_plan.named("reddit-service").inputs


def test_the_plan_tree_shows_the_edge_and_each_workload_under_its_component(staging_plan):
    tree = render_tree(staging_plan)
    lines = tree.splitlines()
    assert lines[0] == f"Plan of stack 'staging' (project ohmycoins): {len(staging_plan.resources)} resources, 48 components"
    # Top level: the providers, then every component with its resources counted by type.
    assert lines[2] == "pulumi:providers:aws  aws"
    assert "    1 x aws:cloudwatch/dashboard:Dashboard  alarms-dashboard" in lines
    assert "ohmycoins:edge:Edge  edge" in tree
    for name, kind in KINDS.items():
        assert f"  ohmycoins:ecs:{kind}  {name}  (" in tree


def _statements(plan, name):
    return {s["Sid"]: s for s in json.loads(plan.named(name).inputs["policy"])["Statement"]}


def test_execution_role_actions_and_conditions(any_plan):
    statements = _statements(any_plan, "ecs-execution-policy")
    assert set(statements) == {"EcrLogin", "PullImages", "WriteLogs", "ReadSecrets", "DecryptSecrets"}
    assert (statements["EcrLogin"]["Action"], statements["EcrLogin"]["Resource"]) == ("ecr:GetAuthorizationToken", "*")
    assert statements["PullImages"]["Action"] == ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert statements["WriteLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statements["ReadSecrets"]["Action"] == "secretsmanager:GetSecretValue"
    assert statements["DecryptSecrets"]["Action"] == "kms:Decrypt"
    assert statements["DecryptSecrets"]["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.ap-southeast-2.amazonaws.com"}}
    assert all(s["Effect"] == "Allow" for s in statements.values())


def test_only_this_accounts_ecs_tasks_in_this_region_may_assume_the_execution_role(any_plan):
    trust = json.loads(any_plan.named("ecs-execution-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:ecs:ap-southeast-2:123456789012:*"},
            },
        }
    ]


def test_exec_grants_exactly_the_session_channels_and_its_log_group(staging_plan):
    statements = _statements(staging_plan, "backend-task-policy")
    assert set(statements) == {"ExecChannels", "ExecFindLogGroup", "ExecSessionLogs", "ExecSessionKey"}
    assert all(s["Effect"] == "Allow" for s in statements.values())
    assert statements["ExecChannels"]["Action"] == [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ]
    assert statements["ExecFindLogGroup"]["Action"] == "logs:DescribeLogGroups"
    assert statements["ExecSessionLogs"]["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    exec_group = staging_plan.named("ecs-exec-logs")
    assert exec_group.inputs["name"] == "/ecs/ohmycoins-staging/exec"
    assert exec_group.inputs["retentionInDays"] == 7 and exec_group.inputs["kmsKeyId"] == staging_plan.outputs["kmsKeyArn"]
    group_arn, streams = statements["ExecSessionLogs"]["Resource"]
    assert streams == f"{group_arn}:log-stream:*"
    assert statements["ExecSessionKey"] == {
        "Sid": "ExecSessionKey",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": staging_plan.outputs["kmsKeyArn"],
    }


def test_agents_may_mount_the_shared_file_system_only_through_its_access_point(any_plan):
    mount = _statements(any_plan, "agents-task-policy")["MountSharedStorage"]
    assert mount["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert list(mount["Condition"]) == ["StringEquals"]
    assert list(mount["Condition"]["StringEquals"]) == ["elasticfilesystem:AccessPointArn"]
    task = any_plan.named("agents-task")
    [volume] = [v for v in task.inputs["volumes"] if "efsVolumeConfiguration" in v]
    access_point = volume["efsVolumeConfiguration"]["authorizationConfig"]["accessPointId"]
    assert any_plan.one("aws:efs/accessPoint:AccessPoint").urn in task.dependencies and access_point


def test_a_job_runs_its_task_only_in_this_cluster_and_tags_only_its_tasks(staging_plan):
    # The schedule only starts the job's state machine; the state machine's role runs the task.
    assert set(_statements(staging_plan, "defillama-scheduler-policy")) == {"StartTheJob", "DeadLetter"}
    statements = _statements(staging_plan, "defillama-runner-policy")
    assert set(statements) == {"RunTheJob", "FollowAndStopTheJob", "TagTheJobsTask", "LearnWhenTheTaskStops", "PassTheJobsRoles"}
    assert all(s["Effect"] == "Allow" for s in statements.values())
    cluster = "arn:aws:ecs:ap-southeast-2:123456789012:cluster/ohmycoins-staging-cluster"
    assert statements["RunTheJob"]["Condition"] == {"ArnEquals": {"ecs:cluster": cluster}}
    [machine] = [m for m in staging_plan.all(STATE_MACHINE) if m.inputs["name"] == "ohmycoins-staging-defillama"]
    assert json.loads(machine.inputs["definition"])["States"]["RunTask"]["Parameters"]["Cluster"] == cluster
    assert statements["TagTheJobsTask"] == {
        "Sid": "TagTheJobsTask",
        "Effect": "Allow",
        "Action": "ecs:TagResource",
        "Resource": "arn:aws:ecs:ap-southeast-2:123456789012:task/ohmycoins-staging-cluster/*",
        "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
    }


def _environment(plan, workload):
    return {e["name"]: e["value"] for e in _containers(plan.named(f"{workload}-task"))["environment"]}


@pytest.mark.parametrize(
    "stack, domain, cors",
    [
        # The dashboard, the frontend on the bare domain (the apex record), then the stack's extra origins.
        (
            "staging",
            "staging.ohmycoins.com",
            "https://dashboard.staging.ohmycoins.com,https://staging.ohmycoins.com,http://localhost:5173",
        ),
        ("production", "ohmycoins.com", "https://dashboard.ohmycoins.com,https://ohmycoins.com"),
    ],
)
def test_plain_environment_of_the_backend(request, stack, domain, cors):
    plan = _plan(request, stack)
    environment = _environment(plan, "backend")
    connections = {"POSTGRES_SERVER": plan.outputs["databaseAddress"], "REDIS_HOST": plan.outputs["cachePrimaryEndpoint"]}
    assert environment == {**connections, **backend_environment(stack, domain, cors)}


def test_workers_get_the_environment_but_no_cors_and_the_frontend_gets_none(staging_plan):
    reddit = _environment(staging_plan, "reddit")
    assert (reddit["ENVIRONMENT"], reddit["DOMAIN"], reddit["POSTGRES_SSLMODE"]) == ("staging", "staging.ohmycoins.com", "require")
    assert "BACKEND_CORS_ORIGINS" not in reddit and "SCHEDULER_ENABLED" not in reddit
    assert _environment(staging_plan, "frontend") == {}
    agents = _environment(staging_plan, "agents")
    assert {k: v for k, v in agents.items() if k.startswith("AGENT_")} == {
        "AGENT_MAX_ITERATIONS": "10",
        "AGENT_TIMEOUT_SECONDS": "300",
        "AGENT_MODEL_PROVIDER": "openai",
        "AGENT_MODEL_NAME": "gpt-4",
        "AGENT_REDIS_DB": "1",
        "AGENT_ARTIFACTS_DIR": "/app/artifacts",
    }
    assert agents["ENVIRONMENT"] == "staging" and "BACKEND_CORS_ORIGINS" not in agents


def test_container_health_checks_follow_the_catalogs_liveness_probes(staging_plan):
    checks = {
        name: _containers(staging_plan.named(f"{name}-task")).get("healthCheck")
        for name in ("backend", "frontend", "agents", "reddit", "defillama")
    }
    assert checks == {
        "backend": {
            "command": ["CMD-SHELL", "curl -fsS http://localhost:8000/api/v1/utils/health-check/ > /dev/null || exit 1"],
            "interval": 10,
            "timeout": 5,
            "retries": 3,
            "startPeriod": 30,
        },
        # The frontend is checked by its target group only (README "Edge").
        "frontend": None,
        "agents": {
            "command": ["CMD-SHELL", "curl -fsS http://localhost:8001/health > /dev/null || exit 1"],
            "interval": 30,
            "timeout": 10,
            "retries": 3,
            "startPeriod": 60,
        },
        # Collectors listen on no port: nothing to check.
        "reddit": None,
        "defillama": None,
    }


@pytest.mark.parametrize("stack, protected", [("staging", False), ("production", True)])
def test_the_shared_file_system_refuses_plain_nfs_and_is_backed_up_by_the_stacks_plan(request, stack, protected):
    plan = _plan(request, stack)
    fs = plan.one("aws:efs/fileSystem:FileSystem")
    assert (fs.inputs["performanceMode"], fs.inputs["throughputMode"]) == ("generalPurpose", "elastic")
    assert fs.inputs["lifecyclePolicies"] == [{"transitionToIa": "AFTER_30_DAYS"}]
    assert (fs.protect, fs.retainOnDelete) == (protected, protected)
    # AWS Backup's plan takes the file system's recovery points on both stacks, so EFS's own backups stay off.
    backup = plan.one("aws:efs/backupPolicy:BackupPolicy")
    assert backup.inputs["backupPolicy"] == {"status": "DISABLED"}
    selection = plan.named("backups-file-systems")
    assert selection.inputs["name"] == f"ohmycoins-{stack}-file-systems" and fs.urn in selection.dependencies
    (statement,) = json.loads(plan.one("aws:efs/fileSystemPolicy:FileSystemPolicy").inputs["policy"])["Statement"]
    assert {k: v for k, v in statement.items() if k != "Resource"} == {
        "Sid": "DenyUnencryptedTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    point = plan.one("aws:efs/accessPoint:AccessPoint").inputs
    assert point["rootDirectory"]["creationInfo"] == {"ownerUid": 1000, "ownerGid": 1000, "permissions": "0750"}
    # The app tier may open NFS to the file system's group, and nothing else gets a rule for it.
    (egress,) = [
        r for r in plan.all("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") if r.name == "agents-agent-artifacts-app-to-nfs"
    ]
    assert (egress.inputs["ipProtocol"], egress.inputs["fromPort"], egress.inputs["toPort"]) == ("tcp", 2049, 2049)
    assert egress.inputs["securityGroupId"] == plan.outputs["appSecurityGroupId"]
    assert plan.named("agents-agent-artifacts-nfs-sg").urn in egress.dependencies
