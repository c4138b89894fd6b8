"""`python -m tools.plan`: the offline plan of a stack, and what differs between stacks.

python -m tools.plan STACK [--stack-file PATH] [--json PATH] [--policy] [--k8s-dir DIR]   (tools/k8s_export.py)
python -m tools.plan STACK --paused | --prior PLAN.json   (the stack paused, or as an update of an earlier plan)
python -m tools.plan --compare STACK_A STACK_B
python -m tools.plan diff OLD.json NEW.json [--markdown]   (tools/diff.py)
python -m tools.plan STACK --timeline [--timeline-json FILE]   (tools/timeline.py)
python -m tools.plan diff OLD.json NEW.json --timeline [--timeline-json FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from components.settings import SettingsError

from .compare import render_comparison
from .engine import SecretLeak, run_stack
from .plan_model import Plan, PlannedResource

NAMES_SHOWN = 4


IMPORT_MARK = "[import]"


def render_tree(plan: Plan) -> str:
    """The resources by component; resources the stack adopts are marked [import]."""
    components = [r for r in plan.resources if r.is_component]
    imported = sum(1 for r in plan.resources if r.imported)
    count = f"{len(plan.resources)} resources" + (f" ({imported} to import)" if imported else "")
    lines = [f"Plan of stack '{plan.stack}' (project {plan.project}): {count}, {len(components)} components", ""]
    top = [r for r in plan.resources if r.parent not in {x.urn for x in plan.resources}]
    for resource in sorted(top, key=lambda r: (r.is_component, r.type, r.name)):
        lines += _render_node(plan, resource, depth=0)
    if plan.outputs:
        lines += ["", "Outputs:"]
        lines += [f"  {name}: {value}" for name, value in sorted(plan.outputs.items())]
    return "\n".join(lines) + "\n"


def _render_node(plan: Plan, resource: PlannedResource, depth: int) -> list[str]:
    indent = "  " * depth
    if not resource.is_component:
        return [f"{indent}{resource.type}  {_label(resource)}"]
    children = plan.children(resource)
    total = _descendant_count(plan, resource)
    lines = [f"{indent}{resource.type}  {resource.name}  ({total} resources)"]
    by_type: dict[str, list[PlannedResource]] = {}
    for child in children:
        if not child.is_component:
            by_type.setdefault(child.type, []).append(child)
    for type_, members in sorted(by_type.items()):
        # Imported ones first, so the mark is never hidden behind "+N".
        members = sorted(members, key=lambda r: not r.imported)
        imported = sum(1 for r in members if r.imported)
        names = [_label(r) for r in members]
        shown = ", ".join(names[:NAMES_SHOWN]) + (f", ... +{len(names) - NAMES_SHOWN}" if len(names) > NAMES_SHOWN else "")
        marks = f" ({imported} imported)" if imported else ""
        lines.append(f"{indent}  {len(names):>3} x {type_}{marks}  {shown}")
    for child in children:
        if child.is_component:
            lines += _render_node(plan, child, depth + 1)
    return lines


def _label(resource: PlannedResource) -> str:
    return f"{resource.name} {IMPORT_MARK}" if resource.imported else resource.name


def _descendant_count(plan: Plan, resource: PlannedResource) -> int:
    return sum(1 + _descendant_count(plan, child) for child in plan.children(resource))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["diff"]:
        if "--timeline" in argv or any(a.startswith("--timeline-json") for a in argv):
            from .timeline_report import diff_main as timeline_diff_main

            return timeline_diff_main(argv[1:])
        from .diff import main as diff_main

        return diff_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tools.plan", description="Offline plan of an ohmycoins stack.")
    parser.add_argument("stack", nargs="?", help="stack name, e.g. staging")
    parser.add_argument("--stack-file", type=Path, help="plan this stack file instead of Pulumi.<stack>.yaml")
    parser.add_argument("--json", type=Path, help="write the plan as deterministic JSON to this file")
    parser.add_argument("--prior", type=Path, metavar="PLAN.json", help="plan as an update of this plan: ignored inputs keep its values")
    parser.add_argument(
        "--paused", action="store_true", help="plan the stack paused, as an update of its running plan (README 'Pause and resume')"
    )
    parser.add_argument("--compare", nargs=2, metavar="STACK", help="show what differs between two stacks")
    parser.add_argument("--policy", action="store_true", help="run the policy pack on the plan; exit 1 on a mandatory violation")
    parser.add_argument("--cost", action="store_true", help="end with the monthly total and its top lines (tools/cost.py)")
    parser.add_argument("--diagram", type=Path, metavar="FILE.svg", help="draw the architecture as SVG (tools/diagram.py)")
    parser.add_argument("--mermaid", type=Path, metavar="FILE.md", help="draw the architecture as Mermaid for PR comments")
    parser.add_argument("--k8s-dir", type=Path, metavar="DIR", help="write each Kubernetes object as YAML (tools/k8s_export.py)")
    parser.add_argument("--timeline", action="store_true", help="estimate a first `pulumi up`: wall time, floor, critical path")
    parser.add_argument("--timeline-json", type=Path, metavar="FILE", help="write that estimate as JSON (tools/timeline.py)")
    args = parser.parse_args(argv)

    try:
        if args.compare:
            first, second = (run_stack(stack) for stack in args.compare)
            sys.stdout.write(render_comparison(first, second))
            return 0
        if not args.stack:
            parser.error("give a stack name, or --compare STACK STACK")
        if args.paused:
            from .variants import running_and_paused

            plan = running_and_paused(args.stack, args.stack_file)[1]
        else:
            plan = run_stack(args.stack, args.stack_file, prior=Plan.load(args.prior) if args.prior else None)
    except SettingsError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    except SecretLeak as error:
        sys.stderr.write(f"secret leak: {error}\n")
        return 3
    if args.json:
        args.json.write_text(plan.to_json())
    sys.stdout.write(render_tree(plan))
    if args.k8s_dir:
        from .k8s_export import export_manifests

        written = export_manifests(plan, args.k8s_dir)
        sys.stdout.write(f"\nWrote {len(written)} Kubernetes objects to {args.k8s_dir}\n")
    if args.diagram or args.mermaid:
        from .diagram import write_diagrams

        write_diagrams(plan, svg=args.diagram, mermaid=args.mermaid)
    if args.timeline or args.timeline_json:
        from .timeline import first_deploy
        from .timeline_report import render_text, to_json

        estimate = first_deploy(plan)
        if args.timeline:
            sys.stdout.write("\n" + render_text(estimate))
        if args.timeline_json:
            args.timeline_json.write_text(to_json(estimate))
    status = 0
    if args.policy:
        from .policy_report import evaluate

        report = evaluate(plan)
        sys.stdout.write("\n" + report.render())
        status = 1 if report.mandatory else 0
    if args.cost:  # last, so `make plan` ends with the monthly total and its top lines
        from .cost import cost_report, render_summary

        sys.stdout.write("\n" + render_summary(cost_report(plan)))
    return status


if __name__ == "__main__":
    sys.exit(main())
