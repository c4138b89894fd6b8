"""The layout reads like the architecture: a package per concern, and no import cycles anywhere."""

from __future__ import annotations

import ast

import pytest

from tools.engine import PROJECT_DIR
from tools.import_graph import import_cycles, imports, program_modules, reachable


def test_cycle_finder_sees_a_two_module_cycle_and_ignores_a_chain():
    assert import_cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_imports_a_module_that_imports_it_back():
    modules = program_modules(PROJECT_DIR)
    graph = {name: imports(name, path, set(modules)) for name, path in modules.items()}
    assert import_cycles(graph) == []


def test_components_holds_concern_packages_not_loose_modules():
    loose = sorted(path.name for path in (PROJECT_DIR / "components").glob("*.py"))
    assert loose == ["__init__.py", "settings.py"]
    packages = sorted(path.name for path in (PROJECT_DIR / "components").iterdir() if (path / "__init__.py").exists())
    assert packages == ["compute", "data", "edge", "network", "observability", "recovery", "security", "shared"]


@pytest.mark.parametrize("package", sorted(p.parent for p in (PROJECT_DIR / "components").rglob("__init__.py")))
def test_every_concern_package_says_in_one_line_what_it_models(package):
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert docstring and "\n" not in docstring, f"{package.relative_to(PROJECT_DIR)} needs a one-line docstring"


def test_the_program_is_every_package_of_the_layout():
    modules = program_modules(PROJECT_DIR)
    assert {"__main__", "components.settings", "components.data.kms", "k8s.manifests", "tools.engine", "policy.rules.iam"} <= set(modules)
    assert {name.split(".")[0] for name in modules} == {"__main__", "components", "k8s", "tools", "policy"}


def test_reachable_modules_follow_imports_transitively():
    graph = {"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}
    assert reachable(graph, ["a"]) == {"a", "b", "c"}
    assert reachable(graph, ["d", "missing"]) == {"a", "b", "c", "d"}
