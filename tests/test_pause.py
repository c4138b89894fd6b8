"""Pause and resume of a stack by `ohmycoins:general.paused`, read on the plans.

Staging is planned running (its stack file), then paused as an update of that plan, then resumed
as an update of the paused plan: the offline engine keeps each resource's ignored inputs from the
plan before, as Pulumi keeps them in state, which is what the pause relies on to remember.
"""

from __future__ import annotations

import pytest

from tools.compare import resource_key
from tools.cost import cost_report
from tools.diff import STATEFUL_TYPES, diff_plans, render_markdown, render_text
from tools.pause_diff import survival
from tools.plan_model import Plan
from tools.policy_report import evaluate
from tools.variants import run_variant

CLUSTER = "eks:index:Cluster"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SCHEDULE = "aws:scheduler/schedule:Schedule"


def test_staging_costs_at_most_330_running_and_40_paused(staging_plan, paused_plan):
    running, paused = cost_report(staging_plan), cost_report(paused_plan)
    assert running.unpriced == [] and paused.unpriced == []
    assert running.total <= 330
    assert paused.total <= 40


def test_the_paused_plan_keeps_every_stateful_resource_or_a_snapshot_it_restores_from(staging_plan, paused_plan):
    kept = {resource_key(r) for r in paused_plan.resources}
    gone = [r for r in staging_plan.resources if r.type in STATEFUL_TYPES and resource_key(r) not in kept]
    assert [r.name for r in gone] == ["cache-redis"]
    assert all(survival(r, staging_plan, paused_plan) for r in gone)
    # The restore point names exactly the snapshot the running group is deleted into.
    final = staging_plan.one(GROUP).inputs["finalSnapshotIdentifier"]
    assert paused_plan.named("cache-pause-memory-restore-point").inputs["insecureValue"] == final
    assert paused_plan.named("database-instance").inputs == staging_plan.named("database-instance").inputs


def test_a_pause_stops_what_bills_by_the_hour(paused_plan):
    assert not paused_plan.all("aws:ec2/natGateway:NatGateway")
    # The in-VPC CI runner still reaches GitHub and AWS through the one NAT instance (a t4g.nano):
    # the pipeline previews, checks drift and resumes the paused stack.
    (nat,) = paused_plan.all("aws:ec2/instance:Instance")
    assert nat.name == "network-nat-instances-a"
    assert [r.name for r in paused_plan.all("aws:ec2/route:Route") if r.inputs.get("networkInterfaceId")] == [
        "network-private-app-egress-a",
        "network-private-app-egress-b",
    ]
    assert paused_plan.all("aws:ec2/eip:Eip") and paused_plan.all("aws:ec2/networkInterface:NetworkInterface")
    assert not [e for e in paused_plan.all("aws:ec2/vpcEndpoint:VpcEndpoint") if e.inputs.get("vpcEndpointType") == "Interface"]
    assert not paused_plan.all(CLUSTER) and not paused_plan.all("aws:eks/nodeGroup:NodeGroup")
    assert paused_plan.named("eks-control-plane-logs")
    assert not paused_plan.all("aws:lb/loadBalancer:LoadBalancer") and not paused_plan.all("aws:wafv2/webAcl:WebAcl")
    assert paused_plan.all("aws:acm/certificate:Certificate")
    assert sorted(g.name for g in paused_plan.all("aws:lb/targetGroup:TargetGroup")) == [
        "edge-backend-tg",
        "edge-frontend-tg",
        "edge-grafana-tg",
    ]
    assert not [
        r for r in paused_plan.all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") if r.inputs.get("cidrIpv4") == "0.0.0.0/0"
    ]
    assert not paused_plan.all("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert paused_plan.all("aws:budgets/budget:Budget")


def test_a_pause_scales_the_apps_to_zero_and_disables_their_schedules(paused_plan):
    for target in paused_plan.all("aws:appautoscaling/target:Target"):
        assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (0, 0)
    workers = [s for s in paused_plan.all("aws:ecs/service:Service") if s.name in ("reddit-service", "cryptopanic-service")]
    assert [w.inputs["desiredCount"] for w in workers] == [0, 0]
    jobs = [s for s in paused_plan.all(SCHEDULE) if "ohmycoins:ecs:ScheduledJob" in s.parent]
    assert len(jobs) == 3 and {j.inputs["state"] for j in jobs} == {"DISABLED"}


def test_a_pause_stops_the_database_and_keeps_it_stopped_past_seven_days(staging_plan, paused_plan):
    assert staging_plan.named("database-state-desired-state").inputs["state"] == "available"
    assert staging_plan.named("database-state-restop").inputs["state"] == "DISABLED"
    state = paused_plan.named("database-state-desired-state")
    restop = paused_plan.named("database-state-restop")
    assert state.inputs == {"identifier": "ohmycoins-staging-postgres", "state": "stopped"}
    assert restop.inputs["state"] == "ENABLED" and restop.inputs["scheduleExpression"] == "rate(1 hour)"
    assert restop.inputs["target"]["arn"] == "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance"
    assert restop.inputs["target"]["input"] == '{"DbInstanceIdentifier": "ohmycoins-staging-postgres"}'
    # The schedule changes before the instance: a resume never meets a schedule still enabled.
    assert restop.urn in state.dependencies


def test_resume_returns_the_same_identifiers_endpoints_and_secrets(staging_plan, paused_plan, resumed_plan):
    same = (
        "databaseAddress",
        "databaseMasterSecretArn",
        "cachePrimaryEndpoint",
        "cacheReaderEndpoint",
        "cacheAuthSecretArn",
        "appSecretArn",
        "apiUrl",
        "frontendUrl",
        "kmsKeyArn",
        "vpcId",
        "ecrRepositoryUrls",
        "alertTopicArn",
        "ecsServiceNames",
    )
    for key in same:
        assert staging_plan.outputs[key] == paused_plan.outputs[key] == resumed_plan.outputs[key], key
    # Secrets generated by Pulumi live through the pause: the same resources hold them.
    for name in ("cache-auth-token", "app-secrets-secret-key", "monitoring-grafana-admin-password"):
        assert paused_plan.named(name).urn == staging_plan.named(name).urn


def test_the_resumed_cache_is_restored_from_the_pause_snapshot_and_takes_a_new_final_name(staging_plan, resumed_plan):
    running, resumed = staging_plan.one(GROUP).inputs, resumed_plan.one(GROUP).inputs
    assert "snapshotName" not in running  # a first group starts empty
    assert resumed["snapshotName"] == running["finalSnapshotIdentifier"]
    assert resumed["replicationGroupId"] == running["replicationGroupId"] == "ohmycoins-staging-redis"
    # ElastiCache refuses a final snapshot name that exists: the next pause needs a new one.
    assert resumed["finalSnapshotIdentifier"] != running["finalSnapshotIdentifier"]
    assert resumed["finalSnapshotIdentifier"].startswith("ohmycoins-staging-redis-final-")


def test_the_diff_of_a_pause_reads_as_a_pause_without_deleting_stateful_data(staging_plan, paused_plan):
    text = render_text(diff_plans(staging_plan, paused_plan, with_cost=True))
    assert "This PAUSES the stack" in text
    assert "database-state-desired-state: state available -> stopped" in text
    assert "reddit-service: desiredCount 1 -> 0" in text
    assert "ohmycoins:eks:KubernetesPlatform eks" in text.split("Removes")[1].split("Keeps")[0]
    assert "cache-redis: deleted into its final snapshot ohmycoins-staging-redis-final-" in text
    assert "database-instance (database)" in text.split("Keeps")[1]
    assert "DELETES" not in text
    markdown = render_markdown(diff_plans(staging_plan, paused_plan))
    assert "This PAUSES the stack" in markdown and "DELETES" not in markdown


def test_the_diff_of_a_resume_reads_as_a_resume(paused_plan, resumed_plan):
    text = render_text(diff_plans(paused_plan, resumed_plan))
    assert "This RESUMES the stack" in text and "Rebuilds" in text
    assert "database-state-desired-state: state stopped -> available" in text
    assert "DELETES" not in text


def test_a_deletion_without_a_restore_point_still_warns(staging_plan, paused_plan):
    forgetful = Plan(
        stack=paused_plan.stack,
        project=paused_plan.project,
        resources=[r for r in paused_plan.resources if r.name != "cache-pause-memory-restore-point"],
        outputs=paused_plan.outputs,
    )
    text = render_text(diff_plans(staging_plan, forgetful))
    assert "cache-redis: DELETES a stateful cache" in text


def test_production_refuses_a_pause_unless_it_is_acknowledged(assert_refused):
    assert_refused(
        "production", lambda c: c["ohmycoins:general"].update(paused=True), "ohmycoins:general.paused", "a paused production serves nobody"
    )


def test_a_stack_without_a_domain_cannot_be_paused(assert_refused):
    def change(config):
        config["ohmycoins:general"]["paused"] = True
        config["ohmycoins:edge"] = {"allowPlainHttp": True, "accessLogExpiryDays": 30}

    assert_refused("staging", change, "ohmycoins:general.paused", "which a pause would change")


@pytest.fixture(scope="module")
def production_pausable(production_plan) -> Plan:
    return run_variant("production", lambda c: c["ohmycoins:general"].update(allowProductionPause=True))


def test_allowing_a_production_pause_lifts_only_the_protection_of_what_a_pause_deletes(production_plan, production_pausable):
    group, cluster, alb = (production_pausable.one(t) for t in (GROUP, CLUSTER, "aws:lb/loadBalancer:LoadBalancer"))
    assert not group.protect and group.inputs["tags"]["PauseAllowed"] == "true"
    assert not cluster.protect and cluster.inputs["deletionProtection"] is False
    assert alb.inputs["enableDeletionProtection"] is False and alb.inputs["tags"]["PauseAllowed"] == "true"
    assert production_pausable.named("database-instance").protect and production_pausable.named("kms-key").protect
    assert production_plan.one(GROUP).protect and production_plan.one(CLUSTER).protect
    assert evaluate(production_pausable).mandatory == []


@pytest.mark.parametrize(
    "general, key, reason",
    [
        ({"paused": "sometimes"}, "ohmycoins:general.paused", "valid boolean"),
        ({"architecture": "arm"}, "ohmycoins:general.architecture", "'x86_64' or 'arm64'"),
    ],
)
def test_bad_pause_and_architecture_settings_are_refused(assert_refused, general, key, reason):
    assert_refused("staging", lambda c: c["ohmycoins:general"].update(general), key, reason)


def test_without_the_in_vpc_ci_runner_a_pause_keeps_no_nat(staging_plan):
    from tools.variants import run_variant, set_paused

    def paused_without_runner(config):
        set_paused(True)(config)
        config["ohmycoins:ciRunner"] = {"enabled": False}

    plan = run_variant("staging", paused_without_runner, prior=staging_plan)
    assert not plan.all("aws:ec2/instance:Instance") and not plan.all("aws:ec2/natGateway:NatGateway")
    assert not [r for r in plan.all("aws:ec2/route:Route") if r.name.startswith("network-private-app-egress")]
    # The interface and its Elastic IP stay, so egress resumes from the same address.
    assert [n.name for n in plan.all("aws:ec2/networkInterface:NetworkInterface")] == ["network-nat-instances-eni-a"]
