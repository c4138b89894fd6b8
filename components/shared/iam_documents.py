"""IAM JSON documents, written one way: the policy wrapper and the service-principal trust.

Pure functions of resolved values (call them inside `apply`). Policies are serialised with sorted
keys, so the same document always gives the same string (no diff from dict ordering).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

VERSION = "2012-10-17"


def document(*statements: Mapping[str, Any]) -> dict[str, Any]:
    """An IAM policy document of `statements`, as a dict (for callers that still add to it)."""
    return {"Version": VERSION, "Statement": list(statements)}


def policy_document(*statements: Mapping[str, Any]) -> str:
    """An IAM policy document of `statements`, as deterministic JSON (sorted keys)."""
    return json.dumps(document(*statements), sort_keys=True)


def source_conditions(account_id: str | None = None, source_arn: str | None = None, arn_operator: str = "ArnLike") -> dict[str, Any]:
    """Confused-deputy conditions: the calling service acts for `account_id` and, when given, for `source_arn`.

    `arn_operator` is `ArnLike` (patterns with `*`) or `StringEquals` (one exact ARN).
    """
    condition: dict[str, Any] = {}
    if account_id is not None:
        condition["StringEquals"] = {"aws:SourceAccount": account_id}
    if source_arn is not None:
        condition.setdefault(arn_operator, {})["aws:SourceArn"] = source_arn
    return condition


def service_trust(service: str, account_id: str | None, source_arn: str | None = None, *, arn_operator: str = "ArnLike") -> str:
    """A trust policy: `service` may assume the role, for this account's resources only.

    aws:SourceAccount is required whenever `account_id` is given, aws:SourceArn (`arn_operator`)
    whenever `source_arn` is. `account_id=None` and no `source_arn` leaves the trust unconditioned,
    for services that send neither key (EC2 instance profiles, the EKS control plane).
    """
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    condition = source_conditions(account_id, source_arn, arn_operator)
    if condition:
        statement["Condition"] = condition
    return policy_document(statement)
