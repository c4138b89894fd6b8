"""Which KMS key encrypts a data store at rest: the stack's own key, the AWS-managed one, or an existing key.

A store's key can only be chosen when it is created (changing it replaces the database or cache),
so a stack that adopts stores made elsewhere names the key they already use.
"""

from __future__ import annotations

import re

import pulumi

STACK_KEY = "stack"
AWS_MANAGED_KEY = "aws-managed"

# A KMS key ARN (single- or multi-Region key); aliases are refused because RDS and ElastiCache
# record the key itself, so an alias would show as a difference on every preview.
_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:key/"
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)


def check_encryption_key(value: str) -> str:
    """'stack', 'aws-managed' or a KMS key ARN; raises ValueError saying which forms are accepted."""
    if value in (STACK_KEY, AWS_MANAGED_KEY) or _KEY_ARN.match(value):
        return value
    raise ValueError(f"'{value}' is not '{STACK_KEY}', '{AWS_MANAGED_KEY}' or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")


def key_region(value: str) -> str | None:
    """The region of a key ARN ('ap-southeast-2'); None for 'stack' and 'aws-managed'."""
    match = _KEY_ARN.match(value)
    return match["region"] if match else None


def storage_key_arn(choice: str, stack_key_arn: pulumi.Input[str]) -> pulumi.Input[str] | None:
    """The `kmsKeyId` input: the stack's key, the given ARN, or None (the service's AWS-managed key)."""
    if choice == STACK_KEY:
        return stack_key_arn
    if choice == AWS_MANAGED_KEY:
        return None
    return choice
