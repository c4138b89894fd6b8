"""The shell commands an operator runs around the adoption: secure values and the Terraform hand-off.

Secret values never pass through this tool: each command pipes a value from where it lives (the
local state file or Secrets Manager) straight into `pulumi config set --secret`, so it is never
printed, written to a file or kept in shell history.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from pathlib import Path

from components.data.app_secrets_settings import CARRIED_OVER_AREA, CARRIED_OVER_KEYS, CREDENTIALS_AREA

from .fates import ADOPT, HANDED_OFF, Fate
from .tfstate import Instance, TerraformState

# Third-party credentials the old app secret may already hold, by their key there.
CARRIED_CREDENTIALS = {"OPENAI_API_KEY": "openaiApiKey"}


def _jq_select(instance: Instance) -> str:
    module = f' and .module == "{instance.module}"' if instance.module else ' and (.module // "") == ""'
    return f'.resources[] | select(.type == "{instance.type}" and .name == "{instance.name}"{module}) | .instances[0].attributes'


def state_is_current(version: Instance | None) -> bool:
    """Whether the state's copy of the secret value is the live one (Terraform ignores later edits of it)."""
    return version is not None and "AWSCURRENT" in (version.get("version_stages") or [])


def secret_script(state: TerraformState, state_path: Path, stack: str) -> str:
    """A bash script that carries the existing secret values into the stack's secure config."""
    lines = [
        "#!/usr/bin/env bash",
        "# Carries the existing secret values into the stack's secure config, without printing them.",
        "# Run from the project directory, logged in to the stack's Pulumi backend (and, where noted, with AWS credentials).",
        "set -euo pipefail",
        "",
    ]
    secrets = state.of_type("aws_secretsmanager_secret")
    versions = state.of_type("aws_secretsmanager_secret_version")
    state_file = shlex.quote(str(state_path))
    if secrets:
        secret = secrets[0]
        version = next((v for v in versions if v.get("secret_id") == secret.get("id")), None)
        if state_is_current(version):
            assert version is not None
            lines += [
                "# The state's copy of the app secret is its current version.",
                f"app_secret() {{ jq -r {shlex.quote(_jq_select(version) + '.secret_string')} {state_file}; }}",
            ]
        else:
            lines += [
                "# The state's copy of the app secret is not its current version (Terraform ignores edits of the value),",
                "# so the values come from Secrets Manager itself (needs AWS credentials that may read the secret).",
                f"app_secret() {{ aws secretsmanager get-secret-value --secret-id {shlex.quote(secret.get('arn') or secret.get('id'))} "
                "--query SecretString --output text; }",
            ]
        lines += [
            "# carry KEY AREA SETTING: sets ohmycoins:AREA.SETTING to the app secret's KEY, or removes the setting when",
            "# the live secret has no KEY (the program then generates the value).",
            "carry() {",
            '  if app_secret | jq -e --arg k "$1" \'(.[$k] // "") != ""\' >/dev/null; then',
            f'    app_secret | jq -j --arg k "$1" \'.[$k]\' | pulumi config set --secret --path "ohmycoins:$2.$3" -s {shlex.quote(stack)}',
            "  else",
            f'    pulumi config rm --path "ohmycoins:$2.$3" -s {shlex.quote(stack)} || true',
            "  fi",
            "}",
        ]
        lines += [f"carry {key.env_name} {CARRIED_OVER_AREA} {key.config_key}" for key in CARRIED_OVER_KEYS]
        lines += [f"carry {env} {CREDENTIALS_AREA} {setting}" for env, setting in CARRIED_CREDENTIALS.items()]
        lines.append("")
    for db in state.of_type("aws_db_instance"):
        if db.get("manage_master_user_password"):
            continue
        select = shlex.quote(_jq_select(db) + ".password")
        lines += [
            "# The database keeps its master password: from the local state file (Terraform set it).",
            f"jq -j {select} {state_file} | pulumi config set --secret ohmycoins:databaseMasterPassword -s {shlex.quote(stack)}",
        ]
        if secrets:
            lines += [
                "# Whether the old app secret holds the same password (prints only the verdict).",
                f'if [ "$(jq -j {select} {state_file})" = "$(app_secret | jq -j \'.POSTGRES_PASSWORD // empty\')" ]; then',
                "  echo 'master password: the same as the app secret POSTGRES_PASSWORD'",
                "else",
                "  echo 'master password: DIFFERS from the app secret POSTGRES_PASSWORD: set the current one before the preview' >&2",
                "fi",
            ]
        lines.append("")
    return "\n".join(lines) + "\n"


def handoff_script(fates: list[Fate], state: TerraformState) -> str:
    """`terraform state rm` for every address the stack adopts or that is handed off: Terraform forgets, AWS keeps."""
    addresses = [f.address for f in fates if f.fate in (ADOPT, HANDED_OFF)]
    lines = [
        "#!/usr/bin/env bash",
        "# Run in the Terraform working directory AFTER the adopting `pulumi up` succeeded, with applies still frozen.",
        "# `terraform state rm` only makes Terraform forget; nothing in AWS is deleted.",
        "set -euo pipefail",
        f"# state serial {state.serial}, lineage {state.lineage}: take a fresh `terraform state pull` backup first.",
        "terraform state pull > terraform-before-handoff.tfstate",
    ]
    lines += [f"terraform state rm {shlex.quote(address)}" for address in addresses]
    return "\n".join(lines) + "\n"


def removed_blocks(fates: list[Fate]) -> list[str]:
    """`removed` blocks (Terraform 1.7+) for resources whose every instance leaves Terraform."""
    by_resource: dict[str, set[str]] = defaultdict(set)
    for fate in fates:
        by_resource[fate.address.split("[", 1)[0]].add(fate.fate)
    return [
        f"removed {{\n  from = {resource}\n  lifecycle {{\n    destroy = false\n  }}\n}}"
        for resource, kinds in sorted(by_resource.items())
        if kinds <= {ADOPT, HANDED_OFF}
    ]
