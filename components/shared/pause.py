"""What a stack that may be paused does to the protections of the resources a pause deletes.

A pause deletes the cache (into a final snapshot it is restored from), the EKS cluster and the ALB.
Where stateful resources are protected (production), those protections would make the pause fail;
a stack that allows pausing (`ohmycoins:general.allowProductionPause`) lifts them on exactly these
resources and tags them, so the policy pack knows the lifted protection is deliberate.
"""

from __future__ import annotations

from dataclasses import dataclass

# The policy pack's resilience rules accept a missing protection on resources tagged with this
# (policy/rules/resilience.py repeats the key: the pack imports nothing from the program).
PAUSE_ALLOWED_TAG = "PauseAllowed"


@dataclass(frozen=True)
class PauseProtection:
    """`protect`/deletion protection for a resource a pause deletes, and the tags that explain it."""

    protect: bool
    tags: dict[str, str]


def pause_protection(protect_stateful: bool, pausable: bool) -> PauseProtection:
    if protect_stateful and pausable:
        return PauseProtection(protect=False, tags={PAUSE_ALLOWED_TAG: "true"})
    return PauseProtection(protect=protect_stateful, tags={})
