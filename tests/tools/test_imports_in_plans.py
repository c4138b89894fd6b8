"""The offline plan shows adoption: `importId` in the JSON, imports marked in the tree, import told from create in the diff."""

from __future__ import annotations

import dataclasses
import json

from pulumi.runtime.mocks import MockResourceArgs

from tools.diff import diff_plans, render_markdown, render_text
from tools.mocks import AwsMocks
from tools.plan import render_tree
from tools.plan_model import Plan, PlannedResource

STACK = "urn:pulumi:staging::ohmycoins::"
NETWORK = PlannedResource(
    urn=f"{STACK}ohmycoins:network:Network::network", type="ohmycoins:network:Network", name="network", parent="", inputs={}, custom=False
)


def _child(type_: str, name: str, import_id: str = "", **inputs) -> PlannedResource:
    return PlannedResource(
        urn=f"{STACK}ohmycoins:network:Network${type_}::{name}",
        type=type_,
        name=name,
        parent=NETWORK.urn,
        inputs=inputs,
        importId=import_id,
    )


VPC = _child("aws:ec2/vpc:Vpc", "network-vpc", "vpc-0123456789abcdef0", cidrBlock="10.0.0.0/16")
SUBNET = _child("aws:ec2/subnet:Subnet", "network-public-a", cidrBlock="10.0.1.0/24")
DB = PlannedResource(
    urn=f"{STACK}aws:rds/instance:Instance::database-instance",
    type="aws:rds/instance:Instance",
    name="database-instance",
    parent="",
    inputs={"identifier": "ohmycoins-staging-postgres"},
    importId="ohmycoins-staging-postgres",
)


def _plan(*resources: PlannedResource) -> Plan:
    return Plan(stack="staging", project="ohmycoins", resources=[NETWORK, *resources], outputs={})


def test_plan_json_records_the_import_id_and_reads_plans_without_it():
    document = json.loads(_plan(VPC, SUBNET).to_json())
    ids = {r["name"]: r["importId"] for r in document["resources"]}
    assert ids == {"network": "", "network-vpc": "vpc-0123456789abcdef0", "network-public-a": ""}
    older = json.loads(_plan(SUBNET).to_json())
    for resource in older["resources"]:
        del resource["importId"]
    assert Plan.from_json(json.dumps(older)).named("network-public-a").importId == ""


def test_the_tree_marks_imported_resources():
    tree = render_tree(_plan(VPC, SUBNET))
    assert "3 resources (1 to import), 1 components" in tree
    assert "1 x aws:ec2/vpc:Vpc (1 imported)  network-vpc [import]" in tree
    assert "1 x aws:ec2/subnet:Subnet  network-public-a\n" in tree


def test_the_diff_tells_an_import_from_a_create():
    diff = diff_plans(_plan(), _plan(VPC, SUBNET, DB))
    actions = {c.resource.name: c.action for c in diff.changes()}
    assert actions == {"network-vpc": "import", "network-public-a": "add", "database-instance": "import"}
    text = render_text(diff)
    assert "1 to add, 2 to import, 0 to change, 0 to delete" in text
    assert "  = aws:ec2/vpc:Vpc  network-vpc\n      import id: vpc-0123456789abcdef0" in text
    assert "imports an existing database (ohmycoins-staging-postgres): `pulumi preview` must show it imported, never replaced" in text
    assert "| = | **network-vpc** | `aws:ec2/vpc:Vpc` | import id | | `vpc-0123456789abcdef0` |" in render_markdown(diff)


def test_a_resource_the_old_plan_created_and_the_new_one_imports_is_an_import():
    created = dataclasses.replace(VPC, importId="", inputs={"cidrBlock": "10.1.0.0/16"})
    (change,) = diff_plans(_plan(created), _plan(VPC)).changes()
    assert change.action == "import"
    assert change.inputs["cidrBlock"] == ("10.1.0.0/16", "10.0.0.0/16")
    assert change.warnings == []


def test_without_imports_the_summary_is_unchanged():
    assert "1 to add, 0 to change, 0 to delete" in render_text(diff_plans(_plan(), _plan(SUBNET)))


def test_the_mocks_give_an_imported_resource_the_id_it_is_imported_by():
    mocks = AwsMocks(region="ap-southeast-2")
    resource_id, state = mocks.new_resource(
        MockResourceArgs(
            typ="aws:ec2/vpc:Vpc", name="network-vpc", inputs={"cidrBlock": "10.0.0.0/16"}, provider="", resource_id="vpc-0abc", custom=True
        )
    )
    assert resource_id == "vpc-0abc" and state["arn"] == "arn:aws:ec2:ap-southeast-2:123456789012:vpc/vpc-0abc"
    arn = "arn:aws:elasticloadbalancing:ap-southeast-2:123456789012:loadbalancer/app/ohmycoins-staging-alb/0123456789abcdef"
    resource_id, state = mocks.new_resource(
        MockResourceArgs(
            typ="aws:lb/loadBalancer:LoadBalancer",
            name="edge-alb",
            inputs={"name": "ohmycoins-staging-alb"},
            provider="",
            resource_id=arn,
            custom=True,
        )
    )
    assert (resource_id, state["arn"], state["arnSuffix"]) == (arn, arn, "app/ohmycoins-staging-alb/0123456789abcdef")
