"""The stack's settings: the only reader of `pulumi.Config`.

Each config area (`ohmycoins:network`, ...) is one object in the stack file, parsed into a frozen
model from `components/config/`. Every problem in every area is collected first and reported
together, with the key path as written in the stack file, before any resource is registered.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi.runtime.config as runtime_config
from pydantic import ValidationError

from .config.base import Model, Path, Problem, check_aws_name
from .config.general import NAME_PREFIX_MAX, GeneralSettings
from .config.network import NetworkSettings

PROJECT = "ohmycoins"

# Every `ohmycoins:<area>` of plain settings the program reads, and the model that checks it.
AREAS: dict[str, type[Model]] = {
    "general": GeneralSettings,
    "network": NetworkSettings,
}


class SettingsError(pulumi.RunError):
    """A bad stack file. `RunError` makes the Pulumi CLI print the message without a traceback."""

    def __init__(self, stack: str, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = [f"stack '{stack}' has {len(problems)} invalid setting(s):"]
        lines += [f"  {key}: {reason}" for key, reason in problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Settings:
    """Everything the program needs to know about the stack, validated."""

    project: str
    stack: str
    region: str
    general: GeneralSettings
    network: NetworkSettings

    @property
    def prefix(self) -> str:
        """`ohmycoins-<stack>`: the start of every AWS name of this stack."""
        return self.general.name_prefix or f"{PROJECT}-{self.stack}"

    def name(self, thing: str) -> str:
        return f"{self.prefix}-{thing}"

    @property
    def is_production(self) -> bool:
        return self.general.environment == "production"


def key_path(area: str, path: Path) -> str:
    """('privateAppSubnets', 1) in area 'network' -> 'ohmycoins:network.privateAppSubnets[1]'."""
    text = f"{PROJECT}:{area}"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _configured_keys() -> set[str]:
    """Every config key the CLI (or the offline engine) gave this program."""
    return set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())


def _pydantic_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        reason = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            reason = "unknown setting"
        elif item["type"] == "missing":
            reason = "required setting is missing"
        problems.append(Problem(path, reason))
    return problems


def cross_area_problems(parsed: dict[str, Model], stack: str, region: str) -> list[tuple[str, str]]:
    """Checks between areas (or between an area and the stack); runs once every area parsed cleanly."""
    problems: list[tuple[str, str]] = []
    network = parsed["network"]
    assert isinstance(network, NetworkSettings)
    for index, zone in enumerate(network.availability_zones):
        if not zone.startswith(region):
            problems.append((key_path("network", ("availabilityZones", index)), f"'{zone}' is not in the stack's region {region}"))

    general = parsed["general"]
    assert isinstance(general, GeneralSettings)
    if general.name_prefix is None:
        try:
            check_aws_name(f"{PROJECT}-{stack}", NAME_PREFIX_MAX)
        except ValueError as error:
            problems.append((key_path("general", ("namePrefix",)), f"the default prefix from the stack name is unusable: {error}; set one"))
    return problems


def load_settings() -> Settings:
    """Reads and validates the stack's config; raises SettingsError naming every bad key."""
    stack = pulumi.get_stack()
    config = pulumi.Config(PROJECT)
    problems: list[tuple[str, str]] = []

    for key in sorted(_configured_keys()):
        namespace, _, area = key.partition(":")
        if namespace == PROJECT and area not in AREAS:
            problems.append((key, f"unknown setting; known areas are {', '.join(sorted(AREAS))}"))

    region = pulumi.Config("aws").get("region")
    if not region:
        problems.append(("aws:region", "required setting is missing"))

    parsed: dict[str, Model] = {}
    for area, model in AREAS.items():
        try:
            raw = config.get_object(area)
        except pulumi.ConfigTypeError:
            problems.append((f"{PROJECT}:{area}", "must be an object of settings"))
            continue
        if raw is None:
            problems.append((f"{PROJECT}:{area}", "required setting is missing"))
            continue
        if runtime_config.is_config_secret(f"{PROJECT}:{area}"):
            # Plain settings end up in resource inputs, state and plan output unmasked.
            problems.append((f"{PROJECT}:{area}", "holds a secure value, but these settings are not secret; set plain values"))
            continue
        if not isinstance(raw, dict):
            problems.append((f"{PROJECT}:{area}", "must be an object of settings"))
            continue
        try:
            parsed[area] = model.model_validate(raw)
        except ValidationError as error:
            problems += [(key_path(area, p.path), p.reason) for p in _pydantic_problems(error)]
            continue
        problems += [(key_path(area, p.path), p.reason) for p in parsed[area].problems()]

    if not problems:
        problems += cross_area_problems(parsed, stack=stack, region=str(region))

    if problems:
        raise SettingsError(stack, problems)
    return Settings(project=PROJECT, stack=stack, region=str(region), **parsed)  # type: ignore[arg-type]
