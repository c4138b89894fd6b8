"""`make bench`: how long the offline engine takes, as whole processes, median of several runs.

python -m tools.bench [--runs N] [--suite-runs N] [--skip-suite]

Measures, each in a fresh Python process as a user would start it:
- importing every module a plan loads except the program's own (SDK submodules, libraries,
  standard library): the floor under any plan, recorded from a plan of each stack;
- the offline plan of each stack (`python -m tools.plan STACK`);
- the test suite (`python -m pytest -q`).
Not a test: machines differ; the table is for comparing changes on one machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Timing:
    what: str
    seconds: list[float]
    failed: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


# Run in a fresh process: plan a stack, then list every module it left loaded, with its file.
RECORD_MODULES = """
import contextlib, io, json, sys
from tools.plan import main
with contextlib.redirect_stdout(io.StringIO()):
    main([sys.argv[1]])
print(json.dumps([[name, getattr(module, "__file__", None)] for name, module in list(sys.modules.items())]))
"""
# Imports each listed module; prints the ones that do not import on their own.
IMPORT_MODULES = """
import importlib, sys
for name in open(sys.argv[1]).read().split():
    try:
        importlib.import_module(name)
    except Exception:
        print(name)
"""


def is_program_module(name: str, file: str | None, project_dir: Path = PROJECT_DIR) -> bool:
    """The program's and engine's own modules (and the entry points), which the import floor leaves out."""
    if name.startswith("__") or name == "_virtualenv":
        return True
    if file is None:
        return False
    path = Path(file).resolve()
    return path.is_relative_to(project_dir) and not any(part.startswith(".venv") for part in path.relative_to(project_dir).parts)


def plan_modules(stacks: list[str], project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every module a plan of any of `stacks` loads, the program's own excepted, in load order.

    The SDK packages load their submodules lazily, so importing `pulumi_aws` alone loads a
    fraction of what a plan does; this list is the true floor under a plan.
    """
    loaded: dict[str, None] = {}
    for stack in stacks:
        result = subprocess.run([sys.executable, "-c", RECORD_MODULES, stack], cwd=project_dir, capture_output=True, text=True, check=True)
        for name, file in json.loads(result.stdout.strip().splitlines()[-1]):
            if not is_program_module(name, file, project_dir):
                loaded.setdefault(name)
    return list(loaded)


def time_process(what: str, command: list[str], runs: int) -> Timing:
    """Runs a command `runs` times; a run that exits non-zero is still timed, and counted as failed."""
    seconds, failed = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - start)
        failed += result.returncode != 0
    return Timing(what, seconds, failed)


def stacks(project_dir: Path = PROJECT_DIR) -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in project_dir.glob("Pulumi.*.yaml"))


def render(timings: list[Timing], import_median: float) -> str:
    width = max(len(t.what) for t in timings)
    lines = [f"{'what':<{width}}  {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} {'beyond imports':>15}"]
    for t in timings:
        beyond = f"{t.median - import_median:.2f}s" if t.what.startswith("plan ") else ""
        note = f"  ({t.failed} of {len(t.seconds)} runs exited non-zero)" if t.failed else ""
        lines.append(
            f"{t.what:<{width}}  {len(t.seconds):>4} {t.median:>9.2f} {min(t.seconds):>7.2f} {max(t.seconds):>7.2f} {beyond:>15}{note}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each import and plan measurement (default 3)")
    parser.add_argument("--suite-runs", type=int, default=3, help="runs of the test suite (default 3)")
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    args = parser.parse_args(argv)

    python = sys.executable
    modules = plan_modules(stacks())
    with tempfile.TemporaryDirectory() as work:
        listing = Path(work) / "modules.txt"
        listing.write_text("\n".join(modules))
        # A first run finds the few that need their parent's context, and warms the file cache.
        unimportable = set(subprocess.run([python, "-c", IMPORT_MODULES, str(listing)], capture_output=True, text=True).stdout.split())
        listing.write_text("\n".join(m for m in modules if m not in unimportable))
        what = f"import the {len(modules) - len(unimportable)} modules a plan loads"
        timings = [time_process(what, [python, "-c", IMPORT_MODULES, str(listing)], args.runs)]
    for stack in stacks():
        timings.append(time_process(f"plan {stack} (python -m tools.plan {stack})", [python, "-m", "tools.plan", stack], args.runs))
    if not args.skip_suite:
        timings.append(time_process("test suite (python -m pytest -q)", [python, "-m", "pytest", "-q"], args.suite_runs))
    sys.stdout.write(render(timings, timings[0].median))
    if unimportable:
        sys.stdout.write(f"({len(unimportable)} loaded modules do not import on their own: {', '.join(sorted(unimportable))})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
