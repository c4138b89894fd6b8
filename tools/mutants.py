"""Defects planted one at a time in the program's source, for the mutation check (tools/mutation.py).

Each operator rewrites one expression the way a plausible wrong change would: a flag flipped, a
number changed, a scope widened to `*`, a CIDR opened to the internet, a keyword argument, a
dictionary entry or a list element dropped (a condition, a redaction, a rule), a comparison or a
boolean operator turned, a `not` removed, an operand dropped (a cost multiplier). A mutant
replaces the expression's exact source span, so every other line of the file stays as written.

Nothing is planted where it cannot change behaviour: docstrings and comments, function
signatures' annotations, decorators, messages (raise, print, logging, warnings, argparse help and
descriptions), `description=` texts and IAM statement ids, `__all__`. Mutants that parse to the
original expression, or repeat another mutant of the same span, are dropped.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Calls whose arguments are text for people, or a component's outputs recorded in the state
# (`register_outputs`: nothing reads them back): planting there changes no behaviour.
MESSAGE_CALLS = frozenset(
    {
        "print",
        "debug",
        "info",
        "warn",
        "warning",
        "error",
        "exception",
        "log",
        "add_argument",
        "ArgumentParser",
        "add_parser",
        "register_outputs",
    }
)
# Subscripts that build types (`tuple[str, ...]`, `dict[str, Any]`): only `Literal` choices are behaviour.
TYPE_SUBSCRIPTS = frozenset(
    {"tuple", "list", "dict", "set", "frozenset", "type", "Mapping", "Sequence", "Callable", "Iterable", "Iterator", "Optional", "Union"}
)
# Keyword arguments and dictionary keys that hold text for people or labels AWS ignores.
TEXT_KEYS = frozenset({"description", "Description", "alarm_description", "help", "metavar", "epilog", "title", "Sid"})
# Where an IAM statement names its scope; widening one to "*" is the classic defect.
SCOPE_KEYS = frozenset({"Resource", "Principal"})

_IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
_CIDR = re.compile(r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$")
_DROPPED_OPERAND = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.BitOr)
_TURNED_COMPARISON = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Mutant:
    """One defect: the bytes `start:end` of `path` become `replacement`."""

    path: str
    line: int
    operator: str
    change: str
    start: int
    end: int
    replacement: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def area(self) -> str:
        """The top-level folder: components, k8s, tools or policy."""
        return self.path.split("/", 1)[0]

    def apply(self, source: bytes) -> bytes:
        return source[: self.start] + self.replacement.encode() + source[self.end :]


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Planter(ast.NodeVisitor):
    """Walks one module and proposes (node, operator, change, new node or text) for every site."""

    def __init__(self) -> None:
        self.sites: list[tuple[ast.AST, str, str, ast.AST | str]] = []

    def propose(self, node: ast.AST, operator: str, change: str, new: ast.AST | str) -> None:
        self.sites.append((node, operator, change, new))

    # What is never visited.

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self._body(node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._body(node.body)

    def visit_Module(self, node: ast.Module) -> None:
        self._body(node.body)

    def _body(self, body: list[ast.stmt]) -> None:
        for index, statement in enumerate(body):
            is_docstring = index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            if not is_docstring:
                self.visit(statement)

    def visit_Raise(self, node: ast.Raise) -> None:
        return

    def visit_Import(self, node: ast.Import) -> None:
        return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__":
            return
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            return
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets):
            return
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        # A class field's annotation is behaviour for pydantic (Literal choices, Field bounds).
        self._annotation(node.annotation)
        if node.value is not None:
            self.visit(node.value)

    def _annotation(self, node: ast.AST) -> None:
        if isinstance(node, ast.Subscript):
            is_literal = _name_of(node.value) == "Literal"
            if is_literal and isinstance(node.slice, ast.Tuple):
                self._drop_elements(node.slice)
            for part in node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]:
                self._annotation(part)
        elif isinstance(node, ast.BinOp):
            self._annotation(node.left)
            self._annotation(node.right)
        elif isinstance(node, ast.Call):
            self.visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        name = _name_of(node.value).rpartition(".")[2]
        if name == "Literal" and isinstance(node.slice, ast.Tuple):
            self._drop_elements(node.slice)
        elif name not in TYPE_SUBSCRIPTS:
            self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("arn:"):
            self.propose(node, "widen-arn", f"{_short(ast.unparse(node))} -> '*'", ast.Constant("*"))

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):
            return
        self.generic_visit(node)

    # Operators.

    def visit_Call(self, node: ast.Call) -> None:
        if _call_name(node) in MESSAGE_CALLS or _name_of(node.func) == "warnings.warn":
            return
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYS:
                continue
            shown = f"{keyword.arg}=" if keyword.arg else "**"
            remaining = [k for k in node.keywords if k is not keyword]
            self.propose(
                node,
                "drop-keyword",
                f"drop {shown}{_short(ast.unparse(keyword.value), 40)}",
                ast.Call(node.func, node.args, remaining),
            )
            if keyword.arg is not None:
                self._string(keyword.value)
            self.visit(keyword.value)
        self.visit(node.func)
        for argument in node.args:
            self.visit(argument)

    def visit_Dict(self, node: ast.Dict) -> None:
        is_statement = any(isinstance(key, ast.Constant) and key.value == "Effect" for key in node.keys)
        for index, (key, value) in enumerate(zip(node.keys, node.values, strict=True)):
            key_text = key.value if isinstance(key, ast.Constant) else None
            if key_text in TEXT_KEYS:
                continue
            shown = ast.unparse(key) if key is not None else "**" + ast.unparse(value)
            keys = node.keys[:index] + node.keys[index + 1 :]
            values = node.values[:index] + node.values[index + 1 :]
            self.propose(node, "drop-entry", f"drop entry {_short(shown, 50)}", ast.Dict(keys, values))
            if key_text in SCOPE_KEYS and is_statement:
                self._widen(value)
            if key is not None:
                self.visit(key)
                self._string(value)
            self.visit(value)

    def visit_List(self, node: ast.List) -> None:
        self._drop_elements(node)
        self.generic_visit(node)

    visit_Tuple = visit_List
    visit_Set = visit_List

    def _drop_elements(self, node: ast.List | ast.Tuple | ast.Set) -> None:
        if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load) or not node.elts:
            return
        for index, element in enumerate(node.elts):
            if isinstance(element, ast.Starred):
                continue
            rest = node.elts[:index] + node.elts[index + 1 :]
            if isinstance(node, ast.Set) and not rest:
                continue  # `{}` would be a dict
            new = type(node)(rest, ast.Load()) if not isinstance(node, ast.Set) else ast.Set(rest)
            self.propose(node, "drop-element", f"drop element {_short(ast.unparse(element), 50)}", new)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self.propose(node, "flip-bool", f"{value} -> {not value}", ast.Constant(not value))
        elif isinstance(value, int):
            self.propose(node, "change-number", f"{value} -> {value + 1}", ast.Constant(value + 1))
        elif isinstance(value, float):
            self.propose(node, "change-number", f"{value} -> {value * 2}", ast.Constant(value * 2))
        elif isinstance(value, str):
            if _CIDR.match(value) and value != "0.0.0.0/0":
                self.propose(node, "open-cidr", f"'{value}' -> '0.0.0.0/0'", ast.Constant("0.0.0.0/0"))
            elif _IAM_ACTION.match(value):
                service = value.split(":", 1)[0]
                self.propose(node, "widen-action", f"'{value}' -> '{service}:*'", ast.Constant(f"{service}:*"))
            elif value.startswith("arn:") and value != "*":
                self.propose(node, "widen-arn", f"'{_short(value, 40)}' -> '*'", ast.Constant("*"))

    def _string(self, node: ast.AST) -> None:
        """A plain string value of a keyword argument or dictionary entry emptied."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value and not node.value.isspace():
            self.propose(node, "empty-string", f"'{_short(node.value, 40)}' -> ''", ast.Constant(""))

    def _widen(self, node: ast.AST) -> None:
        wide: ast.AST = (
            ast.List([ast.Constant("*")], ast.Load()) if isinstance(node, (ast.List, ast.ListComp, ast.Tuple)) else ast.Constant("*")
        )
        if ast.dump(wide) != ast.dump(node):
            self.propose(node, "widen-scope", f"{_short(ast.unparse(node), 40)} -> {ast.unparse(wide)}", wide)

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            turned = _TURNED_COMPARISON[type(op)]()
            ops = [*node.ops[:index], turned, *node.ops[index + 1 :]]
            before = ast.unparse(ast.Compare(ast.Name("a"), [op], [ast.Name("b")]))[2:-2]
            after = ast.unparse(ast.Compare(ast.Name("a"), [turned], [ast.Name("b")]))[2:-2]
            self.propose(
                node,
                "turn-comparison",
                f"{before} -> {after} in {_short(ast.unparse(node), 40)}",
                ast.Compare(node.left, ops, node.comparators),
            )
            if isinstance(op, (ast.Eq, ast.NotEq)):
                for operand in [node.left, *node.comparators]:
                    self._string(operand)
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        turned = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        names = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        self.propose(node, "turn-boolean", f"{names[0]} -> {names[1]} in {_short(ast.unparse(node), 40)}", ast.BoolOp(turned, node.values))
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.propose(node, "drop-not", f"drop not in {_short(ast.unparse(node), 50)}", node.operand)
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, _DROPPED_OPERAND):
            self.propose(node, "drop-operand", f"{_short(ast.unparse(node), 40)} -> {_short(ast.unparse(node.left), 30)}", node.left)
        self.generic_visit(node)


def _name_of(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name_of(node.value)}.{node.attr}"
    return ""


def _offsets(source: bytes) -> list[int]:
    """Byte offset of the start of each line (1-based line numbers index it directly)."""
    starts = [0, 0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def mutants_of(path: str, source: bytes) -> list[Mutant]:
    """Every mutant of one file (path relative to the project, posix), in source order, deduplicated."""
    tree = ast.parse(source)
    planter = _Planter()
    planter.visit(tree)
    lines = _offsets(source)
    found: dict[tuple[int, int, str], Mutant] = {}
    for node, operator, change, new in planter.sites:
        start = lines[node.lineno] + node.col_offset
        end = lines[node.end_lineno] + node.end_col_offset
        text = new if isinstance(new, str) else ast.unparse(new)
        if ast.dump(ast.parse(f"({text})", mode="eval").body) == ast.dump(ast.parse(f"({source[start:end].decode()})", mode="eval").body):
            continue
        replacement = f"({text})"
        key = (start, end, replacement)
        if key not in found:
            found[key] = Mutant(path, node.lineno, operator, change, start, end, replacement)
    return sorted(found.values(), key=lambda m: (m.start, m.end, m.operator, m.replacement))


def candidate_files(project_dir: Path, roots: tuple[str, ...], excluded: frozenset[str]) -> list[str]:
    """The Python files under `roots` the check may plant defects in, relative and sorted."""
    files = []
    for root in roots:
        for path in sorted((project_dir / root).rglob("*.py")):
            relative = path.relative_to(project_dir).as_posix()
            if relative not in excluded and "__pycache__" not in path.parts:
                files.append(relative)
    return files


def all_mutants(project_dir: Path, files: list[str]) -> list[Mutant]:
    return [m for relative in files for m in mutants_of(relative, (project_dir / relative).read_bytes())]


def sample(mutants: list[Mutant], count: int, seed: int, source_of) -> list[Mutant]:
    """`count` mutants drawn with `seed`, spread over the top-level folders in proportion to their
    mutants (each folder gets at least an even tenth); only mutants whose file still parses.

    The same code, count and seed always give the same sample, in the same order.
    """
    by_area: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        by_area.setdefault(mutant.area, []).append(mutant)
    quotas = _quotas({area: len(found) for area, found in sorted(by_area.items())}, count)
    rng = random.Random(seed)
    chosen: list[Mutant] = []
    for area, found in sorted(by_area.items()):
        order = list(found)
        rng.shuffle(order)
        taken = 0
        for mutant in order:
            if taken == quotas[area]:
                break
            if _parses(mutant.apply(source_of(mutant.path))):
                chosen.append(mutant)
                taken += 1
    return sorted(chosen, key=lambda m: (m.path, m.start, m.operator, m.replacement))


def _quotas(sizes: dict[str, int], count: int) -> dict[str, int]:
    """Largest-remainder shares of `count` in proportion to `sizes`, each at least count // 10."""
    floor = count // 10
    total = sum(sizes.values()) or 1
    quotas = {area: min(size, max(floor, count * size // total)) for area, size in sizes.items()}
    spare = count - sum(quotas.values())
    ranked = sorted(sizes, key=lambda area: (-(count * sizes[area] % total), area))
    while spare > 0 and any(quotas[a] < sizes[a] for a in ranked):
        for area in ranked:
            if spare > 0 and quotas[area] < sizes[area]:
                quotas[area] += 1
                spare -= 1
    while spare < 0:
        area = max(quotas, key=lambda a: (quotas[a] - floor, a))
        quotas[area] -= 1
        spare += 1
    return quotas


def _parses(source: bytes) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def iter_lines(mutants: list[Mutant]) -> Iterator[str]:
    for mutant in mutants:
        yield f"{mutant.where}  {mutant.operator}: {mutant.change}"
