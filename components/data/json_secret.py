"""One Secrets Manager secret holding a JSON document: the shape of every secret the data tier keeps."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws


def json_secret(
    resource_name: str,
    *,
    name: str,
    description: str,
    values: Mapping[str, pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str],
    recovery_window_days: int,
    parent: pulumi.Resource,
) -> aws.secretsmanager.Secret:
    """The secret `name` (KMS-encrypted) and its version `<resource_name>-value` holding `values` as JSON, secret in state."""
    opts = pulumi.ResourceOptions(parent=parent)
    secret = aws.secretsmanager.Secret(
        resource_name,
        name=name,
        description=description,
        kms_key_id=kms_key_arn,
        recovery_window_in_days=recovery_window_days,
        tags={"Name": name},
        opts=opts,
    )
    document = pulumi.Output.all(**values).apply(lambda resolved: json.dumps(resolved, sort_keys=True))
    aws.secretsmanager.SecretVersion(f"{resource_name}-value", secret_id=secret.id, secret_string=pulumi.Output.secret(document), opts=opts)
    return secret
