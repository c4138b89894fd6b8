"""`make bench`: how long the offline engine takes, as whole processes, median of several runs.

python -m tools.bench [--runs N] [--suite-runs N] [--skip-suite]

Measures, each in a fresh Python process as a user would start it:
- importing the SDK modules the program uses (the floor under any plan);
- the offline plan of each stack (`python -m tools.plan STACK`);
- the test suite (`python -m pytest -q`).
Not a test: machines differ; the table is for comparing changes on one machine.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROGRAM_SOURCES = ["__main__.py", "components", "k8s"]


@dataclass(frozen=True)
class Timing:
    what: str
    seconds: list[float]
    failed: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def sdk_modules(project_dir: Path = PROJECT_DIR) -> list[str]:
    """The third-party Pulumi packages the program imports (pulumi, pulumi_aws, ...), from its source."""
    found: set[str] = set()
    for source in PROGRAM_SOURCES:
        path = project_dir / source
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []:
            for node in ast.walk(ast.parse(file.read_text())):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                found.update(n.split(".")[0] for n in names if n.split(".")[0].startswith("pulumi"))
    return sorted(found)


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
    modules = sdk_modules()
    timings = [time_process(f"import {', '.join(modules)}", [python, "-c", f"import {', '.join(modules)}"], args.runs)]
    for stack in stacks():
        timings.append(time_process(f"plan {stack} (python -m tools.plan {stack})", [python, "-m", "tools.plan", stack], args.runs))
    if not args.skip_suite:
        timings.append(time_process("test suite (python -m pytest -q)", [python, "-m", "pytest", "-q"], args.suite_runs))
    sys.stdout.write(render(timings, timings[0].median))
    return 0


if __name__ == "__main__":
    sys.exit(main())
