"""`tools.plan --compare`: what really differs between two stacks, with their own names taken out."""

from __future__ import annotations

import dataclasses

from tools.compare import compare_plans, flatten, render_comparison
from tools.plan_model import Plan, PlannedResource


def test_flatten_opens_nested_values_and_json_documents():
    assert flatten({"tags": {"Name": "x"}, "policy": '{"Statement": [{"Effect": "Allow"}]}', "ports": [80, 443], "empty": {}}) == {
        "empty": {},
        "policy.Statement[0].Effect": "Allow",
        "ports[0]": 80,
        "ports[1]": 443,
        "tags.Name": "x",
    }
    assert flatten("{not json") == {"": "{not json"}


def _plan(stack: str, *resources: PlannedResource) -> Plan:
    return Plan(stack=stack, project="ohmycoins", resources=list(resources), outputs={})


def _resource(stack: str, name: str, **inputs) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:{stack}::ohmycoins::aws:s3/bucket:Bucket::{name}", type="aws:s3/bucket:Bucket", name=name, parent="", inputs=inputs
    )


def test_the_stacks_own_names_are_no_difference_but_real_changes_are():
    staging = _plan("staging", _resource("staging", "logs", bucket="ohmycoins-staging-logs", versioned=True))
    production = _plan("production", _resource("production", "logs", bucket="ohmycoins-production-logs", versioned=False))
    (difference,) = compare_plans(staging, production, normalise_names=True).values()
    ((_, _, changes),) = difference.changed
    assert changes == {"versioned": (True, False)}
    raw = compare_plans(staging, production, normalise_names=False)
    ((_, _, raw_changes),) = next(iter(raw.values())).changed
    assert raw_changes["bucket"] == ("ohmycoins-staging-logs", "ohmycoins-production-logs")


def test_protection_changes_show_as_options():
    before = _resource("staging", "logs")
    after = dataclasses.replace(before, protect=True, retainOnDelete=True)
    (difference,) = compare_plans(_plan("staging", before), _plan("staging", after), normalise_names=False).values()
    ((_, _, changes),) = difference.changed
    assert changes == {"(option) protect": (False, True), "(option) retainOnDelete": (False, True)}


def test_the_real_stacks_differ_in_zones_counts_and_sizes(staging_plan, production_plan):
    text = render_comparison(staging_plan, production_plan)
    lines = text.splitlines()
    assert lines[0] == "Comparing stack 'staging' with stack 'production'"
    assert lines[2] == f"  resources:          {len(staging_plan.resources)} -> {len(production_plan.resources)}"
    assert lines[3] == (
        "  availability zones: 2 (ap-southeast-2a, ap-southeast-2b) -> 3 (ap-southeast-2a, ap-southeast-2b, ap-southeast-2c)"
    )
    # Staging leaves through one NAT instance, production through a NAT gateway per zone.
    assert "  count  aws:ec2/instance:Instance: 1 -> 0" in lines
    assert "  count  aws:ec2/natGateway:NatGateway: 0 -> 3" in lines
    assert "      instanceClass: db.t4g.micro -> db.t3.small" in lines
    assert "  only in production: aws:guardduty/detector:Detector audit-guardduty" in lines
    # Values that differ only by the stack's name are not differences.
    assert not [line for line in lines if ": ohmycoins-staging" in line or "-> ohmycoins-production" in line]
