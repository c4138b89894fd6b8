"""The deploy timeline: the wait graph Pulumi follows, its schedule, the floor, and both stacks near it."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tools.plan import main as plan_main
from tools.plan_model import Plan, PlannedResource
from tools.timeline import DurationTable, change_deploy, first_deploy
from tools.timeline_graph import Edge, schedule, wait_edges
from tools.timeline_needs import unmet_needs
from tools.timeline_report import render_text, to_json

STACK = "urn:pulumi:staging::ohmycoins::"
ROLE, GRANT = "aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
CLUSTER, NODES, ADDON = "eks:index:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"
RELEASE, TAG = "kubernetes:helm.sh/v3:Release", "aws:autoscaling/tag:Tag"

# Durations of our own, so the expected minutes below do not move with tools/timeline_durations.yaml.
TABLE = DurationTable(
    entries={
        CLUSTER: {"create": 15, "update": 10, "delete": 10, "basis": "test", "source": "test"},
        NODES: {"create": 4, "update": 12, "delete": 5, "basis": "test", "source": "test", "replaced_by": ["instanceTypes"]},
        ADDON: {"create": 1.5, "update": 1, "delete": 1, "basis": "test", "source": "test"},
        RELEASE: {
            "create": 2,
            "update": 2,
            "delete": 1,
            "basis": "test",
            "source": "test",
            "when": [{"inputs": {"chart": "kube-prometheus-stack"}, "create": 4}],
        },
        ROLE: {"create": 0.1, "update": 0.1, "delete": 0.1, "basis": "test", "source": "test"},
        GRANT: {"create": 0.1, "update": 0.1, "delete": 0.1, "basis": "test", "source": "test"},
        TAG: {"create": 0.1, "update": 0.1, "delete": 0.1, "basis": "test", "source": "test"},
    },
    default={"create": 1, "update": 1, "delete": 1, "basis": "estimate", "source": "none"},
)


def urn(type_: str, name: str) -> str:
    return f"{STACK}{type_}::{name}"


def res(type_: str, name: str, *, inputs=None, needs=(), depends_on=(), parent="", custom=True, **fields) -> PlannedResource:
    """`needs`: (input, resource) pairs whose outputs the input carries; `depends_on`: plain waits."""
    carried: dict[str, list[str]] = {}
    for key, dependency in needs:
        carried.setdefault(key, []).append(dependency.urn)
    dependencies = sorted({u for urns in carried.values() for u in urns} | {d.urn for d in depends_on})
    return PlannedResource(
        urn=urn(type_, name),
        type=type_,
        name=name,
        parent=parent,
        inputs=inputs or {},
        dependencies=dependencies,
        propertyDependencies=carried,
        custom=custom,
        source=[f"components/{name}.py:7"],
        **fields,
    )


def plan_of(*resources: PlannedResource) -> Plan:
    return Plan(stack="staging", project="ohmycoins", resources=list(resources), outputs={})


def names(plan: Plan, steps) -> list[str]:
    return [plan.by_urn(s.urn).name for s in steps]


# The schedule on graphs with known answers.


def test_a_chain_takes_the_sum_of_its_steps():
    steps = schedule({"a": 2, "b": 3, "c": 1}, {"b": [Edge("a", "input")], "c": [Edge("b", "depends_on")]})
    assert steps.minutes == 6
    assert [(s.urn, s.start) for s in steps.critical_path] == [("a", 0), ("b", 2), ("c", 5)]


def test_parallel_branches_take_the_longest_one():
    graph = {"slow": [Edge("root", "input")], "fast": [Edge("root", "input")], "join": [Edge("slow", "input"), Edge("fast", "input")]}
    steps = schedule({"root": 1, "slow": 5, "fast": 2, "join": 1}, graph)
    assert steps.minutes == 7
    assert [s.urn for s in steps.critical_path] == ["root", "slow", "join"]
    assert steps.steps["fast"].done == 3


def test_a_step_waited_for_but_missing_is_an_error():
    with pytest.raises(KeyError, match="ghost"):
        schedule({"a": 1}, {"a": [Edge("ghost", "input")]})


# The wait graph follows the SDK's rules.


def test_children_inherit_the_depends_on_and_providers_of_their_component():
    slow = res(CLUSTER, "cluster", remote=True, custom=False)
    provider = res("pulumi:providers:kubernetes", "k8s", needs=[("kubeconfig", slow)])
    component = res("ohmycoins:k8s:Observability", "monitoring", custom=False, depends_on=[slow], providers=[provider.urn])
    inner = res("ohmycoins:irsa:IrsaRole", "monitoring-irsa", custom=False, parent=component.urn)
    role = res(ROLE, "monitoring-irsa-role", parent=inner.urn)
    plan = plan_of(slow, provider, component, inner, role)
    edges = wait_edges(plan)
    assert {(e.dependency, e.kind, e.via) for e in edges[role.urn]} == {
        (slow.urn, "depends_on", (inner.urn, component.urn)),
        (provider.urn, "provider", (inner.urn, component.urn)),
    }
    assert component.urn not in edges  # a local component is not a step
    assert edges[slow.urn] == []


def test_a_custom_parent_must_exist_first():
    bucket = res("aws:s3/bucket:Bucket", "bucket")
    child = res("aws:s3/bucketPolicy:BucketPolicy", "bucket-policy", parent=bucket.urn)
    (edge,) = wait_edges(plan_of(bucket, child))[child.urn]
    assert (edge.dependency, edge.kind) == (bucket.urn, "parent")


def eks_plan(release_waits_for_controller: bool) -> Plan:
    """A cluster, a node group after the CNI, then a chart that waits (or not) for another chart."""
    cluster = res(CLUSTER, "eks-cluster", custom=False, remote=True)
    cni = res(ADDON, "eks-vpc-cni", inputs={"addonName": "vpc-cni"}, needs=[("clusterName", cluster)])
    nodes = res(NODES, "eks-nodes-apps", inputs={"instanceTypes": ["t3.large"]}, needs=[("clusterName", cluster)], depends_on=[cni])
    tag = res(TAG, "eks-nodes-apps-asg-tag", needs=[("autoscalingGroupName", nodes)])
    controller = res(RELEASE, "eks-controllers-external-secrets", inputs={"chart": "external-secrets"}, depends_on=[nodes])
    prometheus = res(
        RELEASE,
        "monitoring-kube-prometheus-stack",
        inputs={"chart": "kube-prometheus-stack"},
        depends_on=[nodes, *([controller] if release_waits_for_controller else [])],
    )
    alloy = res(RELEASE, "monitoring-alloy", inputs={"chart": "alloy"}, depends_on=[prometheus])
    return plan_of(cluster, cni, nodes, tag, controller, prometheus, alloy)


def test_a_needless_wait_on_the_critical_path_is_reported_with_its_source():
    plan = eks_plan(release_waits_for_controller=False)
    estimate = first_deploy(plan, TABLE)
    # cluster 15, CNI 1.5, nodes 4, kube-prometheus-stack 4, then Alloy 2 only because of its depends_on.
    assert estimate.minutes == pytest.approx(26.5)
    assert estimate.floor_minutes == pytest.approx(24.5)
    assert [(plan.by_urn(w.step.urn).name, plan.by_urn(w.edge.dependency).name, w.where) for w in estimate.needless] == [
        ("monitoring-alloy", "monitoring-kube-prometheus-stack", "components/monitoring-alloy.py:7")
    ]
    assert names(plan, estimate.floor.critical_path) == [
        "eks-cluster",
        "eks-vpc-cni",
        "eks-nodes-apps",
        "monitoring-kube-prometheus-stack",
    ]


def test_real_needs_are_the_floor_and_a_chart_waiting_for_an_unrelated_chart_is_not_one():
    estimate = first_deploy(eks_plan(release_waits_for_controller=True), TABLE)
    assert estimate.minutes == pytest.approx(28.5)  # external-secrets (2) now sits before kube-prometheus-stack and Alloy
    assert estimate.floor_minutes == pytest.approx(24.5)
    assert [estimate.resources[w.step.urn].name for w in estimate.needless] == [
        "monitoring-kube-prometheus-stack",
        "monitoring-alloy",
    ]
    text = render_text(estimate)
    assert "estimated 28.5 min; floor 24.5 min" in text and "16% over the floor" in text
    assert "! monitoring-kube-prometheus-stack waits for eks-controllers-external-secrets" in text


def test_a_custom_resource_needs_the_chart_that_installs_its_crd():
    cluster = res(CLUSTER, "eks-cluster", custom=False, remote=True)
    chart = res(RELEASE, "external-secrets", inputs={"chart": "external-secrets"}, needs=[("clusterName", cluster)])
    store = res("kubernetes:external-secrets.io/v1:ClusterSecretStore", "store", depends_on=[chart])
    estimate = first_deploy(plan_of(cluster, chart, store), TABLE)
    assert estimate.needless == []
    assert estimate.minutes == estimate.floor_minutes == pytest.approx(18.0)  # 15 + 2 + 1 (default, flagged)
    assert estimate.defaulted == ["kubernetes:external-secrets.io/v1:ClusterSecretStore"]


def test_a_grant_on_the_role_a_resource_runs_with_is_a_real_need_and_on_another_role_is_not():
    role, other = res(ROLE, "node-role"), res(ROLE, "other-role")
    grant = res(GRANT, "node-worker", needs=[("role", role)])
    stray = res(GRANT, "other-grant", needs=[("role", other)])
    nodes = res(NODES, "nodes", needs=[("nodeRoleArn", role)], depends_on=[grant, stray])
    estimate = first_deploy(plan_of(role, other, grant, stray, nodes), TABLE)
    assert estimate.floor_minutes == pytest.approx(4.2)
    assert estimate.minutes == pytest.approx(4.2)  # both grants end together; the real one is recorded
    assert estimate.needless == []
    assert estimate.schedule.steps[nodes.urn].waited_on.dependency == grant.urn


# A change: updates, a replacement and its deletion.


def test_a_replacement_creates_the_new_one_updates_what_carries_its_ids_and_deletes_the_old_one_last():
    old = eks_plan(release_waits_for_controller=False)
    nodes = old.named("eks-nodes-apps")
    new = plan_of(*(dataclasses.replace(r, inputs={"instanceTypes": ["m6i.large"]}) if r is nodes else r for r in old.resources))
    estimate = change_deploy(old, new, TABLE)
    operations = {new.by_urn(u).name: op for u, op in estimate.operations.items() if op != "same"}
    assert operations == {"eks-nodes-apps": "replace", "eks-nodes-apps-asg-tag": "update"}
    # The new group (4) then its tag (0.1); then the old group is deleted (5).
    assert estimate.schedule.minutes == pytest.approx(4.1)
    assert estimate.delete_minutes == pytest.approx(5.0)
    assert estimate.minutes == pytest.approx(9.1)
    assert names(new, estimate.schedule.critical_path) == ["eks-nodes-apps", "eks-nodes-apps-asg-tag"]


def test_an_in_place_update_and_a_removal_in_dependency_order():
    old = eks_plan(release_waits_for_controller=False)
    prometheus = old.named("monitoring-kube-prometheus-stack")
    kept = [r for r in old.resources if r.name != "monitoring-alloy"]
    new = plan_of(*(dataclasses.replace(r, inputs={**r.inputs, "version": "68.0.0"}) if r is prometheus else r for r in kept))
    estimate = change_deploy(old, new, TABLE)
    assert {new.by_urn(u).name: op for u, op in estimate.operations.items() if op != "same"} == {
        "monitoring-kube-prometheus-stack": "update"
    }
    assert estimate.schedule.minutes == pytest.approx(2.0)
    assert estimate.delete_minutes == pytest.approx(1.0)  # Alloy, a release


def test_removing_a_chain_deletes_the_dependent_first():
    old = eks_plan(release_waits_for_controller=False)
    new = plan_of(*(r for r in old.resources if r.type != RELEASE))
    estimate = change_deploy(old, new, TABLE)
    # Alloy (1) goes before kube-prometheus-stack (1); external-secrets (1) in parallel.
    assert estimate.delete_minutes == pytest.approx(2.0)


def test_diff_cli_prints_the_change_timeline(tmp_path, capsys):
    old = eks_plan(release_waits_for_controller=False)
    prometheus = old.named("monitoring-kube-prometheus-stack")
    new = plan_of(*(dataclasses.replace(r, inputs={**r.inputs, "version": "68.0.0"}) if r is prometheus else r for r in old.resources))
    (tmp_path / "old.json").write_text(old.to_json())
    (tmp_path / "new.json").write_text(new.to_json())
    assert plan_main(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--timeline-json", str(tmp_path / "t.json")]) == 0
    out = capsys.readouterr().out
    assert "0 to add, 1 to change, 0 to delete" in out
    assert "Deploy timeline: `pulumi up` of the change to stack 'staging'" in out
    assert "update     3.0 min  monitoring-kube-prometheus-stack" in out  # the table's chart upgrade
    document = json.loads((tmp_path / "t.json").read_text())
    assert document["estimate_minutes"] == 3.0
    assert [s["name"] for s in document["changed"]] == ["monitoring-kube-prometheus-stack"]


# The durations table and the committed stacks.


def test_every_type_in_the_stacks_has_a_duration_with_its_source(staging_plan, production_plan, eks_apps_plan):
    table = DurationTable.load()
    types = {r.type for plan in (staging_plan, production_plan, eks_apps_plan) for r in plan.resources if r.custom or r.remote}
    assert sorted(t for t in types if not table.knows(t)) == []
    for type_ in types:
        entry = table.entries[type_]
        assert entry["basis"] in {"measured", "documented", "estimate"} and entry["source"], type_


def test_slow_resources_take_their_documented_minutes(production_plan, staging_plan):
    table = DurationTable.load()
    assert table.lookup(production_plan.one("eks:index:Cluster")).create == 15
    assert table.lookup(production_plan.one("aws:rds/instance:Instance")).create == 15  # Multi-AZ
    assert table.lookup(staging_plan.one("aws:rds/instance:Instance")).create == 10
    runners = production_plan.named("eks-nodes-runners")
    assert table.lookup(runners).create == 2  # no node to wait for at desired size 0
    assert table.lookup(production_plan.named("monitoring-kube-prometheus-stack")).create == 4


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_a_first_deploy_is_within_ten_percent_of_its_floor(stack, staging_plan, production_plan):
    estimate = first_deploy({"staging": staging_plan, "production": production_plan}[stack])
    needless = [
        f"{estimate.resources[w.step.urn].name} <- {estimate.resources[w.edge.dependency].name} ({w.where})" for w in estimate.needless
    ]
    assert estimate.minutes <= 1.10 * estimate.floor_minutes, needless
    assert estimate.defaulted == []


def test_the_cluster_and_its_nodes_are_the_critical_path_of_production(production_plan):
    estimate = first_deploy(production_plan)
    path = names(production_plan, estimate.schedule.critical_path)
    assert path[path.index("eks-cluster") :] == [
        "eks-cluster",
        "eks-addons-vpc-cni-role",
        "eks-addons-vpc-cni",
        "eks-nodes-apps",
        "eks-addons-aws-ebs-csi-driver",
        "monitoring-kube-prometheus-stack",
        "monitoring-cloudwatch-exporter",
    ]
    document = json.loads(to_json(estimate))
    assert document["critical_path"][-1]["name"] == "monitoring-cloudwatch-exporter"
    assert document["needless_waits"] == []


def test_tuning_kept_the_real_orderings(production_plan):
    """Charts still wait for nodes and add-ons, custom resources for their CRD's chart, nodes for the CNI."""
    plan = production_plan
    prometheus = plan.named("monitoring-kube-prometheus-stack")
    waits = set(prometheus.dependencies)
    assert plan.one(ADDON, "eks-addons-aws-ebs-csi-driver").urn in waits and plan.one(ADDON, "eks-addons-coredns").urn in waits
    assert not waits & {r.urn for r in plan.all(RELEASE) if r.name.startswith("eks-controllers-")}
    assert plan.one(RELEASE, "eks-controllers-external-secrets").urn in plan.named("eks-controllers-secret-store").dependencies
    assert plan.one(ADDON, "eks-addons-vpc-cni").urn in plan.named("eks-nodes-system").dependencies
    alloy = plan.named("monitoring-alloy")
    assert plan.named("monitoring-loki").urn not in alloy.dependencies
    assert plan.one(ADDON, "eks-addons-coredns").urn in alloy.dependencies
    runners = plan.named("runners-controller")
    assert plan.one(ADDON, "eks-addons-coredns").urn in runners.dependencies
    assert plan.one(RELEASE, "eks-controllers-aws-load-balancer-controller").urn not in runners.dependencies


def test_the_engine_records_where_and_through_which_inputs(production_plan):
    group = production_plan.named("eks-nodes-apps")
    assert production_plan.named("eks-cluster").urn in group.propertyDependencies["clusterName"]
    assert group.source[0].startswith("components/compute/eks/nodes.py:") and group.source[-1].startswith("__main__.py:")
    assert production_plan.named("eks-cluster").remote
    monitoring = production_plan.one("ohmycoins:k8s:Observability")
    assert production_plan.one("pulumi:providers:kubernetes").urn in monitoring.providers


def test_markdown_folds_the_timeline_and_a_long_change_list_is_cut(tmp_path, capsys):
    tags = [res(TAG, f"tag-{i:02}", inputs={"value": "a"}) for i in range(30)]
    retagged = [dataclasses.replace(t, inputs={"value": "b"}) for t in tags]
    (tmp_path / "old.json").write_text(plan_of(*tags).to_json())
    (tmp_path / "new.json").write_text(plan_of(*retagged).to_json())
    plan_main(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--markdown", "--timeline"])
    out = capsys.readouterr().out
    assert "<details><summary>Deploy timeline: about 0 min (floor 0 min)</summary>" in out
    assert "Resources this change creates, updates or replaces (30):" in out
    timeline = out.split("<details>", 1)[1]
    assert "  ... and 5 more of at most 0.1 min each" in timeline and "tag-24" in timeline and "tag-25" not in timeline


def test_a_custom_resource_that_does_not_wait_for_its_crds_chart_is_an_unmet_need():
    cluster = res(CLUSTER, "eks-cluster", custom=False, remote=True)
    cni = res(ADDON, "eks-vpc-cni", inputs={"addonName": "vpc-cni"}, needs=[("clusterName", cluster)])
    nodes = res(NODES, "eks-nodes", needs=[("clusterName", cluster)], depends_on=[cni])
    controller = res(RELEASE, "lb-controller", inputs={"chart": "aws-load-balancer-controller"}, depends_on=[nodes])
    grafana = res(RELEASE, "grafana", inputs={"chart": "grafana"}, depends_on=[nodes])
    binding = res("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", "grafana-binding", depends_on=[grafana])
    assert unmet_needs(plan_of(cluster, cni, nodes, controller, grafana, binding)) == [
        "grafana-binding (kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding) does not wait for lb-controller: "
        "its kind is a CRD the aws-load-balancer-controller chart installs, served through that chart's webhook"
    ]
    through_the_chart = dataclasses.replace(grafana, dependencies=[nodes.urn, controller.urn])
    assert unmet_needs(plan_of(cluster, cni, nodes, controller, through_the_chart, binding)) == []
    # A node group before the CNI: and the charts on it no longer wait for the CNI either.
    early = dataclasses.replace(nodes, dependencies=[cluster.urn])
    unmet = unmet_needs(plan_of(cluster, cni, early, controller, through_the_chart, binding))
    assert [u.split(" ")[0] for u in unmet] == ["eks-nodes", "lb-controller", "grafana"]


def test_the_stacks_keep_every_required_ordering(staging_plan, production_plan, eks_apps_plan):
    for plan in (staging_plan, production_plan, eks_apps_plan):
        assert unmet_needs(plan) == [], plan.stack


def test_an_object_that_does_not_wait_for_its_own_namespace_is_an_unmet_need():
    apps = res("kubernetes:core/v1:Namespace", "apps", inputs={"metadata": {"name": "apps"}})
    other = res("kubernetes:core/v1:Namespace", "other", inputs={"metadata": {"name": "other"}})
    secret = res("kubernetes:core/v1:Secret", "github-app", inputs={"metadata": {"name": "github-app", "namespace": "apps"}})
    assert unmet_needs(plan_of(apps, other, secret)) == [
        "github-app (kubernetes:core/v1:Secret) does not wait for apps: a namespaced object needs its namespace"
    ]
    # Waiting through another object is enough; another namespace is not needed.
    release = res(RELEASE, "chart", inputs={"chart": "x", "namespace": "apps"}, depends_on=[apps])
    assert unmet_needs(plan_of(apps, other, release, dataclasses.replace(secret, dependencies=[release.urn]))) == []
