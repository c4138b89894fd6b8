"""The layout reads like the architecture: a package per concern, and no import cycles anywhere."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.engine import PROJECT_DIR

PROGRAM_ROOTS = ("components", "k8s", "tools", "policy")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _program_modules() -> dict[str, Path]:
    modules = {"__main__": PROJECT_DIR / "__main__.py"}
    for root in PROGRAM_ROOTS:
        modules.update({_module_name(path): path for path in (PROJECT_DIR / root).rglob("*.py")})
    return modules


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every program module `name` imports, at module level or inside a function, TYPE_CHECKING included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_cycle_finder_sees_a_two_module_cycle_and_ignores_a_chain():
    assert import_cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_imports_a_module_that_imports_it_back():
    modules = _program_modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
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
