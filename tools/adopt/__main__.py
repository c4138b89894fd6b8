"""python -m tools.adopt STATE.tfstate --stack staging --out DIR [--stack-file Pulumi.staging.yaml]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .run import adopt
from .tfstate import AdoptionRefused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.adopt", description="Adopt a Terraform-managed environment into a stack.")
    parser.add_argument("state", type=Path, help="the Terraform state (`terraform state pull > STATE.tfstate`)")
    parser.add_argument("--stack", required=True, help="the stack that adopts it, e.g. staging")
    parser.add_argument("--out", type=Path, required=True, help="directory for Pulumi.<stack>.yaml, report.md, report.json and the scripts")
    parser.add_argument("--stack-file", type=Path, help="the stack's current settings (default: Pulumi.<stack>.yaml of the project)")
    args = parser.parse_args(argv)
    try:
        result = adopt(args.state, args.stack, args.out, args.stack_file)
    except AdoptionRefused as error:
        sys.stderr.write(f"adoption refused: {error}\nNothing was written.\n")
        return 2
    counts = result.adoption
    sys.stdout.write(
        f"Wrote {', '.join(sorted(result.files))} to {args.out}\n"
        f"{len(counts.by_fate('adopt'))} adopted, {len(counts.by_fate('left to Terraform'))} left to Terraform, "
        f"{len(counts.by_fate('handed off'))} handed off, {len(counts.created)} created by the program; "
        f"stateful resources replaced or deleted: {len(counts.stateful_replaced_or_deleted())}. Read report.md next.\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
