"""`python -m tools.plan STACK --k8s-dir DIR`: every Kubernetes object the program declares, as YAML.

One file per object (`<kind>--<namespace>--<name>.yaml`), taken from the captured `kubernetes:*`
registrations with their inputs exactly as the provider receives them. Helm releases are not
objects: their charts are rendered only by the provider against a live cluster, so what can be
checked offline is the release itself (chart, pinned version, values), written under `helm/`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .plan_model import SECRET, Plan, PlannedResource

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_DIR = "helm"
_FIRST = ("apiVersion", "kind", "metadata")


def is_kubernetes_object(resource: PlannedResource) -> bool:
    return resource.type.startswith("kubernetes:") and resource.type != HELM_RELEASE and resource.custom


# A Secret's whole `data`/`stringData` map is secret in the plan; the file keeps its shape.
REDACTED_MAP = {"redacted-by-offline-plan": SECRET}


def manifest(resource: PlannedResource) -> dict[str, Any]:
    """The object with apiVersion, kind and metadata first (the order people read manifests in)."""
    inputs = dict(resource.inputs)
    for key in ("data", "stringData"):
        if inputs.get(key) == SECRET:
            inputs[key] = dict(REDACTED_MAP)
    ordered = {key: _sorted(inputs.pop(key)) for key in _FIRST if key in inputs}
    ordered.update((key, _sorted(value)) for key, value in sorted(inputs.items()))
    return ordered


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def file_name(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata", {})
    parts = [obj.get("kind", "Unknown"), meta.get("namespace", "cluster"), meta.get("name", "unnamed")]
    return "--".join(re.sub(r"[^a-z0-9.-]+", "-", part.lower()) for part in parts) + ".yaml"


def release_document(resource: PlannedResource) -> dict[str, Any]:
    keys = ("name", "namespace", "chart", "version", "repositoryOpts", "values")
    return {key: resource.inputs[key] for key in keys if key in resource.inputs}


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=120)


def export_manifests(plan: Plan, directory: Path) -> list[Path]:
    """Writes the objects (and the Helm release values under helm/); returns the object files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for resource in plan.resources:
        if is_kubernetes_object(resource):
            obj = manifest(resource)
            path = directory / file_name(obj)
            if path in written:
                raise ValueError(f"two Kubernetes objects would both be written to {path.name}")
            path.write_text(_dump(obj))
            written.append(path)
        elif resource.type == HELM_RELEASE:
            helm = directory / HELM_DIR
            helm.mkdir(exist_ok=True)
            document = _sorted(release_document(resource))
            (helm / f"{document.get('namespace', 'default')}--{document.get('name', resource.name)}.yaml").write_text(_dump(document))
    return sorted(written)
