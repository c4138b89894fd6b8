"""Staging's cheaper cluster at the same capability: Graviton nodes, Spot runners, no apps node
group (monitoring on the system nodes), and the checks that keep those choices sound."""

from __future__ import annotations

from components.compute.eks.eks_settings import EksSettings
from components.compute.eks.system_pods import system_fit_problems, system_pods
from tests.conftest import stack_config

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
RELEASE = "kubernetes:helm.sh/v3:Release"
SYSTEM_TAINT = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}


def _groups(plan):
    return {g.name.removeprefix("eks-nodes-"): g.inputs for g in plan.all(NODE_GROUP)}


def test_staging_has_no_apps_node_group_while_its_apps_run_on_ecs(staging_plan, production_plan):
    assert sorted(_groups(staging_plan)) == ["runners", "system"]
    assert sorted(_groups(production_plan)) == ["apps", "runners", "system"]


def test_runner_nodes_are_spot_from_several_graviton_types_of_one_size(staging_plan, production_plan):
    runners = _groups(staging_plan)["runners"]
    assert runners["capacityType"] == "SPOT"
    assert runners["instanceTypes"] == ["t4g.xlarge", "m6g.xlarge", "m7g.xlarge"]
    assert runners["amiType"] == "AL2023_ARM_64_STANDARD"
    assert _groups(production_plan)["runners"]["capacityType"] == "ON_DEMAND"


def test_node_images_follow_the_stacks_architecture(staging_plan, production_plan):
    assert {g["amiType"] for g in _groups(staging_plan).values()} == {"AL2023_ARM_64_STANDARD"}
    assert {g["amiType"] for g in _groups(production_plan).values()} == {"AL2023_x86_64_STANDARD"}


def _values(plan, release):
    return next(r.inputs["values"] for r in plan.all(RELEASE) if r.inputs["name"] == release)


def test_without_an_apps_group_monitoring_tolerates_the_system_nodes(staging_plan, production_plan):
    staging = _values(staging_plan, "kube-prometheus-stack")
    for pod in (staging["prometheus"]["prometheusSpec"], staging["alertmanager"]["alertmanagerSpec"], staging["grafana"]):
        assert pod["tolerations"] == [SYSTEM_TAINT]
    assert _values(staging_plan, "loki")["singleBinary"]["tolerations"] == [SYSTEM_TAINT]
    # Production has an apps group: its monitoring stays off the system nodes.
    assert _values(production_plan, "kube-prometheus-stack")["prometheus"]["prometheusSpec"]["tolerations"] == []


def test_staging_monitoring_volumes_go_with_their_release_production_keeps_them(staging_plan, production_plan):
    policy = {"whenDeleted": "Delete", "whenScaled": "Retain"}
    assert _values(staging_plan, "kube-prometheus-stack")["prometheus"]["prometheusSpec"]["persistentVolumeClaimRetentionPolicy"] == policy
    assert "persistentVolumeClaimRetentionPolicy" not in _values(production_plan, "kube-prometheus-stack")["prometheus"]["prometheusSpec"]


def _eks(stack, change=None):
    raw = stack_config(stack)["ohmycoins:eks"]
    if change:
        change(raw)
    return EksSettings.model_validate(raw)


def test_the_monitoring_stack_is_counted_on_the_system_nodes_only_without_an_apps_group():
    staging = {p.name for p in system_pods(_eks("staging"), monitoring=True, runners=True)}
    production = {p.name for p in system_pods(_eks("production"), monitoring=True, runners=True)}
    assert {"prometheus", "loki", "grafana"} <= staging
    assert not {"prometheus", "loki", "grafana"} & production
    assert system_fit_problems(_eks("staging"), monitoring=True, runners=True) == []


def test_a_system_group_too_small_for_the_monitoring_stack_is_refused(assert_refused):
    def small(config):
        config["ohmycoins:eks"]["nodeGroups"]["system"]["instanceTypes"] = ["t4g.small"]

    problems = assert_refused(
        "staging", small, "ohmycoins:eks.nodeGroups.system.minSize", "the monitoring stack, CoreDNS and the controllers request"
    )
    assert any("memory" in reason and "1 system node(s)" in reason for _, reason in problems)


def test_more_system_nodes_make_room():
    def small(count):
        return _eks(
            "staging", lambda e: e["nodeGroups"]["system"].update(instanceTypes=["t4g.small"], minSize=count, desiredSize=count, maxSize=3)
        )

    assert system_fit_problems(small(1), monitoring=True, runners=True) != []
    assert system_fit_problems(small(2), monitoring=True, runners=True) == []


def test_node_types_must_match_the_stacks_architecture(assert_refused):
    assert_refused(
        "staging",
        lambda c: c["ohmycoins:eks"]["nodeGroups"]["system"].update(instanceTypes=["t3.medium"]),
        "ohmycoins:eks.nodeGroups.system.instanceTypes[0]",
        "'t3.medium' is x86_64 but ohmycoins:general.architecture is arm64",
    )


def test_an_arm64_stack_may_keep_an_x86_data_tier(plan_variant):
    # No image of ours runs there: an adopted db.t3 / cache.t3 keeps its class under arm64.
    def x86_data_tier(config):
        config["ohmycoins:cache"]["nodeType"] = "cache.t3.micro"
        config["ohmycoins:database"]["instanceClass"] = "db.t3.micro"

    plan = plan_variant("staging", x86_data_tier)
    assert plan.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs["nodeType"] == "cache.t3.micro"
    assert plan.named("database-instance").inputs["instanceClass"] == "db.t3.micro"


def test_apps_on_eks_need_an_apps_node_group(assert_refused):
    assert_refused(
        "staging",
        lambda c: c["ohmycoins:apps"].update(platform="eks"),
        "ohmycoins:eks.nodeGroups.apps",
        "is required when ohmycoins:apps.platform is eks",
    )
