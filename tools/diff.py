"""What a change does to one stack: the plan diff for pull requests, without credentials.

python -m tools.plan diff OLD.json NEW.json [--markdown]

OLD and NEW are plans written by `python -m tools.plan STACK --json FILE` (for a PR: the base and
the head). Grouped by component: what is added, removed and modified (inputs before and after;
secrets stay `[secret]`), with warnings for stateful or protected resources and for inputs whose
change makes AWS replace a database, cache or file system.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compare import ComponentDifference, _show, compare_plans, flatten, resource_key
from .pause_diff import PauseSummary, stop_lines, survival, transition
from .plan_model import Plan, PlannedResource

# What a reviewer must know before data is touched: the types that hold data or guard it.
STATEFUL_TYPES: dict[str, str] = {
    "aws:rds/instance:Instance": "database",
    "aws:rds/cluster:Cluster": "database",
    "aws:elasticache/replicationGroup:ReplicationGroup": "cache",
    "aws:elasticache/cluster:Cluster": "cache",
    "aws:efs/fileSystem:FileSystem": "file system",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:kms/key:Key": "KMS key",
    "aws:secretsmanager/secret:Secret": "secret",
    "kubernetes:core/v1:PersistentVolumeClaim": "persistent volume",
    "aws:backup/vault:Vault": "backup vault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "backup vault lock",
}

# Inputs the AWS provider marks ForceNew (terraform-provider-aws schemas behind pulumi-aws 7.x):
# changing one destroys the resource and creates a new one, with its data gone unless restored.
REPLACEMENT_INPUTS: dict[str, frozenset[str]] = {
    "aws:rds/instance:Instance": frozenset(
        {
            "identifier",
            "identifierPrefix",
            "engine",
            "availabilityZone",
            "dbName",
            "username",
            "kmsKeyId",
            "storageEncrypted",
            "characterSetName",
            "ncharCharacterSetName",
            "timezone",
            "snapshotIdentifier",
            "restoreToPointInTime",
            "s3Import",
            "customIamInstanceProfile",
        }
    ),
    # `engine` replaces only on a downgrade (valkey -> redis) and transit encryption changes in
    # place (transitEncryptionMode), so neither is listed.
    "aws:elasticache/replicationGroup:ReplicationGroup": frozenset(
        {
            "replicationGroupId",
            "subnetGroupName",
            "atRestEncryptionEnabled",
            "kmsKeyId",
            "port",
            "networkType",
            "dataTieringEnabled",
            "snapshotArns",
            "snapshotName",
            "globalReplicationGroupId",
            "securityGroupNames",
        }
    ),
    "aws:efs/fileSystem:FileSystem": frozenset({"creationToken", "encrypted", "kmsKeyId", "performanceMode", "availabilityZoneName"}),
    "aws:backup/vault:Vault": frozenset({"name", "kmsKeyArn"}),
}

# Changes AWS applies in place but with an outage of the database.
DISRUPTIVE_INPUTS: dict[str, frozenset[str]] = {
    "aws:rds/instance:Instance": frozenset({"dbSubnetGroupName", "instanceClass", "engineVersion", "port", "multiAz"}),
    "aws:elasticache/replicationGroup:ReplicationGroup": frozenset({"nodeType", "engineVersion"}),
}


def top_input(path: str) -> str:
    """'restoreToPointInTime.restoreTime' -> 'restoreToPointInTime'; 'tags.Name' -> 'tags'."""
    return path.split(".", 1)[0].split("[", 1)[0]


def replacing_inputs(type_: str, paths: list[str]) -> list[str]:
    forcing = REPLACEMENT_INPUTS.get(type_, frozenset())
    return sorted({top_input(p) for p in paths if top_input(p) in forcing})


def disruptive_inputs(type_: str, paths: list[str]) -> list[str]:
    disruptive = DISRUPTIVE_INPUTS.get(type_, frozenset())
    return sorted({top_input(p) for p in paths if top_input(p) in disruptive})


# What deleting the old instance of these types takes: their final-snapshot inputs as the provider
# reads them from the old state.
FINAL_SNAPSHOT_INPUTS: dict[str, tuple[str, str | None]] = {
    "aws:rds/instance:Instance": ("finalSnapshotIdentifier", "skipFinalSnapshot"),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("finalSnapshotIdentifier", None),
}
RESTORE_INPUTS = frozenset({"snapshotIdentifier", "restoreToPointInTime", "snapshotName", "snapshotArns"})


def fate_of_replaced(before: PlannedResource) -> str | None:
    """What happens to the old database or cache when a change replaces it, read from its old inputs."""
    if before.type not in FINAL_SNAPSHOT_INPUTS:
        return None
    if before.retainOnDelete:
        return "the replaced one stays in AWS, untouched (retainOnDelete): delete it yourself once it is no longer needed"
    snapshot_input, skip_input = FINAL_SNAPSHOT_INPUTS[before.type]
    snapshot = before.inputs.get(snapshot_input)
    if snapshot and not (skip_input and before.inputs.get(skip_input)):
        return f"the replaced one is deleted after its final snapshot {snapshot}"
    return "the replaced one is deleted WITHOUT a final snapshot: its data is lost"


def warnings_for_change(before: PlannedResource, after: PlannedResource, paths: list[str]) -> list[str]:
    kind = STATEFUL_TYPES.get(after.type)
    warnings = []
    if forcing := replacing_inputs(after.type, paths):
        what = kind or "resource"
        restoring = sorted(RESTORE_INPUTS & set(forcing))
        cause = f"restored from a backup ({', '.join(restoring)})" if restoring else "data lost unless restored"
        warnings.append(f"REPLACES the {what}: {', '.join(forcing)} cannot change in place ({cause})")
        if fate := fate_of_replaced(before):
            warnings.append(fate)
    elif disruptive := disruptive_inputs(after.type, paths):
        warnings.append(f"modifies the stateful {kind or 'resource'} in place, with an outage: {', '.join(disruptive)}")
    elif kind:
        warnings.append(f"modifies a stateful {kind}")
    if before.protect or after.protect:
        warnings.append(
            "protected: `pulumi up` refuses to delete or replace it" if any("REPLACES" in w for w in warnings) else "protected resource"
        )
    return warnings


def warnings_for_import(resource: PlannedResource) -> list[str]:
    """An import changes nothing by itself, but a stateful resource's first preview deserves a look."""
    kind = STATEFUL_TYPES.get(resource.type)
    if kind is None:
        return []
    return [f"imports an existing {kind} ({resource.importId}): `pulumi preview` must show it imported, never replaced"]


def warnings_for_removal(resource: PlannedResource, survives: str | None = None) -> list[str]:
    """`survives`: why the data outlives the removal (tools/pause_diff.py), proven from the new plan."""
    warnings = []
    if (kind := STATEFUL_TYPES.get(resource.type)) and survives is None:
        warnings.append(f"DELETES a stateful {kind}" + (" (retained in AWS: retainOnDelete)" if resource.retainOnDelete else ""))
    if resource.protect:
        warnings.append("protected: `pulumi up` refuses to delete it until protect is removed")
    return warnings


@dataclass
class ResourceChange:
    action: str  # "add" (create), "import" (adopt an existing object), "remove", "modify"
    resource: PlannedResource
    inputs: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # How a removed stateful resource's data survives (a pause's snapshot, a kept file system).
    notes: list[str] = field(default_factory=list)


@dataclass
class PlanDiff:
    stack: str
    components: dict[str, list[ResourceChange]]
    monthly: tuple[float, float] | None = None  # estimated monthly cost before and after (tools/cost.py)
    pause: PauseSummary | None = None  # set when the diff pauses or resumes the stack

    def changes(self) -> list[ResourceChange]:
        return [change for changes in self.components.values() for change in changes]

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes() if c.action == action)

    def warnings(self) -> list[tuple[ResourceChange, str]]:
        return [(c, w) for c in self.changes() for w in c.warnings]


def diff_plans(old: Plan, new: Plan, with_cost: bool = False) -> PlanDiff:
    groups = compare_plans(old, new, normalise_names=False)
    monthly = None
    if with_cost:
        from .cost import cost_report

        monthly = (cost_report(old).total, cost_report(new).total)
    components = {label: _changes(difference, old, new) for label, difference in groups.items()}
    kind = transition(old, new)
    pause = _pause_summary(kind, groups, components, old, new) if kind else None
    return PlanDiff(stack=new.stack, components=components, monthly=monthly, pause=pause)


def _pause_summary(
    kind: str, groups: dict[str, ComponentDifference], components: dict[str, list[ResourceChange]], old: Plan, new: Plan
) -> PauseSummary:
    new_keys = {resource_key(r) for r in new.resources}
    return PauseSummary(
        kind=kind,
        stops=stop_lines([c for g in groups.values() for c in g.changed], kind),
        removed={label: len(g.removed) for label, g in groups.items() if g.removed},
        added={label: len(g.added) for label, g in groups.items() if g.added},
        kept=sorted(
            f"{r.name} ({STATEFUL_TYPES[r.type]})" for r in old.resources if r.type in STATEFUL_TYPES and resource_key(r) in new_keys
        ),
        snapshots=[f"{c.resource.name}: {note}" for changes in components.values() for c in changes for note in c.notes],
    )


def _changes(difference: ComponentDifference, old: Plan, new: Plan) -> list[ResourceChange]:
    changes = [
        ResourceChange("import", r, {k: (None, v) for k, v in flatten(r.inputs).items()}, warnings_for_import(r))
        if r.imported
        else ResourceChange("add", r, {k: (None, v) for k, v in flatten(r.inputs).items()})
        for r in difference.added
    ]
    for removed in difference.removed:
        survives = survival(removed, old, new) if removed.type in STATEFUL_TYPES else None
        changes.append(
            ResourceChange("remove", removed, warnings=warnings_for_removal(removed, survives), notes=[survives] if survives else [])
        )
    for before, after, inputs in difference.changed:
        if after.imported and after.importId != before.importId:
            # Adopted instead of created: its inputs are checked against the live object, not the old plan.
            changes.append(ResourceChange("import", after, inputs, warnings_for_import(after)))
        else:
            changes.append(ResourceChange("modify", after, inputs, warnings_for_change(before, after, list(inputs))))
    return sorted(changes, key=lambda c: (ORDER[c.action], c.resource.type, c.resource.name))


ORDER = {"remove": 0, "modify": 1, "import": 2, "add": 3}
SYMBOL = {"add": "+", "import": "=", "remove": "-", "modify": "~"}
# Shown for modified resources, but not listed for every added one: the same on each.
QUIET_INPUTS = frozenset({"tags", "tagsAll", "__defaults"})
VALUE_WIDTH = 120


def _value(value: Any) -> str:
    text = _show(value)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


def summary_line(diff: PlanDiff) -> str:
    imports = f", {diff.count('import')} to import" if diff.count("import") else ""
    line = f"{diff.count('add')} to add{imports}, {diff.count('modify')} to change, {diff.count('remove')} to delete"
    if diff.monthly:
        before, after = diff.monthly
        line += f"; monthly cost ${before:,.2f} -> ${after:,.2f} ({after - before:+,.2f})"
    return line


def pause_lines(pause: PauseSummary) -> list[str]:
    """The pause (or resume) in a reviewer's words, before the resource-by-resource listing."""
    pausing = pause.kind == "pause"
    lines = [f"This {pause.kind.upper()}S the stack ({'ohmycoins:general.paused: true' if pausing else 'paused: false'}):"]
    lines.append(f"  {'Stops' if pausing else 'Starts'} ({len(pause.stops)}):")
    lines += [f"    {line}" for line in pause.stops]
    moved, verb = (pause.removed, "Removes") if pausing else (pause.added, "Rebuilds")
    lines.append(f"  {verb} {sum(moved.values())} resources:")
    lines += [f"    {count:>3}  {label}" for label, count in sorted(moved.items(), key=lambda kv: (-kv[1], kv[0]))]
    if pause.snapshots:
        lines.append("  Data of removed resources, and where it is kept:")
        lines += [f"    {line}" for line in pause.snapshots]
    lines.append(f"  Keeps these stateful resources as they are ({len(pause.kept)}):")
    lines += [f"    {line}" for line in pause.kept]
    return lines


def render_text(diff: PlanDiff) -> str:
    lines = [f"Plan diff of stack '{diff.stack}': {summary_line(diff)}"]
    if not diff.components:
        return lines[0] + "\nNo changes.\n"
    if diff.pause is not None:
        lines += ["", *pause_lines(diff.pause)]
    if warnings := diff.warnings():
        lines += ["", "Needs attention:"]
        lines += [f"  ! {c.resource.type} {c.resource.name}: {w}" for c, w in warnings]
    for label, changes in diff.components.items():
        lines += ["", label]
        for change in changes:
            lines.append(f"  {SYMBOL[change.action]} {change.resource.type}  {change.resource.name}")
            lines += [f"      ! {w}" for w in change.warnings]
            lines += [f"      = {note}" for note in change.notes]
            lines += _input_lines(change)
    return "\n".join(lines) + "\n"


def _input_lines(change: ResourceChange) -> list[str]:
    if change.action == "import":
        lines = [f"      import id: {change.resource.importId}"]
        for path, (a, b) in change.inputs.items():
            if top_input(path) in QUIET_INPUTS or path == "(option) importId":
                continue
            lines.append(f"      {path}: {_value(a)} -> {_value(b)}" if a is not None else f"      {path}: {_value(b)}")
        return lines
    if change.action == "modify":
        return [f"      {path}: {_value(a)} -> {_value(b)}" for path, (a, b) in change.inputs.items()]
    if change.action == "add":
        return [f"      {path}: {_value(b)}" for path, (_, b) in change.inputs.items() if top_input(path) not in QUIET_INPUTS]
    return []


def _cell(value: Any) -> str:
    return "`" + _value(value).replace("|", "\\|").replace("`", "'") + "`" if value is not None else "(absent)"


def render_markdown(diff: PlanDiff) -> str:
    lines = [f"### Stack `{diff.stack}`: {summary_line(diff)}", ""]
    if not diff.components:
        return "\n".join(lines + ["No changes.", ""]) + "\n"
    if diff.pause is not None:
        lines += ["```", *pause_lines(diff.pause), "```", ""]
    if warnings := diff.warnings():
        lines += ["> [!WARNING]", "> Changes to stateful or protected resources:"]
        lines += [f"> - `{c.resource.type}` **{c.resource.name}**: {w}" for c, w in warnings]
        lines.append("")
    for label, changes in diff.components.items():
        lines += [f"#### {label}", ""]
        lines += ["| | resource | type | input | before | after |", "|---|---|---|---|---|---|"]
        for change in changes:
            head = f"| {SYMBOL[change.action]} | **{change.resource.name}** | `{change.resource.type}` |"
            if change.action == "modify":
                for index, (path, (a, b)) in enumerate(change.inputs.items()):
                    prefix = head if index == 0 else "| | | |"
                    lines.append(f"{prefix} `{path}` | {_cell(a)} | {_cell(b)} |")
            elif change.action == "import":
                lines.append(f"{head} import id | | {_cell(change.resource.importId)} |")
            else:
                lines.append(f"{head} | | |")
            for w in change.warnings:
                lines.append(f"| ⚠️ | | | {w} | | |")
            for note in change.notes:
                lines.append(f"| ✅ | | | {note} | | |")
        lines.append("")
        added = [
            line
            for change in changes
            if change.action in ("add", "import")
            for line in [f"{SYMBOL[change.action]} {change.resource.name}", *_input_lines(change)]
        ]
        if added:
            lines += [
                "<details><summary>inputs of the added and imported resources</summary>",
                "",
                "```",
                *added,
                "```",
                "",
                "</details>",
                "",
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan diff", description="What a change does to a stack's plan.")
    parser.add_argument("old", type=Path, help="plan JSON before the change (python -m tools.plan STACK --json OLD.json)")
    parser.add_argument("new", type=Path, help="plan JSON after the change")
    parser.add_argument("--markdown", action="store_true", help="Markdown for a PR comment or job summary")
    args = parser.parse_args(argv)
    old, new = Plan.load(args.old), Plan.load(args.new)
    try:
        diff = diff_plans(old, new, with_cost=True)
    except KeyError as error:  # a size with no price yet: the diff still matters more than the cost
        sys.stderr.write(f"no cost estimate: {error}\n")
        diff = diff_plans(old, new)
    sys.stdout.write(render_markdown(diff) if args.markdown else render_text(diff))
    return 0


if __name__ == "__main__":
    sys.exit(main())
