"""The adoption, start to end: read the state, derive the settings, match, check, write everything or nothing."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.settings import SettingsError
from tools.engine import PROJECT_DIR, run_stack
from tools.plan_model import Plan

from .changes import differences
from .commands import handoff_script, secret_script
from .derive import PROJECT, derive
from .fates import ADOPT, Fate
from .match import check_known_types, fates, outside_state_imports
from .report import Adoption, render_json, render_markdown
from .tfstate import AdoptionRefused, TerraformState, read_state

STACK_FILE_HEADER = """\
# Written by `python -m tools.adopt` from a Terraform state: the committed settings of this stack,
# plus what the live resources need (see report.md beside it). Secure values are placeholders until
# set-secrets.sh has run. Remove `ohmycoins:adoption` after the adopting `pulumi up`.
"""


@dataclass(frozen=True)
class AdoptionResult:
    adoption: Adoption
    files: dict[str, str]  # file name -> content, as written


def adopt(
    state_path: Path, stack: str, out_dir: Path, base_stack_file: Path | None = None, project_dir: Path = PROJECT_DIR
) -> AdoptionResult:
    """Writes the adoption stack file and report into `out_dir`, or raises AdoptionRefused and writes nothing."""
    state = read_state(state_path)
    base_path = base_stack_file or project_dir / f"Pulumi.{stack}.yaml"
    base = yaml.safe_load(base_path.read_text()) or {}
    config = base.get("config") or {}
    general = config.get(f"{PROJECT}:general") or {}
    prefix = general.get("namePrefix") or f"{PROJECT}-{stack}"
    check_environment(state, prefix, general.get("environment", stack))
    check_known_types(state)

    derived = derive(state, config, prefix)
    with tempfile.TemporaryDirectory(prefix=".adopt-", dir=_existing_parent(out_dir)) as work:
        work_dir = Path(work)
        first = _plan(stack, {**base, "config": derived.config}, work_dir / "first", project_dir)
        all_fates = fates(state, first, derived)
        adopted = {f.address: f for f in all_fates if f.fate == ADOPT}
        outside = outside_state_imports(state, first, adopted)
        imports = {f.logical_name: f.import_id for f in adopted.values()} | outside
        derived.config[f"{PROJECT}:adoption"] = {"imports": dict(sorted(imports.items()))}

        stack_file = STACK_FILE_HEADER + yaml.safe_dump({**base, "config": derived.config}, sort_keys=False, width=140)
        final_dir = work_dir / "final"
        final_dir.mkdir()
        (final_dir / f"Pulumi.{stack}.yaml").write_text(stack_file)
        plan = _plan_file(stack, final_dir / f"Pulumi.{stack}.yaml", project_dir)
        _check_against_live(state, plan, adopted)

        adoption = Adoption(stack, str(state_path), state, all_fates, outside, plan, derived.notes)
        files = {
            f"Pulumi.{stack}.yaml": stack_file,
            "report.md": render_markdown(adoption),
            "report.json": render_json(adoption),
            "set-secrets.sh": secret_script(state, state_path, stack),
            "handoff.sh": handoff_script(all_fates, state),
        }
        _refuse_leaks(state, files, already_public=base_path.read_text())
        _write_all(out_dir, files)
    return AdoptionResult(adoption, files)


def check_environment(state: TerraformState, prefix: str, environment: str) -> None:
    """Refuses the state of another environment: its tags or names say so."""
    for instance in state.instances:
        tags = instance.get("tags_all") or instance.get("tags") or {}
        tagged = tags.get("Environment") if isinstance(tags, dict) else None
        if tagged and tagged != environment:
            raise AdoptionRefused(
                f"{instance.address}: tagged Environment={tagged}, but the stack is {environment}: the state of another environment"
            )
    for vpc in state.of_type("aws_vpc"):
        name = (vpc.get("tags") or {}).get("Name", "")
        if name and not name.startswith(f"{prefix}-"):
            raise AdoptionRefused(f"{vpc.address}: named {name!r}, not {prefix}-...: the state of another environment")


def _plan(stack: str, document: dict[str, Any], directory: Path, project_dir: Path) -> Plan:
    directory.mkdir()
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return _plan_file(stack, path, project_dir)


def _plan_file(stack: str, path: Path, project_dir: Path) -> Plan:
    try:
        return run_stack(stack, path, project_dir)
    except SettingsError as error:
        raise AdoptionRefused(f"the settings the live resources need are not valid settings of the program:\n{error}") from error


def _check_against_live(state: TerraformState, plan: Plan, adopted: dict[str, Fate]) -> None:
    """Fills in each adopted resource's in-place updates; refuses when an input AWS fixes at creation differs."""
    provider = next((r for r in plan.resources if r.type == "pulumi:providers:aws"), None)
    default_tags = json.loads(provider.inputs.get("defaultTags", "{}")).get("tags", {}) if provider else {}
    instances = {i.address: i for i in state.instances}
    refusals = []
    for address, fate in adopted.items():
        resource = plan.named(fate.logical_name)
        if resource.importId != fate.import_id:
            refusals.append(f"{address}: the program's {fate.logical_name} did not get the import id {fate.import_id}")
            continue
        found = differences(resource, instances[address], plan, default_tags)
        refusals += [
            f"{address} ({resource.type} {fate.logical_name}): {d.input} is {d.live} in AWS but {d.program} in the program, "
            "and AWS sets it only at creation, so Pulumi would replace it"
            for d in found
            if d.replaces
        ]
        fate.changes = [d.as_dict() for d in found]
    cache = [r for r in plan.resources if r.imported and r.type == "aws:elasticache/replicationGroup:ReplicationGroup"]
    for resource in cache:
        instance = next(instances[a] for a, f in adopted.items() if f.logical_name == resource.name)
        if not instance.get("transit_encryption_enabled") and resource.inputs.get("transitEncryptionMode") == "required":
            refusals.append(
                f"{instance.address} ({resource.name}): transit encryption is off in AWS and `required` in the program; "
                "AWS only switches it on through `preferred` (ohmycoins:cache.transitEncryption)"
            )
    if refusals:
        raise AdoptionRefused("the program cannot adopt these as they are:\n" + "\n".join(f"  {r}" for r in refusals))


def _refuse_leaks(state: TerraformState, files: dict[str, str], already_public: str) -> None:
    """No written file may hold a value the state marks sensitive, unless the committed stack file
    already holds it in the clear (a sender address is no secret, though Terraform kept it in one)."""
    secrets = {value for value in state.secret_values() if value not in already_public}
    for name, content in files.items():
        if any(secret in content for secret in secrets):
            raise AdoptionRefused(f"{name} would contain a value the state marks sensitive; nothing was written")


def _existing_parent(out_dir: Path) -> Path:
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def _write_all(out_dir: Path, files: dict[str, str]) -> None:
    """Each file is written beside its final place and renamed into it, so none is ever half written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    for name, content in files.items():
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
        with os.fdopen(handle, "w") as stream:
            stream.write(content)
        staged.append((Path(temporary), out_dir / name, name.endswith(".sh")))
    for temporary, final, executable in staged:
        temporary.chmod(0o755 if executable else 0o644)
        os.replace(temporary, final)
