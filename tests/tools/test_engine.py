"""The offline engine: deterministic JSON, secrets masked, registrations complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from google.protobuf import struct_pb2

from tools import plan as plan_cli
from tools.engine import PROJECT_DIR, CapturingMonitor, SecretLeak, run_stack
from tools.mocks import AwsMocks
from tools.plan_model import SECRET, Plan
from tools.stack_file import FAKE_SECRET_PREFIX, load_stack_file


def test_plan_json_is_byte_for_byte_deterministic(production_plan, tmp_path):
    """Another process, with another hash seed, writes the same bytes as this one's plan."""
    path = tmp_path / "production.json"
    environment = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-m", "tools.plan", "production", "--json", str(path)],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        env=environment,
    )
    text = path.read_text()
    assert text == production_plan.to_json()
    document = json.loads(text)
    # Canonical: sorted keys at every level, two-space indent, one final newline.
    assert text == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert set(document) == {"stack", "project", "resources", "outputs"}
    assert document["stack"] == "production" and document["project"] == "ohmycoins"
    urns = [r["urn"] for r in document["resources"]]
    assert urns == sorted(urns) and len(urns) == len(set(urns))
    required = {"urn", "type", "name", "parent", "inputs", "dependencies", "protect", "retainOnDelete", "ignoreChanges", "provider"}
    assert all(required <= set(r) for r in document["resources"])
    assert all(r["dependencies"] == sorted(r["dependencies"]) for r in document["resources"])


def test_plan_round_trips_through_json(production_plan):
    assert Plan.from_json(production_plan.to_json()) == production_plan


def test_two_stacks_in_one_process_do_not_mix(staging_plan, production_plan):
    again = run_stack("staging")
    assert again.to_json() == staging_plan.to_json()
    assert all(r.urn.startswith("urn:pulumi:production::") for r in production_plan.resources)


def test_registrations_keep_parent_and_dependencies(staging_plan):
    network = staging_plan.one("ohmycoins:network:Network")
    subnet = staging_plan.named("network-public-a")
    assert subnet.parent == network.urn
    assert staging_plan.named("network-vpc").urn in subnet.dependencies


def test_secure_values_become_fake_secrets_and_mark_their_key(tmp_path):
    stack_file = tmp_path / "Pulumi.x.yaml"
    stack_file.write_text(
        "config:\n  ohmycoins:token:\n    secure: v1:abc\n  ohmycoins:area:\n    inner:\n      secure: v1:def\n    plain: 1\n"
    )
    config = load_stack_file(stack_file, "ohmycoins")
    assert config.values["ohmycoins:token"] == f"{FAKE_SECRET_PREFIX}ohmycoins:token"
    assert json.loads(config.values["ohmycoins:area"]) == {"inner": f"{FAKE_SECRET_PREFIX}ohmycoins:area.inner", "plain": 1}
    assert config.secret_keys == ["ohmycoins:area", "ohmycoins:token"]


def test_secret_inputs_are_masked_and_leaks_are_caught():
    monitor = CapturingMonitor(AwsMocks(region="ap-southeast-2"))
    wrapped = struct_pb2.Struct()
    wrapped.update({"password": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}})
    assert monitor._plain(wrapped, "db") == {"password": SECRET}
    assert monitor.leaks == []
    leaked = struct_pb2.Struct()
    leaked.update({"tags": {"Owner": f"{FAKE_SECRET_PREFIX}ohmycoins:owner"}})
    assert monitor._plain(leaked, "vpc") == {"tags": {"Owner": SECRET}}
    assert monitor.leaks == ["vpc.tags.Owner"]


def test_resources_of_a_second_region_provider_get_that_regions_arns():
    from pulumi.runtime.mocks import MockResourceArgs

    mocks = AwsMocks(region="ap-southeast-2")
    mocks.new_resource(MockResourceArgs("pulumi:providers:aws", "aws-ap-southeast-4", {"region": "ap-southeast-4"}, None, None, True))
    there = MockResourceArgs("aws:backup/vault:Vault", "copy", {"name": "v"}, "urn:x::aws-ap-southeast-4-provider", None, True)
    here = MockResourceArgs("aws:backup/vault:Vault", "home", {"name": "v"}, "urn:x::aws-provider", None, True)
    assert mocks.new_resource(there)[1]["arn"] == "arn:aws:backup:ap-southeast-4:123456789012:backup-vault:v"
    assert mocks.new_resource(here)[1]["arn"] == "arn:aws:backup:ap-southeast-2:123456789012:backup-vault:v"


def test_a_prior_plan_keeps_the_inputs_a_resource_ignores(staging_plan, paused_plan):
    """As Pulumi keeps an ignored input's value from state: what a pause and a resume remember."""
    # Ignored while paused: the token and the endpoints keep the running plan's values...
    for name, key in (("cache-pause-memory-snapshot-token", "keepers"), ("cache-pause-memory-endpoints", "insecureValue")):
        assert paused_plan.named(name).ignoreChanges == [key]
        assert paused_plan.named(name).inputs[key] == staging_plan.named(name).inputs[key]
    assert staging_plan.named("cache-pause-memory-endpoints").inputs["insecureValue"] != '{"primary": "", "reader": ""}'
    # ...while an input nothing ignores follows the program.
    assert paused_plan.named("cache-pause-memory-restore-point").ignoreChanges == []
    assert paused_plan.named("cache-pause-memory-restore-point").inputs["insecureValue"] != "none"


# A program of its own, so the refusal is shown on code that really leaks.
LEAKY_PROGRAM = """
import pulumi

config = pulumi.Config()
token = config.require("token")  # the plain value of a secure setting
wrapped = config.require_secret("token")
pulumi.CustomResource("test:index:Thing", "guarded", {"label": wrapped})
if config.get("leak") == "input":
    pulumi.CustomResource("test:index:Thing", "leaky", {"tags": {"Owner": "me"}, "notes": ["ok", token]})
if config.get("leak") == "output":
    pulumi.export("token", token)
pulumi.export("safe", wrapped)
"""


def _leaky_project(tmp_path, leak: str):
    (tmp_path / "Pulumi.yaml").write_text("name: leaky\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(LEAKY_PROGRAM)
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(f"config:\n  leaky:token:\n    secure: v1:abc\n  leaky:leak: {leak}\n")
    return stack_file


@pytest.mark.parametrize(
    "leak, where",
    [("input", "test:index:Thing leaky.notes[1]"), ("output", "output token")],
)
def test_the_engine_refuses_a_program_that_leaks_a_secret(tmp_path, leak, where):
    stack_file = _leaky_project(tmp_path, leak)
    with pytest.raises(SecretLeak) as caught:
        run_stack("dev", stack_file, project_dir=tmp_path)
    assert str(caught.value) == f"secret values reached non-secret places: {where}"


def test_a_secret_kept_secret_is_planned_masked(tmp_path):
    plan = run_stack("dev", _leaky_project(tmp_path, "none"), project_dir=tmp_path)
    assert plan.named("guarded").inputs == {"label": SECRET}
    assert plan.outputs == {"safe": SECRET}


def test_the_cli_stops_on_a_leak_with_its_own_exit_code(monkeypatch, capsys):
    def leaking(*_, **__):
        raise SecretLeak("secret values reached non-secret places: output token")

    monkeypatch.setattr(plan_cli, "run_stack", leaking)
    assert plan_cli.main(["staging"]) == 3
    assert capsys.readouterr().err == "secret leak: secret values reached non-secret places: output token\n"
