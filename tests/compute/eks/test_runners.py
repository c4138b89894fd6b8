"""CI runners: ARC scale sets at zero idle runners, on the tainted runner nodes, sized to fit them."""

from __future__ import annotations

import pytest

from components.settings import SettingsError

ARC_VERSION = "0.12.1"
ARC_CHARTS = "oci://ghcr.io/actions/actions-runner-controller-charts"

RELEASE = "kubernetes:helm.sh/v3:Release"
EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def scale_sets(plan):
    return [r for r in plan.all(RELEASE) if r.inputs["chart"] == f"{ARC_CHARTS}/gha-runner-scale-set"]


@pytest.mark.parametrize(
    "stack, pools",
    [
        # The test pool (the app repository's test jobs) lives on staging's cluster, beside staging's pool.
        ("staging", {"ohmycoins-staging": 3, "ohmycoins-test": 5}),
        ("production", {"ohmycoins-production": 10}),
    ],
)
def test_one_scale_set_per_pool_scaling_from_zero(request, stack, pools):
    plan = request.getfixturevalue(f"{stack}_plan")
    releases = {r.inputs["name"]: r for r in scale_sets(plan)}
    assert set(releases) == set(pools)
    for name, max_runners in pools.items():
        release = releases[name]
        # 0.12.1: 0.12.0 renders a second `dind` init container on Kubernetes 1.29 and later (all of ours).
        assert (release.inputs["namespace"], release.inputs["version"]) == ("arc-runners", "0.12.1")
        values = release.inputs["values"]
        assert values["minRunners"] == 0 and values["maxRunners"] == max_runners
        assert values["runnerScaleSetName"] == name
    assert plan.outputs["runnerScaleSets"] == list(pools)


def test_controller_and_scale_sets_share_the_pinned_version(any_plan):
    controller = any_plan.named("runners-controller")
    assert controller.inputs["chart"] == f"{ARC_CHARTS}/gha-runner-scale-set-controller"
    assert controller.inputs["namespace"] == "arc-systems"
    assert {r.inputs["version"] for r in [controller, *scale_sets(any_plan)]} == {ARC_VERSION}
    assert controller.inputs["values"]["tolerations"] == [{"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}]
    # Installed into its namespace once the cluster's add-ons are ready.
    namespace = any_plan.named("runners-system-namespace")
    assert namespace.urn in controller.dependencies
    assert {a.urn for a in any_plan.all("aws:eks/addon:Addon")} & set(controller.dependencies)


def test_runner_pods_tolerate_the_runner_taint_and_select_the_runner_nodes(any_plan):
    nodes = any_plan.named("eks-nodes-runners").inputs
    assert nodes["scalingConfig"]["minSize"] == 0
    taints = [{"key": t["key"], "operator": "Equal", "value": t["value"], "effect": EFFECTS[t["effect"]]} for t in nodes["taints"]]
    for release in scale_sets(any_plan):
        spec = release.inputs["values"]["template"]["spec"]
        assert spec["tolerations"] == taints
        assert spec["nodeSelector"].items() <= nodes["labels"].items() and spec["nodeSelector"]


def test_runners_register_with_the_github_app_from_secret_config(any_plan):
    secret = any_plan.named("runners-github-app")
    assert secret.inputs["metadata"] == {"name": "github-app", "namespace": "arc-runners"}
    assert secret.inputs["stringData"] == "[secret]"
    # The namespace is named by a constant, not an output: only an explicit dependency orders them.
    assert any_plan.named("runners-runners-namespace").urn in secret.dependencies
    for release in scale_sets(any_plan):
        assert release.inputs["values"]["githubConfigSecret"] == "github-app"
        assert release.inputs["values"]["githubConfigUrl"] == "https://github.com/MarkLimmage/ohmycoins"
        assert secret.urn in release.dependencies


def test_runner_requests_and_limits_come_from_config(production_plan):
    (release,) = scale_sets(production_plan)
    spec = release.inputs["values"]["template"]["spec"]
    runner = next(c for c in spec["containers"] if c["name"] == "runner")
    assert runner["resources"] == {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"cpu": "4", "memory": "8Gi"}}
    assert ":latest" not in runner["image"]


def _with_group(change):
    def edit(config):
        change(config["ohmycoins:runners"]["groups"][0])

    return edit


def test_runner_requests_larger_than_the_node_are_rejected_naming_the_key(plan_variant):
    with pytest.raises(SettingsError) as error:
        plan_variant(
            "staging", _with_group(lambda g: g.update(requests={"cpu": "4", "memory": "2Gi"}, limits={"cpu": "4", "memory": "4Gi"}))
        )
    # One problem per runner instance type (staging lists three of one size).
    problems = error.value.problems
    assert [key for key, _ in problems] == ["ohmycoins:runners.groups[0].requests.cpu"] * 3
    assert "t4g.xlarge node has 3920m allocatable" in problems[0][1] and "m7g.xlarge node has 3920m allocatable" in problems[2][1]
    assert "ohmycoins:eks.nodeGroups.runners.instanceTypes" in problems[0][1]


def test_runner_memory_larger_than_the_node_is_rejected(plan_variant):
    def change(config):
        config["ohmycoins:eks"]["nodeGroups"]["runners"]["instanceTypes"] = ["t4g.large"]
        config["ohmycoins:runners"]["groups"][0]["requests"] = {"cpu": "1", "memory": "7Gi"}
        config["ohmycoins:runners"]["groups"][0]["limits"] = {"cpu": "2", "memory": "8Gi"}

    with pytest.raises(SettingsError) as error:
        plan_variant("staging", change)
    assert [p[0] for p in error.value.problems] == ["ohmycoins:runners.groups[0].requests.memory"]
    assert "t4g.large node has 7452Mi allocatable" in error.value.problems[0][1]


def test_runners_need_the_github_app_private_key(plan_variant):
    with pytest.raises(SettingsError) as error:
        plan_variant("staging", lambda config: config.pop("ohmycoins:runnersGithubAppPrivateKey"))
    (problem,) = error.value.problems
    assert problem[0] == "ohmycoins:runners.githubApp"
    assert "pulumi config set --secret ohmycoins:runnersGithubAppPrivateKey" in problem[1]


def test_the_private_key_must_be_secret(plan_variant):
    with pytest.raises(SettingsError) as error:
        plan_variant("staging", lambda config: config.update({"ohmycoins:runnersGithubAppPrivateKey": "-----BEGIN RSA PRIVATE KEY-----"}))
    assert error.value.problems == [("ohmycoins:runnersGithubAppPrivateKey", "is a secret: set it with `pulumi config set --secret`")]


def test_requests_above_limits_are_rejected(plan_variant):
    with pytest.raises(SettingsError) as error:
        plan_variant(
            "staging", _with_group(lambda g: g.update(requests={"cpu": "2", "memory": "2Gi"}, limits={"cpu": "1", "memory": "4Gi"}))
        )
    assert ("ohmycoins:runners.groups[0].requests.cpu", "is above the limit") in error.value.problems


def test_memory_requests_above_limits_are_rejected(plan_variant):
    with pytest.raises(SettingsError) as error:
        plan_variant(
            "staging", _with_group(lambda g: g.update(requests={"cpu": "1", "memory": "3Gi"}, limits={"cpu": "2", "memory": "2Gi"}))
        )
    assert ("ohmycoins:runners.groups[0].requests.memory", "is above the limit") in error.value.problems


def test_runners_without_eks_are_rejected(plan_variant):
    def change(config):
        config["ohmycoins:eks"]["enabled"] = False
        config["ohmycoins:monitoring"]["enabled"] = False

    with pytest.raises(SettingsError) as error:
        plan_variant("staging", change)
    assert ("ohmycoins:runners.enabled", "is true, but ohmycoins:eks.enabled is false") in error.value.problems


@pytest.mark.parametrize("pool", ["ohmycoins-staging", "ohmycoins-test"])
def test_docker_groups_run_a_privileged_docker_daemon_beside_the_runner(staging_plan, pool):
    (release,) = [r for r in scale_sets(staging_plan) if r.inputs["name"] == pool]
    spec = release.inputs["values"]["template"]["spec"]
    # Exactly one Docker daemon per runner pod.
    (daemon,) = [c for c in spec["initContainers"] if c["name"] == "dind"]
    # A native sidecar (restartPolicy Always) that the runner waits for.
    assert (daemon["image"], daemon["restartPolicy"]) == ("docker:27.5.1-dind", "Always")
    assert daemon["securityContext"] == {"privileged": True}
    # Requests 250m / 512Mi more than the runner; limits as the group's.
    assert daemon["resources"] == {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
    (runner,) = spec["containers"]
    assert {"name": "DOCKER_HOST", "value": "unix:///var/run/docker.sock"} in runner["env"]
    assert {"mountPath": "/var/run", "name": "dind-sock"} in runner["volumeMounts"]
    assert runner["image"] == "ghcr.io/actions/actions-runner:2.323.0"
