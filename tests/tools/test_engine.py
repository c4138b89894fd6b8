"""The offline engine: deterministic JSON, secrets masked, registrations complete."""

from __future__ import annotations

import json
import subprocess
import sys

from google.protobuf import struct_pb2

from tools.engine import PROJECT_DIR, CapturingMonitor, run_stack
from tools.mocks import AwsMocks
from tools.plan_model import SECRET, Plan
from tools.stack_file import FAKE_SECRET_PREFIX, load_stack_file


def test_plan_json_is_byte_for_byte_deterministic(tmp_path):
    paths = [tmp_path / "first.json", tmp_path / "second.json"]
    for path in paths:
        subprocess.run(
            [sys.executable, "-m", "tools.plan", "production", "--json", str(path)], cwd=PROJECT_DIR, check=True, capture_output=True
        )
    first, second = (p.read_bytes() for p in paths)
    assert first == second
    document = json.loads(first)
    assert set(document) == {"stack", "project", "resources", "outputs"}
    assert document["stack"] == "production" and document["project"] == "ohmycoins"
    urns = [r["urn"] for r in document["resources"]]
    assert urns == sorted(urns)
    required = {"urn", "type", "name", "parent", "inputs", "dependencies", "protect", "retainOnDelete", "ignoreChanges", "provider"}
    assert all(required <= set(r) for r in document["resources"])


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


def test_no_output_of_the_engine_contains_a_fake_secret(any_plan):
    assert FAKE_SECRET_PREFIX not in any_plan.to_json()


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
