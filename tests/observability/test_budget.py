"""Each stack's monthly cost budget: filtered by its Stack tag, alerting the stack's topic."""

from __future__ import annotations

import json

import pytest

BUDGET = "aws:budgets/budget:Budget"
TAG = "aws:costexplorer/costAllocationTag:CostAllocationTag"


@pytest.mark.parametrize("stack, limit", [("staging", "330.00"), ("production", "1500.00")])
def test_one_monthly_cost_budget_per_stack_on_its_stack_tag(request, stack, limit):
    plan = request.getfixturevalue(f"{stack}_plan")
    (budget,) = plan.all(BUDGET)
    assert budget.inputs["name"] == f"ohmycoins-{stack}-monthly"
    assert (budget.inputs["budgetType"], budget.inputs["timeUnit"]) == ("COST", "MONTHLY")
    assert (budget.inputs["limitAmount"], budget.inputs["limitUnit"]) == (limit, "USD")
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:Stack${stack}"]}]
    assert plan.outputs["budgetName"] == f"ohmycoins-{stack}-monthly"


def test_actual_and_forecast_thresholds_notify_the_alert_topic(any_plan):
    (budget,) = any_plan.all(BUDGET)
    topic = any_plan.outputs["alertTopicArn"]
    notes = [(n["notificationType"], n["threshold"], n["comparisonOperator"], n["thresholdType"]) for n in budget.inputs["notifications"]]
    assert notes == [
        ("ACTUAL", 80, "GREATER_THAN", "PERCENTAGE"),
        ("ACTUAL", 100, "GREATER_THAN", "PERCENTAGE"),
        ("FORECASTED", 100, "GREATER_THAN", "PERCENTAGE"),
    ]
    assert all(n["subscriberSnsTopicArns"] == [topic] for n in budget.inputs["notifications"])


def test_only_production_activates_the_account_wide_cost_allocation_tag(staging_plan, production_plan):
    assert not staging_plan.all(TAG)
    (tag,) = production_plan.all(TAG)
    assert tag.inputs == {"tagKey": "Stack", "status": "Active"}
    assert tag.retainOnDelete
    assert tag.urn in production_plan.one(BUDGET).dependencies


def test_the_topic_and_its_key_let_this_accounts_budgets_publish(any_plan):
    policy = json.loads(any_plan.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    budgets = {s["Sid"]: s for s in policy["Statement"]}["BudgetsPublish"]
    assert budgets["Principal"] == {"Service": "budgets.amazonaws.com"} and budgets["Action"] == "sns:Publish"
    assert budgets["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:budgets::123456789012:*"},
    }
    key_policy = json.loads(any_plan.named("kms-key").inputs["policy"])
    statement = {s["Sid"]: s for s in key_policy["Statement"]}["BudgetsPublishToEncryptedTopics"]
    assert statement["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:budgets::123456789012:*"}


@pytest.mark.parametrize(
    "budget, key, reason",
    [
        ({"monthlyLimitUsd": 0}, "ohmycoins:budget.monthlyLimitUsd", "greater than 0"),
        ({"actualThresholdsPercent": [80, 80]}, "ohmycoins:budget.actualThresholdsPercent", "must not repeat"),
        ({"forecastThresholdsPercent": [0]}, "ohmycoins:budget.forecastThresholdsPercent", "is not a percentage"),
        ({"actualThresholdsPercent": [], "forecastThresholdsPercent": []}, "ohmycoins:budget.actualThresholdsPercent", "never alerts"),
        (
            {"actualThresholdsPercent": list(range(10, 110, 10)), "forecastThresholdsPercent": [100]},
            "ohmycoins:budget.forecastThresholdsPercent",
            "10 notifications per budget",
        ),
        ({"costAllocationTag": "activate"}, "ohmycoins:budget.costAllocationTag", "'create' or 'existing'"),
    ],
)
def test_bad_budget_settings_are_refused(assert_refused, budget, key, reason):
    assert_refused("staging", lambda c: c["ohmycoins:budget"].update(budget), key, reason)
