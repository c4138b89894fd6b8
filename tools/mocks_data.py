"""Mock outputs of the data tier (RDS, ElastiCache, Secrets Manager, KMS alias) and of pulumi-random.

Values have the shapes AWS returns; `tools/mocks.py` merges this table into its own. Generated
secrets carry the fake-secret marker, so the engine's leak check covers them like secure config.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .stack_file import FAKE_SECRET_PREFIX

# The short region names in ElastiCache endpoints.
_CACHE_REGION = {"ap-southeast-2": "apse2", "us-east-1": "use1", "us-west-2": "usw2"}
_SECRET_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _uuid(text: str) -> str:
    h = _hex(text, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def _secret_arn(c, name: str) -> str:
    # Secrets Manager appends a hyphen and six random characters to the name.
    digest = hashlib.sha256(name.encode()).digest()
    suffix = "".join(_SECRET_SUFFIX_ALPHABET[b % len(_SECRET_SUFFIX_ALPHABET)] for b in digest[:6])
    return c.arn("secretsmanager", f"secret:{name}-{suffix}")


def _generated(c, length: int) -> str:
    """A fake generated secret of the requested length that the leak check recognises."""
    text = f"{FAKE_SECRET_PREFIX}random-{c.name}-" + _hex(c.name, 64) * 3
    return text[: max(length, len(FAKE_SECRET_PREFIX) + 8)]


def _rds_instance(c) -> dict[str, Any]:
    identifier = c.inputs.get("identifier", c.physical_name)
    address = f"{identifier}.c{_hex(c.account + c.region, 11)}.{c.region}.rds.amazonaws.com"
    port = int(c.inputs.get("port", 5432))
    outputs: dict[str, Any] = {
        "identifier": identifier,
        "arn": c.arn("rds", f"db:{identifier}"),
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "resourceId": "db-" + _hex(identifier, 26).upper(),
        "hostedZoneId": "Z32T0VRHXEXS0V",
        "engineVersionActual": "17.6" if str(c.inputs.get("engineVersion", "17")).startswith("17") else c.inputs.get("engineVersion"),
    }
    if c.inputs.get("manageMasterUserPassword"):
        outputs["masterUserSecrets"] = [
            {
                "secretArn": _secret_arn(c, f"rds!db-{_uuid(identifier)}"),
                "kmsKeyId": c.inputs.get("masterUserSecretKmsKeyId", ""),
                "secretStatus": "active",
            }
        ]
    return outputs


def _replication_group(c) -> dict[str, Any]:
    group_id = c.inputs.get("replicationGroupId", c.physical_name)
    host = f"{group_id}.{_hex(group_id, 6)}.{_CACHE_REGION.get(c.region, 'apse2')}.cache.amazonaws.com"
    nodes = int(c.inputs.get("numCacheClusters", 1))
    return {
        "arn": c.arn("elasticache", f"replicationgroup:{group_id}"),
        "primaryEndpointAddress": f"master.{host}",
        "readerEndpointAddress": f"replica.{host}",
        "memberClusters": [f"{group_id}-{index:03d}" for index in range(1, nodes + 1)],
        "port": int(c.inputs.get("port", 6379)),
        "engineVersionActual": f"{c.inputs.get('engineVersion', '7.1')}.0",
    }


def _random_id(c) -> dict[str, Any]:
    seed = json.dumps({"name": c.name, "keepers": c.inputs.get("keepers") or {}, "bytes": c.inputs.get("byteLength")}, sort_keys=True)
    digest = hashlib.sha256(seed.encode()).digest()[: int(c.inputs.get("byteLength", 8))]
    return {
        "hex": digest.hex(),
        "dec": str(int.from_bytes(digest, "big")),
        "b64Std": base64.b64encode(digest).decode(),
        "b64Url": base64.urlsafe_b64encode(digest).decode().rstrip("="),
    }


OUTPUTS = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/subnetGroup:SubnetGroup": lambda c: {"arn": c.arn("rds", f"subgrp:{c.physical_name}")},
    "aws:rds/parameterGroup:ParameterGroup": lambda c: {"arn": c.arn("rds", f"pg:{c.physical_name}")},
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:elasticache/subnetGroup:SubnetGroup": lambda c: {"arn": c.arn("elasticache", f"subnetgroup:{c.physical_name}")},
    "aws:elasticache/parameterGroup:ParameterGroup": lambda c: {"arn": c.arn("elasticache", f"parametergroup:{c.physical_name}")},
    "aws:secretsmanager/secret:Secret": lambda c: {"arn": _secret_arn(c, c.physical_name)},
    "aws:secretsmanager/secretVersion:SecretVersion": lambda c: {
        "arn": c.inputs.get("secretId", ""),
        "versionId": _uuid(c.name),
        "versionStages": ["AWSCURRENT"],
    },
    "aws:kms/alias:Alias": lambda c: {
        "arn": c.arn("kms", c.physical_name),
        "targetKeyArn": c.arn("kms", f"key/{c.inputs.get('targetKeyId', '')}"),
    },
    "random:index/randomPassword:RandomPassword": lambda c: {
        "result": _generated(c, int(c.inputs.get("length", 32))),
        "bcryptHash": "$2a$10$" + _hex(c.name, 53),
    },
    # A new id only when an input that replaces it changes (keepers, length), as pulumi-random does.
    "random:index/randomId:RandomId": lambda c: _random_id(c),
    "random:index/randomBytes:RandomBytes": lambda c: {
        "base64": _generated(c, 4 * ((int(c.inputs.get("length", 32)) + 2) // 3)),
        "hex": _generated(c, 2 * int(c.inputs.get("length", 32))),
    },
}
