"""report.md and report.json: every Terraform address's fate, what the adopting `pulumi up` does, what comes after."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from tools.plan_model import Plan, PlannedResource

from .commands import removed_blocks
from .fates import ADOPT, HANDED_OFF, IGNORED, LEFT, STATEFUL_TYPES, Fate
from .tfstate import TerraformState


@dataclass(frozen=True)
class Adoption:
    """Everything the report says, gathered by `tools.adopt.run`."""

    stack: str
    state_path: str
    state: TerraformState
    fates: list[Fate]
    outside_state: dict[str, str]  # logical name -> import id, of objects no state holds
    plan: Plan
    notes: list[str]

    def by_fate(self, fate: str) -> list[Fate]:
        return [f for f in self.fates if f.fate == fate]

    @property
    def created(self) -> list[PlannedResource]:
        return [r for r in self.plan.resources if r.custom and not r.imported and not r.type.startswith("pulumi:providers:")]

    def stateful_replaced_or_deleted(self) -> list[Fate]:
        """Stateful instances the adoption would replace or delete: the tool refuses rather than list any."""
        return [f for f in self.fates if f.type in STATEFUL_TYPES and f.fate not in (ADOPT, HANDED_OFF)]


def _kind(fate: Fate) -> str:
    if fate.fate != ADOPT:
        return fate.fate
    if not fate.changes:
        return "adopted unchanged"
    return "adopted, tags only" if all(c["input"] == "tags" for c in fate.changes) else "adopted with in-place updates"


def summary(adoption: Adoption) -> dict[str, int]:
    counts = Counter(_kind(f) for f in adoption.fates)
    return {
        "adopted unchanged": counts["adopted unchanged"],
        "adopted, tags only": counts["adopted, tags only"],
        "adopted with in-place updates": counts["adopted with in-place updates"],
        "replaced": sum(1 for f in adoption.fates if any(change["replaces"] for change in f.changes)),
        LEFT: counts[LEFT],
        HANDED_OFF: counts[HANDED_OFF],
        IGNORED: counts[IGNORED],
        "imported from outside any state": len(adoption.outside_state),
        "created by the program": len(adoption.created),
        "stateful resources replaced or deleted": len(adoption.stateful_replaced_or_deleted()),
    }


def render_json(adoption: Adoption) -> str:
    document = {
        "stack": adoption.stack,
        "state": {"path": adoption.state_path, "serial": adoption.state.serial, "lineage": adoption.state.lineage},
        "summary": summary(adoption),
        "addresses": [
            {
                "address": f.address,
                "type": f.type,
                "fate": _kind(f),
                "reason": f.reason,
                "resource": f.logical_name,
                "importId": f.import_id,
                "changes": f.changes,
            }
            for f in adoption.fates
        ],
        "outsideState": [{"resource": name, "importId": import_id} for name, import_id in sorted(adoption.outside_state.items())],
        "created": sorted(f"{r.type} {r.name}" for r in adoption.created),
        "notes": adoption.notes,
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def render_markdown(adoption: Adoption) -> str:
    counts = summary(adoption)
    stack = adoption.stack
    lines = [
        f"# Adoption of the Terraform state into stack `{stack}`",
        "",
        f"State `{adoption.state_path}` (Terraform {adoption.state.terraform_version}, serial {adoption.state.serial}, "
        f"lineage {adoption.state.lineage}). Written by `python -m tools.adopt`; `Pulumi.{stack}.yaml` beside this report "
        "is the stack file it describes.",
        "",
        "## Summary",
        "",
        "| fate | count |",
        "|---|---:|",
        *[f"| {name} | {count} |" for name, count in counts.items()],
        "",
        f"**Stateful resources (database, cache, file systems, secrets, buckets) replaced or deleted: "
        f"{counts['stateful resources replaced or deleted']}.** An adoption that would replace one is refused.",
        "",
    ]
    if adoption.notes:
        lines += ["Notes:", "", *[f"- {note}" for note in adoption.notes], ""]
    lines += _first_up(stack)
    lines += _secrets_section(stack)
    lines += _addresses(adoption)
    lines += _updates(adoption)
    lines += _left(adoption)
    lines += _handoff(adoption)
    lines += _outside(adoption)
    lines += _created(adoption)
    lines += _after(stack)
    return "\n".join(lines) + "\n"


def _first_up(stack: str) -> list[str]:
    return [
        "## What the first `pulumi up` does",
        "",
        "Every resource listed as adopted carries Pulumi's `import` option (`ohmycoins:adoption.imports`) and is `protect`ed "
        "while it does, so no step of this update can delete or replace it. Its inputs that AWS fixes at creation equal the "
        "live attributes (checked below; otherwise this report would not exist).",
        "",
        "- **Pulumi CLI with import-then-update (pulumi/pulumi#19339, 2025 and later):** the update imports each resource, "
        "then applies the in-place updates listed below in the same run, and creates the program's new resources. The "
        "listeners' default actions and the API host rule move to the program's target groups: that step is the cut-over "
        "of the application (expect a few minutes of errors while the program's tasks start).",
        "- **Older Pulumi CLI:** an import whose inputs differ from the live resource fails (`inputs to import do not match "
        "the existing resource`) and nothing is changed for it. Use a current CLI.",
        f"- `pulumi preview -s {stack} --diff` is the authority: it must show `import` (and `update` for the listed in-place "
        "updates) for every adopted resource and no `replace` or `delete`. Stop if it shows anything else. It may also show "
        "arguments AWS does not report back (apply immediately, final snapshot settings, the password): setting those "
        "changes nothing in AWS beyond what is listed here.",
        "- Later `pulumi up`s are ordinary, reviewed changes: remove `ohmycoins:adoption` from the stack file after the adopting "
        "update (the import ids have done their work), and do the follow-ups below one at a time.",
        "",
    ]


def _secrets_section(stack: str) -> list[str]:
    return [
        "## Secret values to set before the first preview",
        "",
        "The stack file holds placeholders (`v1:REPLACE-WITH-PULUMI-CONFIG-SET-SECRET`) where existing secret values must go. "
        "`set-secrets.sh` (beside this report) pipes each one from where it lives into `pulumi config set --secret`; no value "
        "is printed or written anywhere else:",
        "",
        "- `ohmycoins:appSecretValues.secretKey`, `.encryptionKey`, `.firstSuperuserPassword`: the app secret's existing "
        "SECRET_KEY (sessions survive), ENCRYPTION_KEY (data the app encrypted stays readable) and first superuser password. "
        "A key the live secret does not hold is removed from the stack file instead, so the program generates it.",
        "- `ohmycoins:databaseMasterPassword`: the database keeps its master password (`masterPasswordSource: stack-secret`); "
        "the program stores it in its own secret for the workloads, and the adopting update re-sets the instance's password "
        "to it. The script takes it from the state (Terraform set it) and says whether the old app secret's POSTGRES_PASSWORD "
        "agrees; if the password was changed outside Terraform, set the current one instead.",
        "- `ohmycoins:credentials.openaiApiKey` when the live secret holds one. The other required credentials "
        f"(`ohmycoins:credentials`, README) come from their issuers: `pulumi config set --secret --path ... -s {stack}`.",
        "",
        "`ohmycoins:secrets.firstSuperuser` keeps the committed value: if the live admin account has another email, set it to "
        "that email, or the backend creates a second superuser on start.",
        "",
    ]


def _addresses(adoption: Adoption) -> list[str]:
    lines = ["## Every Terraform address", "", "| address | fate | program resource | import id |", "|---|---|---|---|"]
    for fate in adoption.fates:
        lines.append(
            f"| `{fate.address}` | {_kind(fate)} | {fate.logical_name and f'`{fate.logical_name}`'} | {fate.import_id and f'`{fate.import_id}`'} |"
        )
    return [*lines, ""]


def _updates(adoption: Adoption) -> list[str]:
    lines = ["## In-place updates of adopted resources", ""]
    changed = [f for f in adoption.by_fate(ADOPT) if f.changes]
    if not changed:
        return [*lines, "None.", ""]
    for fate in changed:
        lines += [f"### `{fate.logical_name}` ({fate.address})", "", "| input | live | program | impact |", "|---|---|---|---|"]
        for change in fate.changes:
            lines.append(f"| `{change['input']}` | {_cell(change['live'])} | {_cell(change['program'])} | {change['impact']} |")
        lines.append("")
    return lines


def _left(adoption: Adoption) -> list[str]:
    left = adoption.by_fate(LEFT)
    lines = [
        "## Left to Terraform",
        "",
        "Terraform keeps these. Once the cut-over is done and the hand-off below has run, destroy them with Terraform "
        "(`terraform plan -destroy` first: it must list exactly these addresses).",
        "",
    ]
    if not left:
        return [*lines, "None.", ""]
    lines += ["| address | why |", "|---|---|", *[f"| `{f.address}` | {f.reason} |" for f in left], ""]
    targets = " ".join(f"-target={_quote(f.address)}" for f in left)
    return [*lines, "```sh", f"terraform plan -destroy {targets}", f"terraform apply -destroy {targets}", "```", ""]


def _handoff(adoption: Adoption) -> list[str]:
    handed = adoption.by_fate(HANDED_OFF)
    lines = [
        "## Handing the adopted addresses off from Terraform",
        "",
        "After the adopting `pulumi up` succeeded, Terraform must forget every adopted address (and the handed-off ones) "
        "without deleting anything: run `handoff.sh` (`terraform state rm` for each). Teams that keep the Terraform "
        "configuration can instead delete the resource blocks and add these `removed` blocks (Terraform 1.7+):",
        "",
        "```hcl",
        *"\n\n".join(removed_blocks(adoption.fates)).splitlines(),
        "```",
        "",
    ]
    if handed:
        lines += ["Handed off without being adopted:", "", *[f"- `{f.address}`: {f.reason}" for f in handed], ""]
    return lines


def _outside(adoption: Adoption) -> list[str]:
    lines = [
        "## Objects outside any state",
        "",
        "AWS objects no state holds that the program declares under the same name:",
        "",
    ]
    for name, import_id in sorted(adoption.outside_state.items()):
        group = adoption.plan.named(name)
        lines.append(
            f"- `{name}`: imported as `{import_id}` (RDS created it when log export was switched on). The adopting update "
            f"sets its retention to {group.inputs.get('retentionInDays')} days (CloudWatch then deletes older events: export "
            "them first if they matter) and encrypts new events with the stack's key."
        )
    records = [r for r in adoption.plan.all("aws:route53/record:Record") if not r.inputs.get("allowOverwrite")]
    if records:
        lines += [
            "- DNS records made by hand: the program declares "
            + ", ".join(f"`{r.inputs.get('name')}` {r.inputs.get('type')}" for r in records)
            + ". Before the preview, list the zone's records (`aws route53 list-resource-record-sets --hosted-zone-id <zone>`). "
            "An existing A or AAAA record is imported: add `<resource>: <zone id>_<name>_<type>` (e.g. "
            f"`{records[0].name}: Z123_{records[0].inputs.get('name')}_{records[0].inputs.get('type')}`) to "
            "`ohmycoins:adoption.imports`. A CNAME of those names cannot live beside them: delete it at the cut-over.",
            "- The certificate's DNS validation records are written with `allowOverwrite`, so existing ones are taken over.",
        ]
    return [*lines, ""]


def _created(adoption: Adoption) -> list[str]:
    created = adoption.created
    by_component: Counter[str] = Counter()
    for resource in created:
        component = adoption.plan.component_of(resource)
        by_component[component.name if component else "(stack)"] += 1
    lines = ["## What the program creates", "", f"{len(created)} resources no state holds:", "", "| component | resources |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in sorted(by_component.items())]
    return [*lines, "", "Full list: `report.json` (`created`).", ""]


def _after(stack: str) -> list[str]:
    return [
        "## After the adopting update: deferred, separate, reviewed changes",
        "",
        "1. Remove `ohmycoins:adoption` from the stack file; `pulumi preview` shows no changes (protection goes back to "
        "`protectStatefulResources`).",
        "2. Reboot the database in its maintenance window: it applies the program's parameter group (TLS only).",
        "3. Redis TLS: when every client connects with TLS (`rediss://`, the program's workloads do), set "
        "`ohmycoins:cache.transitEncryption: required`; then the AUTH token is the only way in.",
        "4. Database master password: set `ohmycoins:database.masterPasswordSource: rds-managed` and remove "
        "`ohmycoins:databaseMasterPassword`: RDS generates a new password in its own secret, the update redeploys the workloads "
        "to read it from there (new connections fail for the minutes in between: do it in a quiet hour), and the stack's "
        "copy of the old password (`<identifier>-master`) is deleted.",
        "5. The stack's own keys: storage keys cannot change in place. In a maintenance window, one store at a time: "
        "stop the writers, snapshot, copy the snapshot with the stack's key, rename the live instance, restore the copy "
        "under the original identifier, make the stack forget the old instance (`pulumi state unprotect`, `pulumi state "
        "delete`), adopt the restored one with `encryptionKey: stack`, and delete the old one once the new one is verified "
        '(README, "After the adoption"). Each is its own reviewed change.',
        "",
    ]


def _cell(text: str) -> str:
    return "`" + str(text).replace("|", "\\|").replace("`", "'") + "`"


def _quote(address: str) -> str:
    return f"'{address}'" if "[" in address or '"' in address else address
