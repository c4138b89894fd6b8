"""The plan diff: what a change does to a stack, flagged where data is at risk."""

from __future__ import annotations

import dataclasses

import pytest

from tools.diff import diff_plans, main, render_markdown, render_text, replacing_inputs
from tools.plan_model import Plan, PlannedResource

RDS = "aws:rds/instance:Instance"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
STACK_URN = "urn:pulumi:staging::ohmycoins::"


def resource(type_: str, name: str, /, parent_type: str = "ohmycoins:data:Database", **inputs) -> PlannedResource:
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


def test_cache_encryption_key_forces_replacement_but_transit_encryption_does_not():
    assert replacing_inputs(CACHE, ["kmsKeyId", "atRestEncryptionEnabled", "subnetGroupName"]) == [
        "atRestEncryptionEnabled",
        "kmsKeyId",
        "subnetGroupName",
    ]
    assert replacing_inputs(CACHE, ["transitEncryptionEnabled", "nodeType"]) == []


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


# The README's stateful types (and the others the diff knows), with the word its warnings use.
STATEFUL = [
    ("aws:rds/instance:Instance", "database"),
    ("aws:rds/cluster:Cluster", "database"),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "cache"),
    ("aws:elasticache/cluster:Cluster", "cache"),
    ("aws:efs/fileSystem:FileSystem", "file system"),
    ("aws:s3/bucket:Bucket", "bucket"),
    ("aws:s3/bucketV2:BucketV2", "bucket"),
    ("aws:kms/key:Key", "KMS key"),
    ("aws:secretsmanager/secret:Secret", "secret"),
    ("kubernetes:core/v1:PersistentVolumeClaim", "persistent volume"),
    ("aws:backup/vault:Vault", "backup vault"),
    ("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backup vault lock"),
]


def _one_change(before: list[PlannedResource], after: list[PlannedResource]):
    (change,) = diff_plans(plan(*before), plan(*after)).changes()
    return change


@pytest.mark.parametrize("type_, kind", STATEFUL)
def test_every_stateful_type_is_called_out_when_deleted_or_modified(type_, kind):
    thing = resource(type_, "thing", tags={"Name": "a"})
    assert _one_change([thing], []).warnings == [f"DELETES a stateful {kind}"]
    retained = dataclasses.replace(thing, retainOnDelete=True)
    assert _one_change([retained], []).warnings == [f"DELETES a stateful {kind} (retained in AWS: retainOnDelete)"]
    changed = dataclasses.replace(thing, inputs={"tags": {"Name": "b"}})
    assert _one_change([thing], [changed]).warnings == [f"modifies a stateful {kind}"]
    protected = dataclasses.replace(thing, protect=True)
    assert _one_change([protected], [dataclasses.replace(changed, protect=True)]).warnings == [
        f"modifies a stateful {kind}",
        "protected resource",
    ]
    assert _one_change([protected], []).warnings == [
        f"DELETES a stateful {kind}",
        "protected: `pulumi up` refuses to delete it until protect is removed",
    ]


def test_a_stateless_change_or_removal_needs_no_attention():
    group = resource("aws:cloudwatch/logGroup:LogGroup", "logs", retentionInDays=7)
    assert _one_change([group], [dataclasses.replace(group, inputs={"retentionInDays": 14})]).warnings == []
    assert _one_change([group], []).warnings == []


# Inputs the provider marks ForceNew, per type (terraform-provider-aws schemas behind pulumi-aws 7.x).
REPLACING = {
    "aws:rds/instance:Instance": (
        "database",
        [
            "identifier",
            "identifierPrefix",
            "engine",
            "availabilityZone",
            "dbName",
            "username",
            "kmsKeyId",
            "storageEncrypted",
            "characterSetName",
            "ncharCharacterSetName",
            "timezone",
            "snapshotIdentifier",
            "restoreToPointInTime",
            "s3Import",
            "customIamInstanceProfile",
        ],
    ),
    "aws:elasticache/replicationGroup:ReplicationGroup": (
        "cache",
        [
            "replicationGroupId",
            "subnetGroupName",
            "atRestEncryptionEnabled",
            "kmsKeyId",
            "port",
            "networkType",
            "dataTieringEnabled",
            "snapshotArns",
            "snapshotName",
            "globalReplicationGroupId",
            "securityGroupNames",
        ],
    ),
    "aws:efs/fileSystem:FileSystem": ("file system", ["creationToken", "encrypted", "kmsKeyId", "performanceMode", "availabilityZoneName"]),
    "aws:backup/vault:Vault": ("backup vault", ["name", "kmsKeyArn"]),
}
# Inputs that replace the resource with one restored from a backup.
RESTORING = {"snapshotIdentifier", "restoreToPointInTime", "snapshotName", "snapshotArns"}
# What becomes of a replaced database or cache that names no final snapshot (the other types: nothing said).
UNSNAPSHOTTED = "the replaced one is deleted WITHOUT a final snapshot: its data is lost"
FATE = {RDS: [UNSNAPSHOTTED], CACHE: [UNSNAPSHOTTED]}
OUTAGE = {
    "aws:rds/instance:Instance": ("database", ["dbSubnetGroupName", "instanceClass", "engineVersion", "port", "multiAz"]),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("cache", ["nodeType", "engineVersion"]),
}


@pytest.mark.parametrize("type_, key", [(type_, key) for type_, (_, keys) in REPLACING.items() for key in keys])
def test_every_replacing_input_is_flagged_as_a_replacement(type_, key):
    kind = REPLACING[type_][0]
    before = resource(type_, "thing", **{key: "old"})
    change = _one_change([before], [dataclasses.replace(before, inputs={key: "new"})])
    cause = f"restored from a backup ({key})" if key in RESTORING else "data lost unless restored"
    assert change.warnings == [f"REPLACES the {kind}: {key} cannot change in place ({cause})", *FATE.get(type_, [])]
    protected = dataclasses.replace(before, protect=True)
    assert _one_change([protected], [dataclasses.replace(protected, inputs={key: "new"})]).warnings[-1] == (
        "protected: `pulumi up` refuses to delete or replace it"
    )


@pytest.mark.parametrize("type_, key", [(type_, key) for type_, (_, keys) in OUTAGE.items() for key in keys])
def test_every_outage_input_is_flagged_as_an_in_place_outage(type_, key):
    kind = OUTAGE[type_][0]
    before = resource(type_, "thing", **{key: "old"})
    change = _one_change([before], [dataclasses.replace(before, inputs={key: "new"})])
    if key in REPLACING[type_][1]:
        assert change.warnings[0].startswith("REPLACES")
    else:
        assert change.warnings == [f"modifies the stateful {kind} in place, with an outage: {key}"]


def test_a_replaced_cache_with_a_final_snapshot_is_kept_as_that_snapshot():
    before = resource(CACHE, "redis", port=6379, finalSnapshotIdentifier="redis-final")
    change = _one_change([before], [dataclasses.replace(before, inputs={**before.inputs, "port": 6380})])
    assert change.warnings == [
        "REPLACES the cache: port cannot change in place (data lost unless restored)",
        "the replaced one is deleted after its final snapshot redis-final",
    ]
    kept = dataclasses.replace(before, retainOnDelete=True)
    assert (
        _one_change([kept], [dataclasses.replace(kept, inputs={"port": 6380})])
        .warnings[1]
        .startswith("the replaced one stays in AWS, untouched (retainOnDelete)")
    )


def test_transit_encryption_and_engine_of_the_cache_change_in_place():
    before = resource(CACHE, "redis", transitEncryptionEnabled=False, engine="redis")
    after = dataclasses.replace(before, inputs={"transitEncryptionEnabled": True, "engine": "valkey"})
    assert _one_change([before], [after]).warnings == ["modifies a stateful cache"]


def test_added_resources_list_their_inputs_but_not_their_tags_and_long_values_are_cut():
    long_value = "x" * 200
    added = resource("aws:cloudwatch/logGroup:LogGroup", "logs", bucket="a|b", policy=long_value, tags={"Name": "logs"})
    diff = diff_plans(plan(), plan(added))
    text = render_text(diff)
    assert text.splitlines()[0] == "Plan diff of stack 'staging': 1 to add, 0 to change, 0 to delete"
    assert "      bucket: a|b" in text
    assert f"      policy: {'x' * 117}..." in text and long_value not in text
    assert "tags" not in text
    markdown = render_markdown(diff)
    assert markdown.startswith("### Stack `staging`: 1 to add, 0 to change, 0 to delete\n")
    assert "| + | **logs** | `aws:cloudwatch/logGroup:LogGroup` | | |" in markdown
    details = markdown[markdown.index("<details>") :].splitlines()
    # GitHub renders the code block inside <details> only with the blank lines around it.
    assert details[:4] == ["<details><summary>inputs of the added and imported resources</summary>", "", "```", "+ logs"]
    assert details[-4:] == ["```", "", "</details>", ""]
    assert "> [!WARNING]" not in markdown


def test_markdown_escapes_table_separators_and_marks_absent_values():
    before = resource("aws:cloudwatch/logGroup:LogGroup", "logs", bucket="a|b")
    after = dataclasses.replace(before, inputs={"bucket": "a|c", "kmsKeyId": "k"})
    markdown = render_markdown(diff_plans(plan(before), plan(after)))
    assert (
        "| ~ | **logs** | `aws:cloudwatch/logGroup:LogGroup` | `bucket` | `a\\|b` | `a\\|c` |\n| | | | `kmsKeyId` | (absent) | `k` |"
        in markdown
    )
