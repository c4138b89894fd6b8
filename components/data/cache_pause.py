"""What the cache must remember while it does not exist: the snapshot to restore and its endpoints.

ElastiCache takes a replication group's final snapshot from the name the group carried at its last
update, and refuses a name that already exists; a resumed group therefore needs a new final name,
and the resume must still know the old one. Three small resources hold that across runs:

- the snapshot token (pulumi-random), renewed whenever the restore source changes, i.e. at each
  resume: the running group's final snapshot is `<group>-final-<token>`;
- the restore point (SSM parameter): while paused it records that final snapshot's name; while
  running it is left as it is (ignore_changes), so the running group keeps restoring from the same
  snapshot in every plan (a changed `snapshotName` would replace the group);
- the endpoints (SSM parameter): written while running, left as they are while paused, so the
  apps, exports and alarms name the same endpoints throughout a pause.

`aws ssm get-parameter --name /<prefix>/cache/restore-point` shows what a resume restores from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

# The restore point's value before any pause: a new group starts empty.
NOTHING_TO_RESTORE = "none"


def final_snapshot_name(group_id: str, token: str) -> str:
    """`ohmycoins-staging-redis-final-1a2b3c4d`: unique per running period of the group."""
    return f"{group_id}-final-{token}"


def restore_source(restore_point: str) -> str | None:
    """The snapshot a new group is created from, or None for an empty one."""
    return None if restore_point == NOTHING_TO_RESTORE else restore_point


@dataclass(frozen=True)
class PauseMemoryArgs:
    name_prefix: str
    group_id: str
    paused: bool


class PauseMemory(pulumi.ComponentResource):
    """The cache's restore point, final snapshot name and endpoints, kept across a pause."""

    restore_from: pulumi.Output[str | None]
    final_snapshot_name: pulumi.Output[str]

    def __init__(self, name: str, args: PauseMemoryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:cache:PauseMemory", name, None, opts)
        self._name = name
        self._args = args
        self._path = f"/{args.name_prefix}/cache"
        # Where ignore_changes keeps the stored value, a run passes a constant instead of the other
        # resource's output: within one run only one of the two ever depends on the other.
        if args.paused:
            token = self._token(NOTHING_TO_RESTORE, keep=True)
            self.final_snapshot_name = token.hex.apply(lambda hex_: final_snapshot_name(args.group_id, hex_))
            # The group is being deleted into the snapshot its state names: the one of this token.
            restore_point = self._restore_point(self.final_snapshot_name, keep=False)
        else:
            restore_point = self._restore_point(NOTHING_TO_RESTORE, keep=True)
            token = self._token(restore_point.insecure_value, keep=False)
            self.final_snapshot_name = token.hex.apply(lambda hex_: final_snapshot_name(args.group_id, hex_))
        self.restore_from = restore_point.insecure_value.apply(restore_source)
        self.restore_point_name = restore_point.name
        self.register_outputs({"final_snapshot_name": self.final_snapshot_name, "restore_point": self.restore_point_name})

    def _parameter(self, kind: str, description: str, value: pulumi.Input[str], keep: bool) -> aws.ssm.Parameter:
        """`/<prefix>/cache/<kind>`; `keep`: the stored value stays whatever this run passes."""
        return aws.ssm.Parameter(
            f"{self._name}-{kind}",
            name=f"{self._path}/{kind}",
            description=description,
            type="String",
            insecure_value=value,
            tags={"Name": f"{self._args.group_id}-{kind}"},
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["insecureValue"] if keep else None),
        )

    def _restore_point(self, value: pulumi.Input[str], keep: bool) -> aws.ssm.Parameter:
        description = f"Snapshot {self._args.group_id} is created from on resume ('{NOTHING_TO_RESTORE}': start empty)"
        return self._parameter("restore-point", description, value, keep)

    def _token(self, restored_from: pulumi.Input[str], keep: bool) -> random.RandomId:
        return random.RandomId(
            f"{self._name}-snapshot-token",
            byte_length=4,
            # A new restore source (each resume) draws a new token, hence a new final snapshot name.
            keepers={"restoredFrom": restored_from},
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["keepers"] if keep else None),
        )

    def _endpoints(self, value: pulumi.Input[str], keep: bool) -> aws.ssm.Parameter:
        description = f"Primary and reader endpoints of {self._args.group_id}, kept while it is paused"
        return self._parameter("endpoints", description, value, keep)

    def remember_endpoints(self, primary: pulumi.Input[str], reader: pulumi.Input[str]) -> None:
        """While running: store the live group's endpoints."""
        value = pulumi.Output.all(primary, reader).apply(lambda v: endpoints_document(v[0], v[1]))
        self._endpoints(value, keep=False)

    def remembered_endpoints(self) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """While paused: the endpoints stored while the group last ran (primary, reader)."""
        stored = self._endpoints(endpoints_document("", ""), keep=True).insecure_value
        return stored.apply(lambda text: json.loads(text)["primary"]), stored.apply(lambda text: json.loads(text)["reader"])


def endpoints_document(primary: str, reader: str) -> str:
    return json.dumps({"primary": primary, "reader": reader}, sort_keys=True)
