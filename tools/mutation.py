"""`make mutation`: plant a sample of defects in the program, one at a time, and see whether a test fails.

python -m tools.mutation [-n N] [--seed S] [--jobs J] [--budget-minutes M] [--fail-under P]
                         [--list] [--json FILE] [PATH ...]

- The sample: N mutants (tools/mutants.py) drawn with seed S from every Python file under
  components/, k8s/, tools/ and policy/ (or the PATHs given), spread over those folders. Same
  code, N and seed: same sample. `--list` prints it without running anything.
- Each mutant runs on a temporary copy of the tree (one per job), never on the working tree:
  the file is rewritten, `pytest -x` runs the tests of the mutated file's concern first, then the
  rest of the suite, and the file is restored. A failing (or timed-out) suite kills the mutant;
  a green suite means it survived: no test guards that line.
- Once per run, the unmutated suite runs first (it must pass) and records every stack's plan,
  then runs again on those recorded plans (it must pass too, or replaying would kill mutants for
  nothing); a mutant in a file the offline engine never runs (policy rules, cost, diff, ...)
  replays those plans instead of planning again (tools/mutation_plugin.py).
- Time-boxed: no mutant starts after M minutes; those not run are listed and left out of the score.

Prints the share killed, per folder and in all, and every survivor as `file:line  operator: change`.
Exits 1 when the share killed is below P percent (default 85).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .import_graph import PROGRAM_ROOTS, imports, module_name, program_modules, reachable
from .mutants import Mutant, all_mutants, candidate_files, sample

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Not judged: the check's own machinery; the benchmark (timings, no behaviour to assert); the
# CrossGuard entry point (it runs only inside the Pulumi CLI's policy host); and the mocks, whose
# values stand in for AWS's: a test that fails when a mock's invented value changes asserts the
# mock, not the program.
EXCLUDED = frozenset(
    {
        "tools/mutants.py",
        "tools/mutation.py",
        "tools/mutation_plugin.py",
        "tools/bench.py",
        "policy/__main__.py",
        "tools/mocks.py",
        "tools/mocks_data.py",
        "tools/mocks_workloads.py",
        "tools/remote_mocks.py",
    }
)
# Operators not planted in a file: the picture's coordinates, colours and labels are pixels and
# text for people, which no test should pin.
SKIPPED_OPERATORS = {"tools/diagram.py": frozenset({"change-number", "drop-operand", "empty-string"})}
# What the offline engine runs to plan a stack: a mutant elsewhere cannot change a plan.
PLANNING_ENTRY_POINTS = ("__main__", "tools.engine")
# Environments of the workspaces' virtualenvs, shared with the working tree (read-only use).
VENVS = (".venv", ".venv-checkov")

DEFAULT_COUNT = 90
DEFAULT_SEED = 7
DEFAULT_BUDGET_MINUTES = 20.0


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str  # killed, survived, timeout, error
    seconds: float
    detail: str = ""

    @property
    def killed(self) -> bool:
        return self.status in ("killed", "timeout")


def focus_tests(path: str, project_dir: Path, test_imports: dict[str, set[str]]) -> list[str]:
    """Tests to run first for a mutant in `path`: its concern's test folder and the test files importing it."""
    parts = Path(path).with_suffix("").parts
    focus: list[str] = []
    concern = parts[1:-1] if parts[0] == "components" else parts[:1]
    for depth in range(len(concern), 0, -1):
        folder = Path("tests", *concern[:depth])
        if (project_dir / folder).is_dir():
            focus.append(folder.as_posix())
            break
    module = module_name(project_dir / path, project_dir)
    for test_file, imported in sorted(test_imports.items()):
        if module in imported and not any(test_file.startswith(f"{folder}/") for folder in focus):
            focus.append(test_file)
    return focus


def imports_of_tests(project_dir: Path) -> dict[str, set[str]]:
    """Program modules each test file imports, by test file path (relative, posix)."""
    known = set(program_modules(project_dir))
    return {
        path.relative_to(project_dir).as_posix(): imports("tests." + path.stem, path, known)
        for path in sorted((project_dir / "tests").rglob("*.py"))
    }


def planning_files(project_dir: Path) -> set[str]:
    """The program files the offline engine executes to plan a stack (relative, posix)."""
    modules = program_modules(project_dir)
    graph = {name: imports(name, path, set(modules)) for name, path in modules.items()}
    run = reachable(graph, PLANNING_ENTRY_POINTS)
    packages = {".".join(name.split(".")[:depth]) for name in run for depth in range(1, name.count(".") + 1)}
    return {modules[name].relative_to(project_dir).as_posix() for name in run | (packages & set(modules))}


def make_workspace(project_dir: Path, root: Path) -> Path:
    """A copy of the tracked and new (not ignored) files, with the virtualenvs linked, not copied."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=project_dir, capture_output=True, check=True
    ).stdout
    workspace = Path(tempfile.mkdtemp(prefix="workspace-", dir=root))
    for relative in sorted(set(listed.decode().split("\0")) - {""}):
        source = project_dir / relative
        if source.is_file():
            target = workspace / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for venv in VENVS:
        if (project_dir / venv).exists():
            (workspace / venv).symlink_to(project_dir / venv)
    return workspace


def pytest_command(hypothesis_seed: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "--tb=no",
        "-rfE",
        "-p",
        "tools.mutation_plugin",
        f"--hypothesis-seed={hypothesis_seed}",
        "tests",
    ]


# Suites running now, so an interrupted check stops them before removing their workspaces.
_RUNNING: set[subprocess.Popen] = set()
_STOPPING = threading.Event()


def run_suite(workspace: Path, env: dict[str, str], timeout: float, seed: int) -> tuple[str, float, str]:
    """Runs the suite in `workspace`: (passed | failed | timeout, seconds, first failure)."""
    started = time.monotonic()
    process = subprocess.Popen(
        pytest_command(seed), cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    _RUNNING.add(process)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return "timeout", time.monotonic() - started, f"no result after {timeout:.0f} s"
    finally:
        _RUNNING.discard(process)
    seconds = time.monotonic() - started
    text = output.decode(errors="replace")
    if process.returncode == 0:
        return "passed", seconds, ""
    failures = [line for line in text.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return "failed", seconds, failures[0] if failures else text.strip().splitlines()[-1] if text.strip() else f"exit {process.returncode}"


def suite_env(plans_dir: Path, mode: str | None, focus: list[str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "MUTATION_PLANS", "MUTATION_FOCUS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a restored file must never be shadowed by a mutant's bytecode
    env["MUTATION_PLANS_DIR"] = str(plans_dir)
    env["MUTATION_FOCUS"] = os.pathsep.join(focus)
    if mode:
        env["MUTATION_PLANS"] = mode
    return env


def judge(mutant: Mutant, workspace: Path, plans_dir: Path, replay: bool, focus: list[str], timeout: float, seed: int) -> Outcome:
    """Plants one mutant in `workspace`, runs the suite, restores the file."""
    target = workspace / mutant.path
    original = target.read_bytes()
    target.write_bytes(mutant.apply(original))
    try:
        result, seconds, detail = run_suite(workspace, suite_env(plans_dir, "replay" if replay else None, focus), timeout, seed)
    finally:
        target.write_bytes(original)
    status = {"passed": "survived", "failed": "killed", "timeout": "timeout"}[result]
    return Outcome(mutant, status, seconds, detail)


def run_all(
    mutants: list[Mutant],
    workspaces: list[Path],
    plans_dir: Path,
    deadline: float,
    timeout: float,
    seed: int,
    report: Callable[[Outcome, int, int], None],
) -> tuple[list[Outcome], list[Mutant]]:
    """Judges the mutants on the workspaces in parallel; returns the outcomes and the mutants not started in time."""
    project = workspaces[0]
    test_imports = imports_of_tests(project)
    planning = planning_files(project)
    todo: queue.Queue[Mutant] = queue.Queue()
    for mutant in mutants:
        todo.put(mutant)
    outcomes: list[Outcome] = []
    skipped: list[Mutant] = []
    lock = threading.Lock()

    def work(workspace: Path) -> None:
        while True:
            try:
                mutant = todo.get_nowait()
            except queue.Empty:
                return
            if _STOPPING.is_set():
                return
            if time.monotonic() > deadline:
                with lock:
                    skipped.append(mutant)
                continue
            focus = focus_tests(mutant.path, project, test_imports)
            outcome = judge(mutant, workspace, plans_dir, mutant.path not in planning, focus, timeout, seed)
            with lock:
                outcomes.append(outcome)
                report(outcome, len(outcomes), len(mutants))

    threads = [threading.Thread(target=work, args=(workspace,), daemon=True) for workspace in workspaces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order = {mutant: index for index, mutant in enumerate(mutants)}
    return sorted(outcomes, key=lambda o: order[o.mutant]), sorted(skipped, key=order.__getitem__)


def score_lines(outcomes: list[Outcome]) -> list[str]:
    """Killed share per top-level folder and in all."""
    lines = []
    areas = sorted({o.mutant.area for o in outcomes})
    for area in [*areas, "all"]:
        chosen = [o for o in outcomes if area in ("all", o.mutant.area)]
        killed = sum(o.killed for o in chosen)
        share = 100.0 * killed / len(chosen) if chosen else 0.0
        lines.append(f"  {area + ':':<12}{killed:>4} of {len(chosen):<4} killed  {share:5.1f} %")
    return lines


def share_killed(outcomes: list[Outcome]) -> float:
    return 100.0 * sum(o.killed for o in outcomes) / len(outcomes) if outcomes else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="files or folders to plant defects in (default: components k8s tools policy)")
    parser.add_argument("-n", "--count", type=int, default=DEFAULT_COUNT, help="mutants in the sample")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the sample")
    parser.add_argument("--jobs", type=int, default=2, help="mutants judged at once, each on its own copy of the tree")
    parser.add_argument("--budget-minutes", type=float, default=DEFAULT_BUDGET_MINUTES, help="no mutant starts after this")
    parser.add_argument(
        "--timeout", type=float, default=0, help="seconds before a mutant's suite counts as hung (default: 3x the baseline)"
    )
    parser.add_argument("--fail-under", type=float, default=85.0, help="exit 1 below this share killed (percent)")
    parser.add_argument("--list", action="store_true", help="print the sample and exit")
    parser.add_argument("--json", type=Path, help="write every outcome to this file")
    args = parser.parse_args(argv)

    started = time.monotonic()
    files = select_files(args.paths)
    candidates = [m for m in all_mutants(PROJECT_DIR, files) if m.operator not in SKIPPED_OPERATORS.get(m.path, ())]
    mutants = sample(candidates, args.count, args.seed, lambda path: (PROJECT_DIR / path).read_bytes())
    print(f"{len(mutants)} mutants from {len(files)} files (seed {args.seed})", flush=True)
    if args.list:
        for mutant in mutants:
            print(f"  {mutant.where}  {mutant.operator}: {mutant.change}")
        return 0

    root = Path(tempfile.mkdtemp(prefix="ohmycoins-mutation-"))
    # `kill` ends the check like Ctrl-C: running suites are stopped and the workspaces removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        workspaces = [make_workspace(PROJECT_DIR, root) for _ in range(max(1, args.jobs))]
        plans_dir = root / "plans"
        plans_dir.mkdir()
        print("baseline: the unmutated suite, recording the plans ...", flush=True)
        result, baseline, detail = run_suite(workspaces[0], suite_env(plans_dir, "record", []), timeout=3600, seed=args.seed)
        if result != "passed":
            print(f"the unmutated suite does not pass ({detail}); fix it before judging mutants", file=sys.stderr)
            return 2
        # A test that fails on replayed plans would kill every replaying mutant for nothing.
        result, _, detail = run_suite(workspaces[0], suite_env(plans_dir, "replay", []), timeout=3600, seed=args.seed)
        if result != "passed":
            print(f"the unmutated suite fails on replayed plans ({detail}); fix the test or the plugin first", file=sys.stderr)
            return 2
        timeout = args.timeout or 3 * baseline
        print(f"baseline passed in {baseline:.0f} s, and on replayed plans; a mutant's suite times out after {timeout:.0f} s", flush=True)
        deadline = started + 60 * args.budget_minutes

        def report(outcome: Outcome, done: int, total: int) -> None:
            line = f"[{done}/{total}] {outcome.status:<8} {outcome.mutant.where}  {outcome.mutant.operator}: {outcome.mutant.change}"
            print(f"{line}  ({outcome.seconds:.0f} s){'  ' + outcome.detail if outcome.killed else ''}", flush=True)

        outcomes, not_run = run_all(mutants, workspaces, plans_dir, deadline, timeout, args.seed, report)
    finally:
        _STOPPING.set()
        for process in list(_RUNNING):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)

    survivors = [o for o in outcomes if not o.killed]
    minutes = (time.monotonic() - started) / 60
    print()
    print(f"Mutation check: {len(outcomes)} mutants judged in {minutes:.1f} min (seed {args.seed}), {share_killed(outcomes):.1f} % killed")
    print("\n".join(score_lines(outcomes)))
    if survivors:
        print(f"Survivors ({len(survivors)}): no test fails with these defects")
        for outcome in survivors:
            print(f"  {outcome.mutant.where}  {outcome.mutant.operator}: {outcome.mutant.change}")
    if not_run:
        print(f"Not run within {args.budget_minutes:g} min ({len(not_run)}):")
        for mutant in not_run:
            print(f"  {mutant.where}  {mutant.operator}: {mutant.change}")
    if args.json:
        document = {
            "seed": args.seed,
            "count": args.count,
            "killed_percent": round(share_killed(outcomes), 1),
            "outcomes": [{**asdict(o.mutant), "status": o.status, "seconds": round(o.seconds, 1), "detail": o.detail} for o in outcomes],
            "not_run": [asdict(m) for m in not_run],
        }
        args.json.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return 0 if outcomes and share_killed(outcomes) >= args.fail_under else 1


def select_files(paths: list[str]) -> list[str]:
    files = candidate_files(PROJECT_DIR, PROGRAM_ROOTS, EXCLUDED)
    if not paths:
        return files
    wanted = [Path(p).as_posix().rstrip("/") for p in paths]
    return [f for f in files if any(f == w or f.startswith(w + "/") for w in wanted)]


if __name__ == "__main__":
    sys.exit(main())
