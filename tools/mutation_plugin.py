"""pytest plugin of the mutation check (`-p tools.mutation_plugin`; tools/mutation.py loads it).

Two things make a mutant cheap to judge, both driven by environment variables the check sets:

- MUTATION_FOCUS: test paths (separated by os.pathsep) that run before the rest of the suite, so
  with `-x` a mutant dies at the first failure of the tests of its own concern;
- MUTATION_PLANS=record|replay with MUTATION_PLANS_DIR: the unmutated program's plans are
  recorded once, and replayed for a mutant in a file the offline engine never runs (the policy
  rules, cost, diff, ...): the plan of an unchanged program is the same, only what reads it changed.
  A test that has patched the mocks gets a real run: it watches the run, not only its plan.

Without these variables the plugin changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import pytest

from tools import engine, mocks

_run_stack = engine.run_stack
# The mocks as loaded: a test that patches them (to record what the program sends AWS) watches the
# run itself, which a replayed plan never makes.
_MOCKS = dict(vars(mocks.AwsMocks))


def _mocks_patched() -> bool:
    return dict(vars(mocks.AwsMocks)) != _MOCKS


def _plan_file(stack: str, stack_file: Path | None, prior: engine.Plan | None) -> Path:
    path = stack_file or engine.PROJECT_DIR / f"Pulumi.{stack}.yaml"
    # A plan that updates a prior one depends on that prior too (its ignored inputs are kept).
    prior_bytes = pickle.dumps(prior) if prior is not None else b""
    key = hashlib.sha256(stack.encode() + b"\0" + path.read_bytes() + b"\0" + prior_bytes).hexdigest()[:32]
    return Path(os.environ["MUTATION_PLANS_DIR"]) / f"{key}.pickle"


def run_stack(
    stack: str, stack_file: Path | None = None, project_dir: Path = engine.PROJECT_DIR, prior: engine.Plan | None = None
) -> engine.Plan:
    """engine.run_stack, answered from the recorded plans when replaying (the project's own program only)."""
    if project_dir != engine.PROJECT_DIR:
        return _run_stack(stack, stack_file, project_dir, prior)
    recorded = _plan_file(stack, stack_file, prior)
    if os.environ["MUTATION_PLANS"] == "replay" and recorded.exists() and not _mocks_patched():
        return pickle.loads(recorded.read_bytes())
    plan = _run_stack(stack, stack_file, project_dir, prior)
    if os.environ["MUTATION_PLANS"] == "record":
        recorded.write_bytes(pickle.dumps(plan))
    return plan


# Installed when the plugin loads, before any conftest or test module imports `run_stack`.
if os.environ.get("MUTATION_PLANS") in ("record", "replay"):
    engine.run_stack = run_stack


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    focus = [Path(path).resolve() for path in os.environ.get("MUTATION_FOCUS", "").split(os.pathsep) if path]
    if not focus:
        return

    def focused(item: pytest.Item) -> bool:
        return any(item.path == path or path in item.path.parents for path in focus)

    items[:] = [item for item in items if focused(item)] + [item for item in items if not focused(item)]
