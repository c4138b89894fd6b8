"""What each cost-saving setting of a stack saves a month: the stack planned with that one setting
turned back, priced, minus the stack as it is.

A saving is listed only where the stack uses it. The figures overlap a little (Graviton NAT
instance and NAT instance, for example), so they are not meant to be summed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .plan_model import Plan
from .variants import Change, run_variant

Config = dict[str, Any]

# Same size, other architecture: what a Graviton class would be on x86 (and what it saves).
X86_EQUIVALENT = {"t4g": "t3", "m6g": "m5", "m7g": "m7i", "c6g": "c5", "c7g": "c7i", "r6g": "r5", "r7g": "r7i"}


def x86_equivalent(instance_class: str) -> str:
    """'db.t4g.micro' -> 'db.t3.micro', 'm7g.xlarge' -> 'm7i.xlarge'; other classes unchanged."""
    parts = instance_class.split(".")
    index = 1 if parts[0] in ("db", "cache") else 0
    parts[index] = X86_EQUIVALENT.get(parts[index], parts[index])
    return ".".join(parts)


def _area(config: Config, area: str) -> dict[str, Any]:
    return config.setdefault(f"ohmycoins:{area}", {})


def _groups(config: Config) -> dict[str, Any]:
    return _area(config, "eks").get("nodeGroups") or {}


@dataclass(frozen=True)
class Saving:
    """A setting that lowers the bill: whether a stack uses it, and the stack file without it."""

    what: str
    used: Callable[[Config], bool]
    revert: Change


def _gateway_instead(config: Config) -> None:
    _area(config, "network")["natType"] = "gateway"
    _area(config, "network").pop("natInstanceType", None)


def _on_demand_runners(config: Config) -> None:
    _groups(config)["runners"]["capacityType"] = "ON_DEMAND"


def _x86_everywhere(config: Config) -> None:
    _area(config, "general")["architecture"] = "x86_64"
    for group in _groups(config).values():
        group["instanceTypes"] = list(dict.fromkeys(x86_equivalent(t) for t in group["instanceTypes"]))
    network = _area(config, "network")
    if "natInstanceType" in network:
        network["natInstanceType"] = x86_equivalent(network["natInstanceType"])
    for area, key in (("database", "instanceClass"), ("database", "readReplicaInstanceClass"), ("cache", "nodeType")):
        if key in _area(config, area):
            _area(config, area)[key] = x86_equivalent(_area(config, area)[key])


def _apps_group(config: Config) -> None:
    large = "t4g.large" if _area(config, "general").get("architecture") == "arm64" else "t3.large"
    _groups(config)["apps"] = {"instanceTypes": [large], "minSize": 1, "desiredSize": 1, "maxSize": 3}


def _no_fargate_spot(config: Config) -> None:
    _area(config, "apps")["preferSpot"] = False


SAVINGS: tuple[Saving, ...] = (
    Saving(
        "NAT instance instead of NAT gateways (network.natType: instance)",
        lambda c: _area(c, "network").get("natType") == "instance" and _area(c, "network").get("natStrategy") != "none",
        _gateway_instead,
    ),
    Saving(
        "Spot runner nodes (eks.nodeGroups.runners.capacityType: SPOT)",
        lambda c: bool(_area(c, "eks").get("enabled")) and (_groups(c).get("runners") or {}).get("capacityType") == "SPOT",
        _on_demand_runners,
    ),
    Saving(
        "Graviton Fargate tasks, nodes, NAT instance and data tier (general.architecture: arm64)",
        lambda c: _area(c, "general").get("architecture") == "arm64",
        _x86_everywhere,
    ),
    Saving(
        "no apps node group while the apps run on ECS (eks.nodeGroups without apps)",
        lambda c: bool(_area(c, "eks").get("enabled")) and "apps" not in _groups(c) and _area(c, "apps").get("platform") == "ecs",
        _apps_group,
    ),
    Saving(
        "Fargate Spot for workers, jobs and scaled-out tasks (apps.preferSpot)",
        lambda c: bool(_area(c, "apps").get("preferSpot")) and _area(c, "apps").get("platform") == "ecs",
        _no_fargate_spot,
    ),
)


def savings(
    stack: str,
    config: Config,
    monthly: float,
    price: Callable[[Plan], float],
    stack_file: Path | None = None,
    saving_list: tuple[Saving, ...] | list[Saving] = SAVINGS,
) -> list[tuple[str, float]]:
    """(what, monthly saving) of each saving the stack's running `config` uses; `monthly` is its cost,
    `price` the monthly cost of a plan (tools/cost.py)."""
    found = []
    for saving in saving_list:
        if not saving.used(config):
            continue

        def without(document: Config, saving: Saving = saving) -> None:
            document.setdefault("ohmycoins:general", {})["paused"] = False
            saving.revert(document)

        found.append((saving.what, price(run_variant(stack, without, stack_file)) - monthly))
    return found
