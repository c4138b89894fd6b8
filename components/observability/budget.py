"""The stack's monthly cost budget: AWS Budgets watches the resources tagged with the stack's name
and tells the alert topic when the month's actual or forecast cost passes a threshold."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.observability.budget_settings import COST_ALLOCATION_TAG, BudgetSettings


def tag_filter(stack: str) -> str:
    """AWS Budgets' TagKeyValue filter of a user-defined cost allocation tag: `user:<key>$<value>`."""
    return f"user:{COST_ALLOCATION_TAG}${stack}"


def notifications(settings: BudgetSettings) -> list[tuple[str, float]]:
    """(notification type, percent) of every alert, actual ones first."""
    return [("ACTUAL", p) for p in settings.actual_thresholds_percent] + [("FORECASTED", p) for p in settings.forecast_thresholds_percent]


@dataclass(frozen=True)
class BudgetArgs:
    settings: BudgetSettings
    stack: str
    name_prefix: str
    # The alert topic; its policy and key let budgets.amazonaws.com publish.
    topic_arn: pulumi.Input[str]


class Budget(pulumi.ComponentResource):
    """A monthly COST budget on the stack's Stack tag, alerting the stack's topic."""

    budget_name: pulumi.Output[str]

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("ohmycoins:budget:Budget", name, None, opts)
        settings = args.settings
        depends: list[pulumi.Resource] = []
        if settings.cost_allocation_tag == "create":
            # Account-wide: costs carry the tag from activation on (not retroactively), and
            # deactivating it would blind every budget on it; it is never deactivated by Pulumi.
            depends.append(
                aws.costexplorer.CostAllocationTag(
                    f"{name}-stack-tag",
                    tag_key=COST_ALLOCATION_TAG,
                    status="Active",
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                )
            )
        budget = aws.budgets.Budget(
            f"{name}-monthly",
            name=f"{args.name_prefix}-monthly",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{settings.monthly_limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=[aws.budgets.BudgetCostFilterArgs(name="TagKeyValue", values=[tag_filter(args.stack)])],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN",
                    notification_type=kind,
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=[args.topic_arn],
                )
                for kind, percent in notifications(settings)
            ],
            tags={"Name": f"{args.name_prefix}-monthly"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self.budget_name = budget.name
        self.register_outputs({"budget_name": self.budget_name})
