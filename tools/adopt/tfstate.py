"""A Terraform state file (format 4), read strictly: a state this tool cannot read is refused whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class AdoptionRefused(Exception):
    """The state cannot be adopted as it is; the message names the address and the reason."""


@dataclass(frozen=True)
class Instance:
    """One managed resource instance: `module.vpc.aws_subnet.public[0]` and its attributes."""

    module: str  # "module.vpc", or "" at the root
    type: str
    name: str
    index: int | str | None
    attributes: dict[str, Any]
    # Attribute paths Terraform marks sensitive, e.g. [("password",)].
    sensitive_paths: tuple[tuple[str | int, ...], ...] = ()

    @property
    def resource_address(self) -> str:
        """The address without the instance key: what a `removed` block names."""
        return f"{self.module}.{self.type}.{self.name}" if self.module else f"{self.type}.{self.name}"

    @property
    def address(self) -> str:
        if self.index is None:
            return self.resource_address
        key = json.dumps(self.index) if isinstance(self.index, str) else str(self.index)
        return f"{self.resource_address}[{key}]"

    def get(self, key: str, default: Any = None) -> Any:
        return self.attributes.get(key, default)


@dataclass(frozen=True)
class TerraformState:
    terraform_version: str
    serial: int
    lineage: str
    instances: tuple[Instance, ...]
    data_sources: tuple[str, ...]  # addresses of `data` blocks: lookups, nothing to hand off
    sensitive_outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Instance]:
        return [i for i in self.instances if i.type == type_]

    def by_id(self, type_: str, resource_id: str) -> Instance | None:
        return next((i for i in self.of_type(type_) if i.get("id") == resource_id), None)

    def secret_values(self) -> set[str]:
        """Every value Terraform marks sensitive that is not also visible elsewhere in the state.

        Used to prove no written file carries one. Short values (ports, flags) and values the state
        also holds in the clear (a host name, a user name) are not secrets anyone could learn here.
        """
        public = {value for instance in self.instances for value in _public_strings(instance.attributes, (), instance.sensitive_paths)}
        return {value for value in _sensitive_strings(self) if len(value) >= 8 and value not in public}


def _public_strings(value: Any, path: tuple[str | int, ...], sensitive: tuple[tuple[str | int, ...], ...]) -> Iterator[str]:
    if path in sensitive:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _public_strings(child, (*path, key), sensitive)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _public_strings(child, (*path, index), sensitive)
    elif isinstance(value, str):
        yield value


def _sensitive_strings(state: TerraformState) -> Iterator[str]:
    for instance in state.instances:
        for path in instance.sensitive_paths:
            yield from _strings([_at(instance.attributes, path)])
    yield from _strings(state.sensitive_outputs.values())


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
    return value


def _strings(values) -> Iterator[str]:
    """Every string inside the values; JSON documents in strings (a secret's value) are opened too."""
    for value in values:
        if isinstance(value, str):
            yield value
            if value[:1] in "{[":
                try:
                    yield from _strings([json.loads(value)])
                except ValueError:
                    pass
        elif isinstance(value, dict):
            yield from _strings(value.values())
        elif isinstance(value, list):
            yield from _strings(value)


def read_state(path: Path) -> TerraformState:
    """Parses a state file; raises AdoptionRefused saying what is wrong with it."""
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise AdoptionRefused(f"{path}: cannot read the state file ({error.strerror})") from error
    except ValueError as error:
        raise AdoptionRefused(f"{path}: not a Terraform state (not JSON: {error})") from error
    if not isinstance(document, dict) or document.get("version") != 4:
        found = document.get("version") if isinstance(document, dict) else type(document).__name__
        raise AdoptionRefused(f"{path}: state format version {found!r}; this tool reads format 4 (Terraform 0.12 and later)")
    if not isinstance(document.get("resources"), list):
        raise AdoptionRefused(f"{path}: the state has no `resources` list")
    instances: list[Instance] = []
    data_sources: list[str] = []
    for position, resource in enumerate(document["resources"]):
        _check_resource(path, position, resource)
        module = resource.get("module", "") or ""
        if resource.get("mode") == "data":
            data_sources.append(f"{module + '.' if module else ''}data.{resource['type']}.{resource['name']}")
            continue
        for instance in resource["instances"]:
            if not isinstance(instance, dict) or not isinstance(instance.get("attributes"), dict):
                raise AdoptionRefused(f"{path}: {resource['type']}.{resource['name']} has an instance without attributes")
            instances.append(
                Instance(
                    module=module,
                    type=resource["type"],
                    name=resource["name"],
                    index=instance.get("index_key"),
                    attributes=instance["attributes"],
                    sensitive_paths=tuple(_paths(instance.get("sensitive_attributes") or [])),
                )
            )
    outputs = document.get("outputs") or {}
    return TerraformState(
        terraform_version=str(document.get("terraform_version", "")),
        serial=int(document.get("serial", 0)),
        lineage=str(document.get("lineage", "")),
        instances=tuple(instances),
        data_sources=tuple(data_sources),
        sensitive_outputs={k: v.get("value") for k, v in outputs.items() if isinstance(v, dict) and v.get("sensitive")},
    )


def _check_resource(path: Path, position: int, resource: Any) -> None:
    if not isinstance(resource, dict):
        raise AdoptionRefused(f"{path}: resources[{position}] is not an object")
    for key in ("mode", "type", "name", "instances"):
        if key not in resource:
            raise AdoptionRefused(f"{path}: resources[{position}] has no `{key}`")
    if resource["mode"] not in ("managed", "data"):
        raise AdoptionRefused(f"{path}: resources[{position}] has mode {resource['mode']!r}, neither managed nor data")
    if not isinstance(resource["instances"], list):
        raise AdoptionRefused(f"{path}: {resource['type']}.{resource['name']} has no `instances` list")


def _paths(sensitive: list) -> Iterator[tuple[str | int, ...]]:
    """Terraform's [[{"type": "get_attr", "value": "password"}]] -> ("password",)."""
    for steps in sensitive:
        path: list[str | int] = []
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, dict) and step.get("type") == "get_attr":
                path.append(str(step.get("value")))
            elif isinstance(step, dict) and step.get("type") == "index":
                value = step.get("value", {})
                path.append(value.get("value") if isinstance(value, dict) else value)
        if path:
            yield tuple(path)
