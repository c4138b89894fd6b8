"""Reads a Pulumi stack file the way the CLI hands it to a program: string values, JSON for objects.

Secure values cannot be decrypted here, so each becomes the fake secret `offline-secret:<key>`
and its top-level key is marked secret, exactly as the CLI marks a decrypted one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FAKE_SECRET_PREFIX = "offline-secret:"


@dataclass(frozen=True)
class StackConfig:
    values: dict[str, str]
    secret_keys: list[str]


def project_name(project_dir: Path) -> str:
    return yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]


def load_stack_file(path: Path, project: str) -> StackConfig:
    document = yaml.safe_load(path.read_text()) or {}
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (document.get("config") or {}).items():
        # The CLI reads a bare key as belonging to the project.
        full_key = key if ":" in key else f"{project}:{key}"
        plain, secret = _reveal(value, full_key)
        if secret:
            secret_keys.append(full_key)
        values[full_key] = plain if isinstance(plain, str) else json.dumps(plain)
    return StackConfig(values=values, secret_keys=sorted(secret_keys))


def _reveal(value: Any, key: str) -> tuple[Any, bool]:
    """Replaces `{secure: ...}` anywhere in a value by its fake secret; says whether it found one."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return f"{FAKE_SECRET_PREFIX}{key}", True
        found = False
        out = {}
        for child_key, child in value.items():
            out[child_key], secret = _reveal(child, f"{key}.{child_key}")
            found = found or secret
        return out, found
    if isinstance(value, list):
        found = False
        out_list = []
        for index, child in enumerate(value):
            plain, secret = _reveal(child, f"{key}[{index}]")
            out_list.append(plain)
            found = found or secret
        return out_list, found
    return value, False
