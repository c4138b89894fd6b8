"""The deploy timeline as text and JSON, for `python -m tools.plan STACK --timeline` and
`python -m tools.plan diff OLD.json NEW.json --timeline`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .plan_model import Plan
from .timeline import Estimate, change_deploy
from .timeline_graph import Step

SLOWEST = 10
CHANGED_SHOWN = 25


def _name(estimate: Estimate, urn: str) -> str:
    return estimate.resources[urn].name


def _wait(estimate: Estimate, step: Step) -> str:
    """Which wait ended last, and why it is needed when no input says so."""
    if step.waited_on is None:
        return ""
    how = step.waited_on.describe(lambda urn: _name(estimate, urn))
    why = estimate.reasons.get(step.urn)
    return how if step.waited_on.kind == "input" or why is None else f"{how}: {why}"


def render_text(estimate: Estimate) -> str:
    lines = [
        f"Deploy timeline: {estimate.title}",
        f"  estimated {estimate.minutes:.1f} min; floor {estimate.floor_minutes:.1f} min (the longest chain of real needs); "
        f"{estimate.over_floor:.0%} over the floor",
    ]
    if estimate.delete_minutes:
        lines.append(f"  of which {estimate.delete_minutes:.1f} min of deletions, run after every create and update")
    if any(op != "create" for op in estimate.operations.values()):
        changed = estimate.changed()
        lines += ["", f"Resources this change creates, updates or replaces ({len(changed)}):"]
        lines += [
            f"  {estimate.operations[s.urn]:<8} {s.minutes:5.1f} min  {_name(estimate, s.urn)}  {estimate.resources[s.urn].type}"
            for s in changed[:CHANGED_SHOWN]
        ]
        if len(changed) > CHANGED_SHOWN:
            lines.append(f"  ... and {len(changed) - CHANGED_SHOWN} more of at most {changed[CHANGED_SHOWN].minutes:.1f} min each")
    path = estimate.schedule.critical_path
    lines += [
        "",
        f"Critical path ({estimate.schedule.minutes:.1f} min):",
        f"  {'start':>6} {'min':>5}  {'resource':<44} {'type':<50} waits through",
    ]
    for step in path:
        resource = estimate.resources[step.urn]
        op = "" if estimate.operations[step.urn] == "create" else f" ({estimate.operations[step.urn]})"
        lines.append(f"  {step.start:6.1f} {step.minutes:5.1f}  {resource.name + op:<44} {resource.type:<50} {_wait(estimate, step)}")
    floor_path = [_name(estimate, s.urn) for s in estimate.floor.critical_path if s.minutes]
    lines += ["", f"Floor ({estimate.floor.minutes:.1f} min): " + " -> ".join(floor_path)]
    lines += ["", f"Slowest resources ({min(SLOWEST, len(estimate.changed()))}):"]
    for step in estimate.slowest(SLOWEST):
        duration = estimate.durations[step.urn]
        lines.append(
            f"  {step.minutes:5.1f} min  {_name(estimate, step.urn)}  {estimate.resources[step.urn].type}  ({duration.basis}: {duration.source})"
        )
    lines.append("")
    if estimate.needless:
        lines.append("Waits on the critical path that no real need imposes:")
        for wait in estimate.needless:
            dependency = estimate.resources[wait.edge.dependency]
            lines.append(
                f"  ! {_name(estimate, wait.step.urn)} waits for {dependency.name} ({dependency.type}) through "
                f"{wait.edge.describe(lambda urn: _name(estimate, urn))}: {wait.where}"
            )
    else:
        lines.append("Waits on the critical path that no real need imposes: none")
    if estimate.unmet:
        lines.append("Required orderings the plan lacks (the deploy would race or fail):")
        lines += [f"  !! {unmet}" for unmet in estimate.unmet]
    if estimate.defaulted:
        lines.append(f"No duration entry (default assumed, tools/timeline_durations.yaml): {', '.join(estimate.defaulted)}")
    return "\n".join(lines) + "\n"


def to_json(estimate: Estimate) -> str:
    def step(s: Step) -> dict[str, Any]:
        resource = estimate.resources[s.urn]
        return {
            "name": resource.name,
            "type": resource.type,
            "operation": estimate.operations[s.urn],
            "start_minutes": round(s.start, 2),
            "minutes": round(s.minutes, 2),
            "waits_through": _wait(estimate, s),
        }

    document = {
        "stack": estimate.stack,
        "title": estimate.title,
        "estimate_minutes": round(estimate.minutes, 2),
        "floor_minutes": round(estimate.floor_minutes, 2),
        "delete_minutes": round(estimate.delete_minutes, 2),
        "over_floor": round(estimate.over_floor, 4),
        "critical_path": [step(s) for s in estimate.schedule.critical_path],
        "floor_path": [step(s) for s in estimate.floor.critical_path],
        "slowest": [step(s) for s in estimate.slowest(SLOWEST)],
        "changed": [step(s) for s in estimate.changed()] if any(op != "create" for op in estimate.operations.values()) else [],
        "needless_waits": [
            {
                "resource": _name(estimate, w.step.urn),
                "waits_for": _name(estimate, w.edge.dependency),
                "through": w.edge.describe(lambda urn: _name(estimate, urn)),
                "declared_at": w.where,
            }
            for w in estimate.needless
        ],
        "default_durations": estimate.defaulted,
        "unmet_needs": estimate.unmet,
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def diff_main(argv: list[str]) -> int:
    """`tools.plan diff OLD NEW [--markdown] --timeline`: the plan diff, then the change's timeline."""
    from .diff import main as plan_diff

    parser = argparse.ArgumentParser(prog="python -m tools.plan diff", description="A change's plan diff and its deploy timeline.")
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--timeline", action="store_true", help="then how long `pulumi up` of the change takes, and its critical path")
    parser.add_argument("--timeline-json", type=Path, metavar="FILE", help="write that timeline as JSON")
    args = parser.parse_args(argv)
    status = plan_diff([str(args.old), str(args.new), *(["--markdown"] if args.markdown else [])])
    estimate = change_deploy(Plan.load(args.old), Plan.load(args.new))
    text = render_text(estimate)
    if args.markdown:
        summary = f"Deploy timeline: about {estimate.minutes:.0f} min (floor {estimate.floor_minutes:.0f} min)"
        text = f"<details><summary>{summary}</summary>\n\n```\n{text}```\n\n</details>\n"
    sys.stdout.write("\n" + text)
    if args.timeline_json:
        args.timeline_json.write_text(to_json(estimate))
    return status
