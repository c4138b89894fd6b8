"""The benchmark's import floor leaves out exactly the program's and engine's own modules."""

from __future__ import annotations

from pathlib import Path

from tools.bench import is_program_module

PROJECT = Path("/srv/ohmycoins-infra")


def test_the_programs_own_modules_and_entry_points_are_left_out():
    assert is_program_module("components.network.vpc", "/srv/ohmycoins-infra/components/network/vpc.py", PROJECT)
    assert is_program_module("tools.engine", "/srv/ohmycoins-infra/tools/engine.py", PROJECT)
    assert is_program_module("__pulumi_program__", None, PROJECT)


def test_sdk_libraries_and_the_standard_library_are_kept():
    sdk = "/srv/ohmycoins-infra/.venv/lib/python3.11/site-packages/pulumi_aws/ec2/vpc.py"
    assert not is_program_module("pulumi_aws.ec2.vpc", sdk, PROJECT)
    assert not is_program_module("json.decoder", "/usr/lib/python3.11/json/decoder.py", PROJECT)
    assert not is_program_module("sys", None, PROJECT)
