"""Every EventBridge Scheduler schedule can start its target: it hands the scheduler a role of its own that trusts only the scheduler."""

from __future__ import annotations

import json

import pytest

SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE = "aws:iam/role:Role"


@pytest.mark.parametrize("plan_fixture", ["staging_plan", "production_plan", "eks_apps_plan", "paused_plan"])
def test_every_schedule_assumes_a_role_that_trusts_the_scheduler_from_this_account(request, plan_fixture):
    plan = request.getfixturevalue(plan_fixture)
    by_urn = {r.urn: r for r in plan.resources}
    schedules = plan.all(SCHEDULE)
    assert schedules
    for schedule in schedules:
        [role] = [by_urn[urn] for urn in schedule.propertyDependencies["target"] if by_urn[urn].type == ROLE]
        assert schedule.inputs["target"]["roleArn"] == f"arn:aws:iam::123456789012:role/{role.inputs['name']}", schedule.name
        [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}, schedule.name
        assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}, schedule.name
