"""set-secrets.sh, run against a stand-in `pulumi`: each existing value reaches secure config, none is printed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tools.adopt.commands import secret_script
from tools.adopt.tfstate import read_state

from .state_builder import DB_PASSWORD, SECRET_VALUES, edited, staging_state, write

pytestmark = pytest.mark.skipif(shutil.which("jq") is None or shutil.which("bash") is None, reason="the script needs bash and jq")

# Records each call as "<args>\t<stdin>" (one line per call).
FAKE_PULUMI = """#!/usr/bin/env bash
input=""
if [ "$2" = "set" ]; then input=$(cat); fi
printf '%s\\t%s\\n' "$*" "$input" >> "$PULUMI_CALLS"
"""


def test_values_are_piped_into_secure_config_and_never_printed(own, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    script = tmp_path / "set-secrets.sh"
    script.write_text(own.files["set-secrets.sh"])
    calls = tmp_path / "calls.log"
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PULUMI_CALLS": str(calls)}
    run = subprocess.run(["bash", str(script)], env=environment, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    recorded = dict(line.split("\t", 1) for line in calls.read_text().splitlines())
    assert recorded == {
        "config set --secret --path ohmycoins:appSecretValues.secretKey -s staging": SECRET_VALUES["SECRET_KEY"],
        "config rm --path ohmycoins:appSecretValues.encryptionKey -s staging": "",
        "config set --secret --path ohmycoins:appSecretValues.firstSuperuserPassword -s staging": SECRET_VALUES["FIRST_SUPERUSER_PASSWORD"],
        "config rm --path ohmycoins:credentials.openaiApiKey -s staging": "",
        "config set --secret ohmycoins:databaseMasterPassword -s staging": DB_PASSWORD,
    }
    # The old app secret of this state holds no POSTGRES_PASSWORD: the script says so, without the value.
    assert "DIFFERS from the app secret POSTGRES_PASSWORD" in run.stderr
    for value in (DB_PASSWORD, *SECRET_VALUES.values()):
        assert value not in run.stdout and value not in run.stderr


FAKE_AWS = """#!/usr/bin/env bash
# Stands in for `aws secretsmanager get-secret-value ... --query SecretString --output text`.
[ "$1 $2" = "secretsmanager get-secret-value" ] || exit 3
printf '%s' "$LIVE_SECRET"
"""


def test_a_stale_state_copy_makes_the_script_read_secrets_manager(tmp_path):
    """Terraform ignores later edits of the value: when its version is no longer current, the live secret is read."""
    state_path = write(edited(staging_state(), "aws_secretsmanager_secret_version", version_stages=["AWSPREVIOUS"]), tmp_path / "s.tfstate")
    script = tmp_path / "set-secrets.sh"
    script.write_text(secret_script(read_state(state_path), state_path, "staging"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("pulumi", FAKE_PULUMI), ("aws", FAKE_AWS)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    live = {"SECRET_KEY": "live-secret-key-edited-by-hand", "ENCRYPTION_KEY": "live-fernet-key-value=", "POSTGRES_PASSWORD": DB_PASSWORD}
    calls = tmp_path / "calls.log"
    environment = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "PULUMI_CALLS": str(calls),
        "LIVE_SECRET": json.dumps(live),
    }
    run = subprocess.run(["bash", str(script)], env=environment, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    recorded = dict(line.split("\t", 1) for line in calls.read_text().splitlines())
    assert recorded["config set --secret --path ohmycoins:appSecretValues.secretKey -s staging"] == "live-secret-key-edited-by-hand"
    assert recorded["config set --secret --path ohmycoins:appSecretValues.encryptionKey -s staging"] == "live-fernet-key-value="
    assert "config rm --path ohmycoins:appSecretValues.firstSuperuserPassword -s staging" in recorded
    assert "master password: the same as the app secret POSTGRES_PASSWORD" in run.stdout
    assert not any(value in run.stdout + run.stderr for value in live.values())
