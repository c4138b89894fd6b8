"""Monthly cost of backups and the restore drill: recovery points (and their copies) per selection, drill runs.

Pricers of tools/cost.py for the types of components/recovery; they read only the plan's inputs.
"""

from __future__ import annotations

import json
from typing import Any

from .plan_model import Plan, PlannedResource

DAYS_PER_MONTH = 730 / 24


def _plan_of(selection: PlannedResource, plan: Plan) -> PlannedResource | None:
    plans = {p.urn: p for p in plan.all("aws:backup/plan:Plan")}
    found = [plans[u] for u in selection.dependencies if u in plans]
    return found[0] if found else None


def _selection_kind(selection: PlannedResource) -> str:
    """'database' or 'file-systems': the end of the selection's name."""
    name = str(selection.inputs.get("name", selection.name))
    return "database" if name.endswith("database") else "file-systems"


def rule_storage_gb(rule: dict[str, Any], source_gb: float, daily_change: float, runs_per_month: float) -> tuple[float, float]:
    """(warm GB, cold GB) one rule keeps for one resource: a full first point, then incremental ones."""
    lifecycle = rule.get("lifecycle") or {}
    retention = lifecycle.get("deleteAfter") or 0
    cold_after = lifecycle.get("coldStorageAfter")
    interval_days = DAYS_PER_MONTH / runs_per_month if runs_per_month else retention
    points = max(1.0, retention / interval_days) if interval_days else 1.0
    increment = source_gb * min(1.0, daily_change * interval_days)
    total = source_gb + (points - 1) * increment
    if not cold_after or cold_after >= retention:
        return total, 0.0
    cold_share = (retention - cold_after) / retention
    return total * (1 - cold_share), total * cold_share


def selection_lines(r: PlannedResource, plan: Plan, book, runs_per_month) -> list[tuple[str, float]]:
    backup_plan = _plan_of(r, plan)
    if backup_plan is None:
        return [("no plan found", 0.0)]
    kind = _selection_kind(r)
    resources = len(r.inputs.get("resources") or [])
    source_gb = book.use("database_gb_used") if kind == "database" else book.use("efs_gb")
    daily_change = book.use("backup_daily_change_fraction")
    storage = book.price("backup.storage_gb_month", kind)
    cold_price = book.price("backup.cold_storage_gb_month")
    copies = book.prices["backup"]["copy_region_storage_gb_month"]
    lines = []
    for rule in backup_plan.inputs.get("rules") or []:
        runs = runs_per_month(rule.get("schedule", ""), book.hours)
        warm, cold = rule_storage_gb(rule, source_gb, daily_change, runs)
        if kind == "database":
            warm, cold = warm + cold, 0.0  # RDS snapshots have no cold tier
        warm, cold = warm * resources, cold * resources
        name = rule.get("ruleName", "rule")
        lines.append((f"{name}: ~{warm:.0f} GB recovery points", storage * warm))
        if cold:
            lines.append((f"{name}: ~{cold:.0f} GB in cold storage", cold_price * cold))
        for copy in rule.get("copyActions") or []:
            region = str(copy.get("destinationVaultArn", "")).split(":")[3] or "the copy region"
            there = book.price("backup.copy_region_storage_gb_month", f"{region}:{kind}") if f"{region}:{kind}" in copies else storage
            transferred = runs * source_gb * min(1.0, daily_change * DAYS_PER_MONTH / runs if runs else 1.0) * resources
            lines.append((f"{name}: copies in {region} ~{warm + cold:.0f} GB", there * (warm + cold)))
            lines.append(
                (
                    f"{name}: ~{transferred:.1f} GB copied out per month",
                    book.price("inter_region_transfer.out_of_ap_southeast_2_gb") * transferred,
                )
            )
    return lines


def _drill_instance_class(machine: PlannedResource) -> str | None:
    definition = machine.inputs.get("definition")
    try:
        states = json.loads(definition)["States"] if isinstance(definition, str) else {}
    except (ValueError, KeyError):
        return None
    return next((s["Arguments"].get("DbInstanceClass") for s in states.values() if "DbInstanceClass" in (s.get("Arguments") or {})), None)


def state_machine_lines(r: PlannedResource, plan: Plan, book, runs_per_month) -> list[tuple[str, float]]:
    name = str(r.inputs.get("name", r.name))
    schedules = [
        s for s in plan.all("aws:scheduler/schedule:Schedule") if str((s.inputs.get("target") or {}).get("arn", "")).endswith(f":{name}")
    ]
    runs = sum(runs_per_month(s.inputs.get("scheduleExpression", ""), book.hours) for s in schedules)
    instance_class = _drill_instance_class(r)
    transitions = runs * book.use("restore_drill_transitions" if instance_class else "job_run_transitions")
    lines = [
        (f"{runs:.0f} runs, {transitions:.0f} state transitions", book.price("stepfunctions.standard_transition_1k") * transitions / 1000)
    ]
    if instance_class:
        hours = runs * book.use("restore_drill_hours")
        databases = [d for d in plan.all("aws:rds/instance:Instance") if not d.inputs.get("replicateSourceDb")]
        storage = databases[0].inputs.get("allocatedStorage", 20) if databases else 20
        storage = storage if isinstance(storage, int) else 20
        lines.append((f"{hours:.1f} h of a {instance_class} restored instance", book.price("rds.instance_hour", instance_class) * hours))
        lines.append((f"{storage} GB gp3 for {hours:.1f} h", book.price("rds.gp3_gb_month") * storage * hours / book.hours))
    return lines
