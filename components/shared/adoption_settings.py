"""`ohmycoins:adoption`: AWS objects the stack adopts (imports) instead of creating them.

`python -m tools.adopt` writes this area from a Terraform state; the README's adoption runbook says
when to remove it again (after the adopting `pulumi up`).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from components.shared.settings_model import Model, Problem

# The program's logical resource names: lowercase, digits and `-`, plus the `.` and `@` of email
# subscriptions (`alerts-email-ops@ohmycoins.com`).
_LOGICAL_NAME = re.compile(r"^[a-z0-9][a-z0-9.@_-]*$")
# Import ids are ids, names or ARNs: never empty, never with spaces (Route 53 record ids join parts with `_`).
_IMPORT_ID = re.compile(r"^\S{1,2048}$")


def _import_id(value: str) -> str:
    if not _IMPORT_ID.match(value):
        raise ValueError(f"'{value}' is not an import id: an AWS id, name or ARN without spaces")
    return value


class AdoptionSettings(Model):
    # Logical resource name (as `python -m tools.plan` shows it) -> the id Pulumi imports it by.
    imports: dict[str, Annotated[str, AfterValidator(_import_id)]] = Field(default_factory=dict)

    def problems(self) -> list[Problem]:
        problems: list[Problem] = []
        first_name_of: dict[str, str] = {}
        for name, import_id in sorted(self.imports.items()):
            if not _LOGICAL_NAME.match(name):
                problems.append(Problem(("imports", name), "is not a resource name of this program (lowercase letters, digits, '-')"))
            if import_id in first_name_of:
                problems.append(Problem(("imports", name), f"imports the same AWS object as '{first_name_of[import_id]}'"))
            first_name_of.setdefault(import_id, name)
        return problems
