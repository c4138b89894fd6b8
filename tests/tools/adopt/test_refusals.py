"""What `tools.adopt` refuses, with a message naming the resource and why, and nothing written."""

from __future__ import annotations

import json

import pytest

from tools.adopt.__main__ import main
from tools.adopt.changes import differences
from tools.adopt.fates import Fate
from tools.adopt.run import _check_against_live, _refuse_leaks, adopt
from tools.adopt.tfstate import AdoptionRefused, read_state
from tools.plan_model import Plan, PlannedResource

from .state_builder import DB_PASSWORD, KEY_ARN, edited, staging_state, write

RDS = "aws:rds/instance:Instance"


def _refused(tmp_path, state) -> str:
    out = tmp_path / "out"
    with pytest.raises(AdoptionRefused) as caught:
        adopt(write(state, tmp_path / "state.tfstate"), "staging", out)
    assert not out.exists(), "nothing may be written when the adoption is refused"
    return str(caught.value)


def test_an_unencrypted_database_cannot_be_adopted_and_the_message_says_why(tmp_path):
    message = _refused(tmp_path, edited(staging_state(), "aws_db_instance", storage_encrypted=False))
    assert message.startswith("module.rds.aws_db_instance.this: storage_encrypted is false")
    assert "snapshot" in message


def test_a_cache_on_another_port_cannot_be_adopted(tmp_path):
    message = _refused(tmp_path, edited(staging_state(), "aws_elasticache_replication_group", port=6380))
    assert message.startswith("module.redis.aws_elasticache_replication_group.this: port 6380")


def test_a_cache_without_tls_on_an_old_engine_cannot_get_it_in_place(tmp_path):
    state = edited(staging_state(), "aws_elasticache_replication_group", engine_version="7.0", engine_version_actual="7.0.4")
    message = _refused(tmp_path, state)
    assert message.startswith("module.redis.aws_elasticache_replication_group.this: TLS is off and Redis 7.0.4")


def test_a_forced_replacement_found_by_comparing_names_the_resource_and_the_input(tmp_path):
    """The check after planning: an input AWS fixes at creation that differs refuses the adoption."""
    state = read_state(write(staging_state(), tmp_path / "state.tfstate"))
    state_db = next(i for i in state.instances if i.type == "aws_db_instance")
    other_key = KEY_ARN.replace("0b1c2d3e", "99999999")
    planned = PlannedResource(
        urn="urn:pulumi:staging::ohmycoins::aws:rds/instance:Instance::database-instance",
        type=RDS,
        name="database-instance",
        parent="",
        inputs={"identifier": "ohmycoins-staging-postgres", "kmsKeyId": other_key, "instanceClass": "db.t4g.micro"},
        importId="ohmycoins-staging-postgres",
    )
    plan = Plan(stack="staging", project="ohmycoins", resources=[planned], outputs={})
    (found,) = [d for d in differences(planned, state_db, plan, {}) if d.input != "tags"]
    assert (found.input, found.live, found.program, found.replaces) == ("kmsKeyId", KEY_ARN, other_key, True)
    fate = Fate(state_db.address, state_db.type, "adopt", logical_name="database-instance", import_id="ohmycoins-staging-postgres")
    with pytest.raises(AdoptionRefused) as caught:
        _check_against_live(state, plan, {state_db.address: fate})
    assert f"module.rds.aws_db_instance.this ({RDS} database-instance): kmsKeyId is {KEY_ARN} in AWS" in str(caught.value)


def test_a_state_of_another_environment_is_refused(tmp_path):
    state = staging_state()
    for resource in state["resources"]:
        if resource["type"] == "aws_vpc":
            resource["instances"][0]["attributes"]["tags_all"]["Environment"] = "production"
    assert _refused(tmp_path, state) == (
        "module.vpc.aws_vpc.main: tagged Environment=production, but the stack is staging: the state of another environment"
    )


def test_a_resource_the_tool_cannot_place_is_named_before_anything_is_planned(tmp_path):
    state = staging_state()
    state["resources"].append(
        {
            "mode": "managed",
            "type": "aws_instance",
            "name": "bastion",
            "module": "module.ops",
            "instances": [{"attributes": {"id": "i-0abc"}}],
        }
    )
    message = _refused(tmp_path, state)
    assert message.startswith("module.ops.aws_instance.bastion: this tool does not know what becomes of a aws_instance")


def test_a_second_vpc_is_refused(tmp_path):
    state = staging_state()
    state["resources"].append(json.loads(json.dumps(next(r for r in state["resources"] if r["type"] == "aws_vpc"))) | {"name": "other"})
    assert "the program has one VPC; the state has 2" in _refused(tmp_path, state)


@pytest.mark.parametrize(
    "content, reason",
    [
        ("not json", "not a Terraform state (not JSON"),
        ('{"version": 3, "resources": []}', "state format version 3; this tool reads format 4"),
        ('{"version": 4}', "the state has no `resources` list"),
        ('{"version": 4, "resources": [{"mode": "managed", "type": "aws_vpc"}]}', "resources[0] has no `name`"),
    ],
)
def test_an_unreadable_state_is_refused_by_the_command(tmp_path, capsys, content, reason):
    state = tmp_path / "bad.tfstate"
    state.write_text(content)
    assert main([str(state), "--stack", "staging", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert reason in error and "Nothing was written." in error
    assert not (tmp_path / "out").exists()


def test_a_file_that_would_hold_a_sensitive_value_is_never_written(tmp_path):
    state = read_state(write(staging_state(), tmp_path / "state.tfstate"))
    with pytest.raises(AdoptionRefused, match="report.md would contain a value the state marks sensitive"):
        _refuse_leaks(state, {"report.md": f"password: {DB_PASSWORD}"}, already_public="")
    _refuse_leaks(state, {"report.md": "password: (sensitive)"}, already_public="")
    # A value the committed stack file already shows in the clear is not learnt from the state.
    _refuse_leaks(state, {"report.md": f"password: {DB_PASSWORD}"}, already_public=f"fromAddress: {DB_PASSWORD}")
