"""Plans of a stack with some settings changed: paused or running, or one cost setting turned back.

A variant is the stack file with `change(config)` applied, planned from a temporary copy; the
stack file itself is never written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .engine import PROJECT_DIR, run_stack
from .plan_model import Plan

Change = Callable[[dict[str, Any]], None]


def stack_document(stack: str, stack_file: Path | None = None) -> dict[str, Any]:
    return yaml.safe_load((stack_file or PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()) or {}


def run_variant(stack: str, change: Change, stack_file: Path | None = None, prior: Plan | None = None) -> Plan:
    """Plans `stack` with `change` applied to its config (a dict of `ohmycoins:<area>` objects)."""
    document = stack_document(stack, stack_file)
    change(document.setdefault("config", {}))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"Pulumi.{stack}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        return run_stack(stack, path, prior=prior)


def general(config: dict[str, Any]) -> dict[str, Any]:
    return config.setdefault("ohmycoins:general", {})


def set_paused(paused: bool) -> Change:
    """Running or paused; a paused production also says it means it (allowProductionPause)."""

    def change(config: dict[str, Any]) -> None:
        general(config)["paused"] = paused
        if paused and general(config).get("environment") == "production":
            general(config)["allowProductionPause"] = True

    return change


def running_and_paused(stack: str, stack_file: Path | None = None) -> tuple[Plan, Plan]:
    """The stack running, then paused as an update of that running plan (what `pulumi up` would do)."""
    running = run_variant(stack, set_paused(False), stack_file)
    paused = run_variant(stack, set_paused(True), stack_file, prior=running)
    return running, paused
