"""The monthly cost model: every billable type priced or explained, and the arithmetic of the pricers."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tools.cost import (
    PRICERS,
    PriceBook,
    _document,
    cost_report,
    price_book,
    render_comparison,
    render_running_and_paused,
    render_summary,
    runs_per_month,
    spot_split,
    unpriced_types,
)
from tools.engine import PROJECT_DIR
from tools.plan_model import Plan, PlannedResource


def test_every_resource_type_in_the_plan_is_priced_or_explained_free(any_plan):
    assert unpriced_types(any_plan) == [], "add a price (tools/cost.py PRICERS) or a reason in tools/prices/ap-southeast-2.yaml `free`"


def test_apps_on_eks_are_priced_or_explained_too(eks_apps_plan):
    assert unpriced_types(eks_apps_plan) == []
    assert cost_report(eks_apps_plan).total > 0


def test_no_type_is_both_priced_and_free():
    assert not set(PRICERS) & set(_document("ap-southeast-2")["free"])


def _price_lines(document):
    """(key, entry) of every price line, table entries (instance types) included."""
    for service, block in document["prices"].items():
        for item, entry in block.items():
            if "source" in entry:
                yield f"{service}.{item}", entry
            else:
                yield from ((f"{service}.{item}.{variant}", line) for variant, line in entry.items())


def test_every_price_line_names_its_source_the_date_it_was_read_and_whether_it_was_checked():
    document = _document("ap-southeast-2")
    lines = dict(_price_lines(document))
    assert len(lines) > 100
    for key, entry in lines.items():
        assert set(entry) in ({"usd", "source", "read", "checked"}, {"fraction", "source", "read", "checked"}), key
        assert document["sources"][entry["source"]].startswith("https://"), key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["read"]), key
        assert isinstance(entry["checked"], bool), key


def test_elasticache_sydney_prices_are_the_published_ones():
    lines = dict(_price_lines(_document("ap-southeast-2")))
    assert {t: lines[f"elasticache.node_hour.cache.t3.{t}"]["usd"] for t in ("micro", "small", "medium")} == {
        "micro": 0.025,
        "small": 0.050,
        "medium": 0.100,
    }
    assert all(lines[f"elasticache.node_hour.cache.t3.{t}"]["checked"] for t in ("micro", "small", "medium"))


def test_every_free_reason_is_a_sentence():
    for type_, reason in _document("ap-southeast-2")["free"].items():
        assert isinstance(reason, str) and len(reason) > 8, type_


def test_the_readme_states_each_stacks_monthly_total(staging_plan, paused_plan, production_plan):
    """The README's cost table ("At the time of writing") stays true to the dollar, running and paused."""
    lines = (PROJECT_DIR / "README.md").read_text().splitlines()
    header = next(line for line in lines if line.startswith("| component | staging running |"))
    row = next(line for line in lines if line.startswith("| **total / month** |"))
    totals = {
        column.strip(): float(cell.strip(" *~").replace(",", ""))
        for column, cell in zip(header.split("|")[2:6], row.split("|")[2:6], strict=True)
    }
    assert list(totals) == ["staging running", "staging paused", "production running", "production paused"]
    staging, paused, production = cost_report(staging_plan), cost_report(paused_plan), cost_report(production_plan)
    assert staging.total == pytest.approx(totals["staging running"], abs=1)
    assert paused.total == pytest.approx(totals["staging paused"], abs=1)
    assert production.total == pytest.approx(totals["production running"], abs=1)
    assert sum(staging.by_component().values()) == pytest.approx(staging.total)


def test_nat_gateways_are_priced_per_gateway(any_plan):
    report = cost_report(any_plan)
    gateways = any_plan.all("aws:ec2/natGateway:NatGateway")
    hourly = sum(line.monthly for line in report.lines if line.type == "aws:ec2/natGateway:NatGateway" and line.what.endswith(" h"))
    assert hourly == pytest.approx(len(gateways) * 0.059 * 730, rel=1e-3)


def resource(type_: str, name: str = "r", **inputs) -> PlannedResource:
    return PlannedResource(urn=f"urn:pulumi:staging::ohmycoins::{type_}::{name}", type=type_, name=name, parent="", inputs=inputs)


def lines_of(*resources: PlannedResource) -> float:
    plan = Plan(stack="staging", project="ohmycoins", resources=list(resources), outputs={})
    return cost_report(plan).total


def test_multi_az_database_costs_twice_the_single_az_one():
    single = lines_of(resource("aws:rds/instance:Instance", instanceClass="db.t3.small", allocatedStorage=20))
    multi = lines_of(resource("aws:rds/instance:Instance", instanceClass="db.t3.small", allocatedStorage=20, multiAz=True))
    assert multi == pytest.approx(2 * single)
    assert single == pytest.approx(0.056 * 730 + 0.138 * 20)


def test_unknown_instance_class_is_an_error_naming_it():
    with pytest.raises(KeyError, match="db.x99.huge"):
        lines_of(resource("aws:rds/instance:Instance", instanceClass="db.x99.huge"))


def test_fargate_spot_and_task_sizes():
    definition = resource("aws:ecs/taskDefinition:TaskDefinition", "td", family="api", cpu="1024", memory="2048")
    service = PlannedResource(
        urn="urn:pulumi:staging::ohmycoins::aws:ecs/service:Service::svc",
        type="aws:ecs/service:Service",
        name="svc",
        parent="",
        inputs={"desiredCount": 2},
        dependencies=[definition.urn],
    )
    assert lines_of(definition, service) == pytest.approx(2 * (0.04856 + 2 * 0.00532) * 730)
    assert spot_split(4, [{"capacityProvider": "FARGATE", "base": 1, "weight": 1}, {"capacityProvider": "FARGATE_SPOT", "weight": 1}]) == (
        2.5,
        1.5,
    )
    assert spot_split(3, None) == (3.0, 0.0)


def test_schedule_runs_per_month():
    assert runs_per_month("rate(1 hour)") == pytest.approx(730)
    assert runs_per_month("rate(15 minutes)") == pytest.approx(730 * 4)
    assert runs_per_month("cron(0 */6 * * ? *)") == pytest.approx(4 * 730 / 24)
    assert runs_per_month("cron(30 2 ? * MON-FRI *)") == pytest.approx(730 / 24 * 5 / 7)
    assert runs_per_month("cron(0 2 * * ? *)") == pytest.approx(730 / 24)


def test_interface_endpoints_cost_per_az_and_gateway_endpoints_nothing():
    book = price_book("staging")
    gateway = lines_of(resource("aws:ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Gateway"))
    interface = lines_of(resource("aws:ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Interface", subnetIds=["a", "b", "c"]))
    assert gateway == 0
    assert interface == pytest.approx(3 * 0.013 * 730 + 0.01 * book.use("interface_endpoint_gb"))


def test_unpriced_type_is_reported_by_name():
    plan = Plan(stack="staging", project="ohmycoins", resources=[resource("aws:foo/bar:Baz")], outputs={})
    assert unpriced_types(plan) == ["aws:foo/bar:Baz"]
    assert "UNPRICED types: aws:foo/bar:Baz" in render_summary(cost_report(plan))


def test_usage_overrides_per_stack_and_by_name():
    staging, production = price_book("staging"), price_book("production")
    assert isinstance(staging, PriceBook) and staging.hours == production.hours == 730
    assert (staging.use("nat_gb_per_gateway"), production.use("nat_gb_per_gateway")) == (20, 60)
    assert (staging.use("alb_average_lcu"), production.use("alb_average_lcu")) == (1.0, 2.0)
    assert staging.use("log_gb_month", "network-flow-logs") == 3
    assert staging.use("log_gb_month", "database-postgresql-logs") == 0.5


def test_compare_prints_both_totals(staging_plan, production_plan):
    out = render_comparison(cost_report(staging_plan), cost_report(production_plan))
    assert re.search(r"TOTAL / month\s+[\d,]+\.\d\d\s+[\d,]+\.\d\d", out)
    assert "staging: every billable resource priced" in out
    assert "production: every billable resource priced" in out


def test_make_plan_summary_ends_with_total_and_top_lines(staging_plan):
    report = cost_report(staging_plan)
    summary = render_summary(report)
    lines = summary.splitlines()
    assert re.fullmatch(r"Monthly cost of stack 'staging': \$[\d,]+\.\d\d .*", lines[0])
    assert len(lines) == 1 + 8
    # The eight most expensive resources, most expensive first.
    shown = [float(line.split("$", 1)[1].split()[0].replace(",", "")) for line in lines[1:]]
    every = sorted(
        (sum(line.monthly for line in report.lines if line.resource == name) for name in {line.resource for line in report.lines}),
        reverse=True,
    )
    assert shown == sorted(shown, reverse=True) and shown[0] == round(every[0], 2)
    assert "UNPRICED" not in summary


def test_claims_on_efs_are_not_priced_as_ebs_twice():
    efs_class = resource("kubernetes:storage.k8s.io/v1:StorageClass", "sc", metadata={"name": "shared"}, provisioner="efs.csi.aws.com")
    on_efs = resource(
        "kubernetes:core/v1:PersistentVolumeClaim", "a", spec={"storageClassName": "shared", "resources": {"requests": {"storage": "50Gi"}}}
    )
    on_ebs = resource(
        "kubernetes:core/v1:PersistentVolumeClaim", "b", spec={"storageClassName": "gp3", "resources": {"requests": {"storage": "50Gi"}}}
    )
    assert lines_of(efs_class, on_efs) == 0
    assert lines_of(on_ebs) == pytest.approx(50 * 0.096)


def test_the_ci_runner_is_priced_per_build_minute_and_its_downloads(staging_plan):
    lines = {line.what: line.monthly for line in cost_report(staging_plan).lines if line.type == "aws:codebuild/project:Project"}
    # 1,500 MEDIUM minutes at $0.01, 60 GB through the NAT gateway at $0.059.
    assert lines == {"1500 build minutes BUILD_GENERAL1_MEDIUM": pytest.approx(15.0), "60 GB downloads through NAT": pytest.approx(3.54)}


def test_a_stopped_database_is_priced_for_its_storage_only():
    instance = resource("aws:rds/instance:Instance", "db", instanceClass="db.t4g.micro", allocatedStorage=20)
    stopped = PlannedResource(
        urn="urn:pulumi:staging::ohmycoins::aws:rds/instanceDesiredState:InstanceDesiredState::state",
        type="aws:rds/instanceDesiredState:InstanceDesiredState",
        name="state",
        parent="",
        inputs={"state": "stopped"},
        dependencies=[instance.urn],
    )
    assert lines_of(instance, stopped) == pytest.approx(0.138 * 20)
    running = dataclasses.replace(stopped, inputs={"state": "available"})
    assert lines_of(instance, running) == pytest.approx(0.025 * 730 + 0.138 * 20)


def test_a_disabled_schedule_runs_nothing():
    target = {"arn": "arn:aws:ecs:ap-southeast-2:1:cluster/c", "ecsParameters": {"taskCount": 1}}
    enabled = resource("aws:scheduler/schedule:Schedule", "job", scheduleExpression="cron(0 * * * ? *)", state="ENABLED", target=target)
    disabled = dataclasses.replace(enabled, inputs={**enabled.inputs, "state": "DISABLED"})
    assert lines_of(enabled) > 0
    assert lines_of(disabled) == 0


def test_an_autoscaled_service_runs_within_its_targets_bounds():
    service = resource("aws:ecs/service:Service", "svc", desiredCount=1)
    pinned = PlannedResource(
        urn="urn:pulumi:staging::ohmycoins::aws:appautoscaling/target:Target::t",
        type="aws:appautoscaling/target:Target",
        name="t",
        parent="",
        inputs={"minCapacity": 0, "maxCapacity": 0},
        dependencies=[service.urn],
    )
    assert lines_of(service) > 0
    assert lines_of(service, pinned) == 0


def test_a_nat_instance_is_priced_as_its_instance_type_and_root_volume():
    template = resource(
        "aws:ec2/launchTemplate:LaunchTemplate", "lt", instanceType="t4g.nano", blockDeviceMappings=[{"ebs": {"volumeSize": 8}}]
    )
    instance = dataclasses.replace(resource("aws:ec2/instance:Instance", "nat"), dependencies=[template.urn])
    assert lines_of(template, instance) == pytest.approx(0.0053 * 730 + 0.096 * 8)


def test_each_cost_line_says_which_of_its_prices_were_never_checked():
    checked = resource("aws:eks/nodeGroup:NodeGroup", "n", instanceTypes=["t3.medium"], scalingConfig={"desiredSize": 1, "maxSize": 1})
    report = cost_report(Plan(stack="staging", project="ohmycoins", resources=[checked], outputs={}))
    # t3.medium was checked against a transcription of the Sydney page; the gp3 disk price was not.
    assert report.unchecked == ["ebs.gp3_gb_month"]
    assert "ec2.instance_hour.t3.medium" not in report.unchecked


def test_a_paused_plan_uses_the_paused_stacks_usage():
    running, paused = price_book("staging"), price_book("staging", paused=True)
    assert running.use("internet_egress_gb") == 20 and paused.use("internet_egress_gb") == 0
    assert paused.use("log_gb_month", "network-flow-logs") == 0.1
    assert paused.use("cloudmap_instances_per_service") == 0


def test_the_report_prints_running_and_paused_side_by_side_with_each_saving(staging_plan):
    running = cost_report(staging_plan)
    text = render_running_and_paused(running, dataclasses.replace(running, paused=True), [("NAT instance instead of NAT gateways", 39.61)])
    assert "component" in text and "running" in text and "paused" in text
    assert "TOTAL / month" in text and f"{running.total:,.2f}" in text
    assert "$   39.61  NAT instance instead of NAT gateways" in text
    assert "not checked against their source" in text


def test_the_report_lists_components_most_expensive_first(staging_plan):
    totals = list(cost_report(staging_plan).by_component().values())
    assert len(totals) > 5 and totals == sorted(totals, reverse=True)
