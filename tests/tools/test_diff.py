"""The plan diff: what a change does to a stack, flagged where data is at risk."""

from __future__ import annotations

import dataclasses

import pytest

from tools.diff import REPLACEMENT_INPUTS, diff_plans, main, render_markdown, render_text, replacing_inputs
from tools.plan_model import Plan, PlannedResource

RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
STACK_URN = "urn:pulumi:staging::ohmycoins::"


def resource(type_: str, name: str, parent_type: str = "ohmycoins:data:Database", **inputs) -> PlannedResource:
    parent = f"{STACK_URN}{parent_type}::database"
    return PlannedResource(urn=f"{STACK_URN}{parent_type}${type_}::{name}", type=type_, name=name, parent=parent, inputs=inputs)


def component(type_: str = "ohmycoins:data:Database", name: str = "database") -> PlannedResource:
    return PlannedResource(urn=f"{STACK_URN}{type_}::{name}", type=type_, name=name, parent="", inputs={}, custom=False)


def plan(*resources: PlannedResource) -> Plan:
    return Plan(stack="staging", project="ohmycoins", resources=[component(), *resources], outputs={})


DB = resource(RDS, "database-instance", instanceClass="db.t4g.micro", engine="postgres", kmsKeyId="arn:k1", password="[secret]")


def test_a_class_change_is_one_modification_flagged_as_stateful():
    after = dataclasses.replace(DB, inputs={**DB.inputs, "instanceClass": "db.t4g.small"})
    diff = diff_plans(plan(DB), plan(after))
    (change,) = diff.changes()
    assert change.action == "modify"
    assert change.inputs == {"instanceClass": ("db.t4g.micro", "db.t4g.small")}
    assert any("outage" in w for w in change.warnings)
    assert not any("REPLACES" in w for w in change.warnings)


@pytest.mark.parametrize("key", ["kmsKeyId", "engine", "identifier", "storageEncrypted", "availabilityZone", "username", "dbName"])
def test_replacement_forcing_database_inputs_are_flagged(key):
    after = dataclasses.replace(DB, inputs={**DB.inputs, key: "changed"})
    (change,) = diff_plans(plan(DB), plan(after)).changes()
    assert any(w.startswith("REPLACES the database") and key in w for w in change.warnings)


def test_cache_encryption_key_forces_replacement_but_transit_encryption_does_not():
    assert replacing_inputs(CACHE, ["kmsKeyId", "atRestEncryptionEnabled", "subnetGroupName"]) == [
        "atRestEncryptionEnabled",
        "kmsKeyId",
        "subnetGroupName",
    ]
    assert replacing_inputs(CACHE, ["transitEncryptionEnabled", "nodeType"]) == []
    assert "encrypted" in REPLACEMENT_INPUTS["aws:efs/fileSystem:FileSystem"]


def test_nested_input_paths_count_by_their_top_level_input():
    assert replacing_inputs(RDS, ["restoreToPointInTime.restoreTime", "tags.Name"]) == ["restoreToPointInTime"]


def test_removing_a_protected_database_is_flagged_and_secrets_stay_hidden():
    protected = dataclasses.replace(DB, protect=True)
    diff = diff_plans(plan(protected), plan())
    (change,) = diff.changes()
    assert change.action == "remove"
    assert any("DELETES a stateful database" in w for w in change.warnings)
    assert any("protected" in w for w in change.warnings)
    added = diff_plans(plan(), plan(protected))
    text = render_text(added) + render_markdown(added)
    assert "[secret]" in text


def test_added_and_unchanged_resources_and_grouping():
    log_group = resource("aws:cloudwatch/logGroup:LogGroup", "database-logs", retentionInDays=7)
    diff = diff_plans(plan(DB), plan(DB, log_group))
    assert list(diff.components) == ["ohmycoins:data:Database database"]
    (change,) = diff.changes()
    assert change.action == "add" and change.resource.name == "database-logs"
    assert change.warnings == []
    assert diff_plans(plan(DB), plan(DB)).changes() == []
    assert "No changes." in render_text(diff_plans(plan(DB), plan(DB)))


def test_markdown_has_a_warning_block_and_a_table(tmp_path, capsys):
    after = dataclasses.replace(DB, inputs={**DB.inputs, "kmsKeyId": "arn:k2"})
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(plan(DB).to_json())
    new.write_text(plan(after).to_json())
    assert main([str(old), str(new), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "> [!WARNING]" in out
    assert "| ~ | **database-instance** | `aws:rds/instance:Instance` | `kmsKeyId` | `arn:k1` | `arn:k2` |" in out
    assert main([str(old), str(new)]) == 0
    assert "kmsKeyId: arn:k1 -> arn:k2" in capsys.readouterr().out


def test_staging_database_class_change_end_to_end(staging_plan, plan_variant, tmp_path, capsys):
    """The real program: plan staging, change `ohmycoins:database.instanceClass`, diff the two JSON plans."""
    instance = staging_plan.one(RDS)
    new_class = "db.m7g.large" if instance.inputs["instanceClass"] != "db.m7g.large" else "db.m7g.xlarge"
    changed = plan_variant("staging", lambda config: config["ohmycoins:database"].__setitem__("instanceClass", new_class))
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(staging_plan.to_json())
    new.write_text(changed.to_json())

    diff = diff_plans(Plan.load(old), Plan.load(new))
    (change,) = diff.changes()
    assert change.action == "modify" and change.resource.type == RDS
    assert change.inputs == {"instanceClass": (instance.inputs["instanceClass"], new_class)}
    assert change.warnings and not any("REPLACES" in w for w in change.warnings)

    from tools.plan import main as plan_main

    assert plan_main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "0 to add, 1 to change, 0 to delete; monthly cost $" in out
    assert f"instanceClass: {instance.inputs['instanceClass']} -> {new_class}" in out
    assert f"! {RDS} {instance.name}:" in out


def test_cost_delta_of_a_bigger_class(tmp_path):
    after = dataclasses.replace(DB, inputs={**DB.inputs, "instanceClass": "db.t4g.small"})
    before_cost, after_cost = diff_plans(plan(DB), plan(after), with_cost=True).monthly
    assert after_cost - before_cost == pytest.approx((0.051 - 0.025) * 730)
