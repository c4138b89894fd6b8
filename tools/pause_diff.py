"""How a plan diff reads a pause or a resume: what stops, what is removed, what is kept.

A pause is a diff whose plans export `paused` false then true (a resume: true then false). Removing
a stateful resource stays a "DELETES" warning unless the new plan proves the data survives:

- a resource deleted into its final snapshot, when the new plan records that snapshot as the
  restore point a resume creates it from (an SSM parameter holding exactly the snapshot's name);
- a persistent volume claim whose persistent volume sits on an EFS file system the new plan keeps.

Anything else that holds data and goes is still reported as a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .plan_model import Plan, PlannedResource

PARAMETER = "aws:ssm/parameter:Parameter"
EFS = "aws:efs/fileSystem:FileSystem"
PV = "kubernetes:core/v1:PersistentVolume"


def transition(old: Plan, new: Plan) -> str | None:
    """'pause', 'resume' or None, from the plans' `paused` export."""
    before, after = bool(old.outputs.get("paused")), bool(new.outputs.get("paused"))
    if before == after:
        return None
    return "pause" if after else "resume"


def restore_point(resource: PlannedResource, new: Plan) -> str | None:
    """The SSM parameter of `new` that names the final snapshot `resource` is deleted into, if any."""
    final = resource.inputs.get("finalSnapshotIdentifier")
    if not final or resource.inputs.get("skipFinalSnapshot") is True:
        return None
    for parameter in new.all(PARAMETER):
        if final in (parameter.inputs.get("insecureValue"), parameter.inputs.get("value")):
            return str(parameter.inputs.get("name") or parameter.name)
    return None


def kept_file_system(claim: PlannedResource, old: Plan, new: Plan) -> str | None:
    """The EFS file system (still in `new`) under the volume a removed claim was bound to, if any."""
    volume_name = (claim.inputs.get("spec") or {}).get("volumeName")
    kept = {r.urn: r for r in new.all(EFS)}
    for volume in old.all(PV):
        if (volume.inputs.get("metadata") or {}).get("name") != volume_name:
            continue
        for urn in volume.dependencies:
            if urn in kept:
                return kept[urn].name
    return None


def survival(resource: PlannedResource, old: Plan, new: Plan) -> str | None:
    """Why removing this stateful resource loses no data, or None when it does."""
    if (point := restore_point(resource, new)) is not None:
        final = resource.inputs["finalSnapshotIdentifier"]
        return f"deleted into its final snapshot {final}, which a resume restores it from ({point})"
    if resource.type == "kubernetes:core/v1:PersistentVolumeClaim" and (fs := kept_file_system(resource, old, new)):
        return f"its data stays on the EFS file system {fs}, which is kept"
    return None


# (type, input, value after) of the changes that stop something: the value a pause sets.
STOPS: tuple[tuple[str, str, Any], ...] = (
    ("aws:rds/instanceDesiredState:InstanceDesiredState", "state", "stopped"),
    ("aws:ecs/service:Service", "desiredCount", 0),
    ("aws:appautoscaling/target:Target", "maxCapacity", 0),
    ("aws:scheduler/schedule:Schedule", "state", "DISABLED"),
)


@dataclass
class PauseSummary:
    kind: str  # pause or resume
    stops: list[str] = field(default_factory=list)  # what stops (pause) or starts (resume)
    removed: dict[str, int] = field(default_factory=dict)  # component -> resources removed
    added: dict[str, int] = field(default_factory=dict)  # component -> resources added
    kept: list[str] = field(default_factory=list)  # stateful resources in both plans
    snapshots: list[str] = field(default_factory=list)  # removed stateful resources and how their data survives


def stop_lines(changed: list[tuple[PlannedResource, PlannedResource, dict[str, tuple[Any, Any]]]], kind: str) -> list[str]:
    """One line per resource a pause stops (or a resume starts), in plain words."""
    lines = []
    for _before, after, inputs in changed:
        for type_, key, paused_value in STOPS:
            if after.type != type_ or key not in inputs:
                continue
            old, new = inputs[key]
            if (new if kind == "pause" else old) == paused_value:
                lines.append(f"{after.name}: {key} {old} -> {new}")
    return sorted(lines)
