"""The mutation check: which defects it plants, where it never plants, how it samples and whom it asks first."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from tools import mutation_plugin
from tools.engine import PROJECT_DIR
from tools.mutants import Mutant, mutants_of, sample
from tools.mutation import EXCLUDED, focus_tests, imports_of_tests, planning_files, select_files

SOURCE = '''"""A module docstring with True and 80 in it."""
import json

LIMIT = 80
TOPIC = "arn:aws:sns:ap-southeast-2:1:alerts"
FLAGS = {"enabled": True, "Sid": "Statement"}


def policy(bucket: str = "b", retries: int = 3) -> dict:
    """A docstring, never mutated."""
    if not bucket or retries > 5:
        raise ValueError(f"bad bucket {bucket}, retry 7 times")
    rule = make(port=443, cidr="10.0.0.0/16", description="HTTPS from the VPC")
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*", "Condition": {"Bool": True}}
'''


def changes(source: str = SOURCE) -> set[tuple[str, str]]:
    return {(m.operator, m.change) for m in mutants_of("components/x.py", source.encode())}


def test_the_operators_plant_the_defects_a_change_could_introduce():
    found = changes()
    assert {
        ("change-number", "80 -> 81"),
        ("flip-bool", "True -> False"),
        ("drop-not", "drop not in not bucket"),
        ("turn-boolean", "or -> and in not bucket or retries > 5"),
        ("turn-comparison", "> -> >= in retries > 5"),
        ("change-number", "443 -> 444"),
        ("drop-keyword", "drop port=443"),
        ("open-cidr", "'10.0.0.0/16' -> '0.0.0.0/0'"),
        ("widen-action", "'s3:GetObject' -> 's3:*'"),
        ("widen-scope", "f'arn:aws:s3:::{bucket}/*' -> '*'"),
        ("widen-arn", "'arn:aws:sns:ap-southeast-2:1:alerts' -> '*'"),
        ("drop-entry", "drop entry 'Condition'"),
        ("drop-entry", "drop entry 'enabled'"),
        ("empty-string", "'Allow' -> ''"),
    } <= found


def test_nothing_is_planted_in_text_for_people_or_in_signatures():
    found = changes()
    # Docstrings, raise messages, descriptions, statement ids, signatures' defaults and annotations.
    assert not [c for c in found if "7" in c[1] or "docstring" in c[1]]
    assert not [c for c in found if "description" in c[1] or "HTTPS from the VPC" in c[1]]
    assert not [c for c in found if "Sid" in c[1] or "Statement'" in c[1]]
    assert ("change-number", "3 -> 4") in found  # a default value is behaviour
    assert not [c for c in found if "str" in c[1] or "dict" in c[1]]
    assert not [m for m in mutants_of("components/x.py", SOURCE.encode()) if m.line == 1]


def test_a_mutant_rewrites_only_its_own_span_and_still_parses():
    source = SOURCE.encode()
    for mutant in mutants_of("components/x.py", source):
        mutated = mutant.apply(source)
        ast.parse(mutated)
        assert mutated[: mutant.start] == source[: mutant.start]
        assert mutated.endswith(source[mutant.end :])
        assert mutated != source


def test_identical_mutants_of_one_span_are_planted_once():
    mutants = mutants_of("components/x.py", b'RULE = {"Effect": "Allow", "Resource": "arn:aws:s3:::b"}\n')
    spans = [(m.start, m.end, m.replacement) for m in mutants]
    assert len(spans) == len(set(spans))
    assert sum(m.replacement == "('*')" for m in mutants) == 1


def test_literal_choices_of_a_settings_model_lose_one_choice_at_a_time():
    source = b"class S(Model):\n    strategy: Literal['none', 'single', 'per-az']\n    count: int = Field(ge=1, le=5)\n"
    found = changes(source.decode())
    assert {("drop-element", "drop element 'none'"), ("drop-element", "drop element 'per-az'"), ("drop-keyword", "drop le=5")} <= found


def _mutants(path: str, count: int) -> list[Mutant]:
    return [Mutant(path, line, "flip-bool", "True -> False", line, line + 1, "(False)") for line in range(count)]


def test_the_sample_is_the_same_for_the_same_seed_and_spread_over_the_folders():
    pool = _mutants("components/a.py", 300) + _mutants("k8s/b.py", 60) + _mutants("tools/c.py", 100) + _mutants("policy/d.py", 40)

    def source(_path: str) -> bytes:
        return b"x = True\n" * 400

    first, again, other = sample(pool, 40, 1, source), sample(pool, 40, 1, source), sample(pool, 40, 2, source)
    assert first == again and first != other
    assert len(first) == 40
    per_area = {area: sum(m.area == area for m in first) for area in ("components", "k8s", "tools", "policy")}
    # In proportion to each folder's mutants, and never fewer than a tenth of the sample.
    assert per_area == {"components": 24, "k8s": 4, "tools": 8, "policy": 4}


def test_mutants_that_do_not_parse_are_not_sampled():
    broken = Mutant("tools/c.py", 1, "drop-element", "x", 0, 8, "(")
    fine = Mutant("tools/c.py", 1, "flip-bool", "True -> False", 4, 8, "(False)")
    assert sample([broken, fine], 2, 1, lambda _path: b"x = True\n") == [fine]


def test_a_mutant_runs_its_concerns_tests_first():
    test_imports = imports_of_tests(PROJECT_DIR)
    assert focus_tests("components/data/kms.py", PROJECT_DIR, test_imports)[0] == "tests/data"
    assert focus_tests("components/compute/ecs/iam.py", PROJECT_DIR, test_imports)[0] == "tests/compute/ecs"
    assert focus_tests("policy/rules/iam.py", PROJECT_DIR, test_imports)[0] == "tests/policy"
    assert "tests/observability/test_alert_rules.py" in focus_tests("k8s/alert_rules.py", PROJECT_DIR, test_imports)


def test_only_files_the_engine_does_not_run_may_reuse_the_recorded_plans():
    planning = planning_files(PROJECT_DIR)
    assert {"__main__.py", "components/data/kms.py", "k8s/workloads.py", "tools/engine.py", "tools/mocks.py"} <= planning
    assert not {"policy/rules/iam.py", "tools/cost.py", "tools/diff.py", "tools/diagram.py"} & planning


def test_the_mocks_and_the_checks_own_machinery_are_not_judged():
    files = select_files([])
    assert not set(files) & EXCLUDED
    assert {"components/settings.py", "k8s/manifests.py", "tools/cost.py", "policy/pack.py"} <= set(files)
    assert select_files(["policy/rules"]) == [f for f in files if f.startswith("policy/rules/")]


@pytest.fixture
def recording(tmp_path, monkeypatch) -> tuple[Path, list]:
    """A stack file, and the engine runs the plugin makes (each returns 'plan <n>'), in record mode."""
    stack_file = tmp_path / "Pulumi.staging.yaml"
    stack_file.write_text("config: {}\n")
    calls = []
    monkeypatch.setattr(mutation_plugin, "_run_stack", lambda *args: calls.append(args) or f"plan {len(calls)}")
    monkeypatch.setenv("MUTATION_PLANS_DIR", str(tmp_path))
    monkeypatch.setenv("MUTATION_PLANS", "record")
    return stack_file, calls


def test_replayed_plans_skip_the_engine_and_recorded_ones_are_kept(recording, monkeypatch):
    stack_file, calls = recording
    assert mutation_plugin.run_stack("staging", stack_file) == "plan 1"
    monkeypatch.setenv("MUTATION_PLANS", "replay")
    assert mutation_plugin.run_stack("staging", stack_file) == "plan 1"
    stack_file.write_text("config: {a: 1}\n")
    assert mutation_plugin.run_stack("staging", stack_file) == "plan 2"
    assert len(calls) == 2


def test_a_plan_updating_a_prior_is_recorded_apart_and_gets_its_prior(recording, monkeypatch):
    stack_file, calls = recording
    assert mutation_plugin.run_stack("staging", stack_file) == "plan 1"
    assert mutation_plugin.run_stack("staging", stack_file, prior="running plan") == "plan 2"
    assert calls[-1][-1] == "running plan"
    monkeypatch.setenv("MUTATION_PLANS", "replay")
    assert mutation_plugin.run_stack("staging", stack_file, prior="running plan") == "plan 2"
    assert mutation_plugin.run_stack("staging", stack_file, prior="another plan") == "plan 3"


def test_focused_tests_run_first_in_their_own_order(monkeypatch):
    items = [SimpleNamespace(path=PROJECT_DIR / "tests" / name / "test_x.py") for name in ("a", "data", "b", "data")]
    monkeypatch.setenv("MUTATION_FOCUS", str(Path("tests/data")))
    monkeypatch.chdir(PROJECT_DIR)
    reordered = list(items)
    mutation_plugin.pytest_collection_modifyitems(None, None, reordered)
    assert [item.path.parent.name for item in reordered] == ["data", "data", "a", "b"]


@pytest.mark.parametrize("operator", ["change-number", "drop-operand", "empty-string"])
def test_the_pictures_pixels_and_labels_are_not_judged(operator):
    from tools.mutation import SKIPPED_OPERATORS

    assert operator in SKIPPED_OPERATORS["tools/diagram.py"]


def test_types_and_recorded_outputs_are_not_behaviour():
    source = (
        "Path = tuple[str | int, ...]\n"
        "CHOICE = Literal['a', 'b']\n"
        "x = values[1, 2]\n"
        "class C:\n"
        "    def f(self):\n"
        "        self.register_outputs({'arn': self.arn, 'name': 'n'})\n"
    )
    found = changes(source)
    assert ("drop-element", "drop element 'a'") in found and ("drop-element", "drop element 1") in found
    assert not [c for c in found if "str" in c[1] or "arn" in c[1] or "'n'" in c[1]]


def test_a_test_watching_the_mocks_gets_a_real_run_not_a_replay(recording, monkeypatch):
    from tools import mocks

    stack_file, _ = recording
    mutation_plugin.run_stack("staging", stack_file)
    monkeypatch.setenv("MUTATION_PLANS", "replay")
    monkeypatch.setattr(mocks.AwsMocks, "new_resource", lambda self, args: None)
    assert mutation_plugin.run_stack("staging", stack_file) == "plan 2"
