"""`ohmycoins:budget`: the stack's monthly AWS Budgets cost budget and when it alerts."""

from __future__ import annotations

from pydantic import Field, field_validator

from components.security.audit_settings import Ownership
from components.shared.settings_model import Model, Problem

# AWS Budgets allows up to ten notifications per budget.
MAX_NOTIFICATIONS = 10
# The default tag (components/shared/provider.py) the budget filters on; AWS Budgets sees it only
# once it is an active cost allocation tag of the account.
COST_ALLOCATION_TAG = "Stack"


def _thresholds(values: list[float]) -> list[float]:
    for value in values:
        if not 0 < value <= 1000:
            raise ValueError(f"{value:g} is not a percentage of the budget between 0 (exclusive) and 1000")
    if len(set(values)) != len(values):
        raise ValueError("thresholds must not repeat")
    return values


class BudgetSettings(Model):
    # What the stack may cost in a month (USD, AWS Budgets' default cost types), by its Stack tag.
    monthly_limit_usd: float = Field(gt=0, le=1_000_000)
    # Alert when the month's actual cost passes these percentages of the limit...
    actual_thresholds_percent: list[float] = Field(default_factory=lambda: [80.0, 100.0])
    # ...and when AWS forecasts the month's end above these.
    forecast_thresholds_percent: list[float] = Field(default_factory=lambda: [100.0])
    # The `Stack` cost allocation tag is account-wide: one stack per account activates it
    # (`create`), the others rely on it (`existing`). In an AWS Organization only the management
    # account can activate it: activate it there and say `existing` everywhere.
    cost_allocation_tag: Ownership

    @field_validator("actual_thresholds_percent", "forecast_thresholds_percent")
    @classmethod
    def _valid_thresholds(cls, values: list[float]) -> list[float]:
        return _thresholds(values)

    def problems(self) -> list[Problem]:
        count = len(self.actual_thresholds_percent) + len(self.forecast_thresholds_percent)
        if count == 0:
            return [Problem(("actualThresholdsPercent",), "a budget without a threshold never alerts; give at least one")]
        if count > MAX_NOTIFICATIONS:
            return [
                Problem(
                    ("forecastThresholdsPercent",),
                    f"{count} thresholds, but AWS Budgets allows {MAX_NOTIFICATIONS} notifications per budget",
                )
            ]
        return []
