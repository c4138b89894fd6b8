"""Which program module imports which, read from the source (no import is executed).

Used by the layout test (no import cycles) and by the mutation check (which files the offline
engine runs, and which tests import a mutated module).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

PROGRAM_ROOTS = ("components", "k8s", "tools", "policy")


def module_name(path: Path, project_dir: Path) -> str:
    """components/data/kms.py -> components.data.kms; a package's __init__.py -> the package."""
    parts = path.relative_to(project_dir).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def program_modules(project_dir: Path, roots: Iterable[str] = PROGRAM_ROOTS) -> dict[str, Path]:
    """Every module of the program (`__main__` and the packages under `roots`), by dotted name."""
    modules = {"__main__": project_dir / "__main__.py"}
    for root in roots:
        modules.update({module_name(path, project_dir): path for path in sorted((project_dir / root).rglob("*.py"))})
    return modules


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of `known` that `name` imports, at module level or inside a function, TYPE_CHECKING included."""
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


def reachable(graph: dict[str, set[str]], starts: Iterable[str]) -> set[str]:
    """The modules `starts` import, directly or through others, themselves included."""
    seen: set[str] = set()
    todo = [start for start in starts if start in graph]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module] - seen)
    return seen


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
