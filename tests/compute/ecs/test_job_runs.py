"""Every scheduled run on ECS is accounted for: time limit, failed task, failed run, missed run, undeliverable invocation."""

from __future__ import annotations

import json

import pytest

from components.compute.ecs.job_definition import job_state_machine
from components.compute.workloads import workload

# job -> (time limit in seconds, hours without a success before "missed")
JOBS = {"defillama": (1800, 25), "sec-api": (1800, 25), "coinspot-announcements": (900, 2)}


@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_run_is_stopped_at_the_jobs_time_limit(any_plan, job):
    definition = json.loads(any_plan.named(f"{job}-runner").inputs["definition"])
    run = definition["States"]["RunTask"]
    assert run["Resource"] == "arn:aws:states:::ecs:runTask.sync"
    assert run["TimeoutSeconds"] == JOBS[job][0]
    assert run["Catch"] == [{"ErrorEquals": ["States.Timeout"], "Next": "TimeLimitExceeded"}]
    assert definition["States"]["TimeLimitExceeded"]["Type"] == "Fail"
    # The runner may stop the tasks it started (how the time limit ends a hung run).
    policy = {s["Sid"]: s for s in json.loads(any_plan.named(f"{job}-runner-policy").inputs["policy"])["Statement"]}
    assert policy["FollowAndStopTheJob"]["Action"] == ["ecs:DescribeTasks", "ecs:StopTask"]


@pytest.mark.parametrize("job", sorted(JOBS))
def test_the_runner_may_start_only_its_job_and_hand_over_only_its_roles(any_plan, job):
    stack = any_plan.stack
    policy = json.loads(any_plan.named(f"{job}-runner-policy").inputs["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"RunTheJob", "FollowAndStopTheJob", "TagTheJobsTask", "LearnWhenTheTaskStops", "PassTheJobsRoles"}
    cluster = f"arn:aws:ecs:ap-southeast-2:123456789012:cluster/ohmycoins-{stack}-cluster"
    run = statements["RunTheJob"]
    assert (run["Effect"], run["Action"], run["Condition"]) == ("Allow", "ecs:RunTask", {"ArnEquals": {"ecs:cluster": cluster}})
    assert any_plan.named(f"{job}-task").urn in any_plan.named(f"{job}-runner-policy").propertyDependencies["policy"]
    assert statements["TagTheJobsTask"] == {
        "Sid": "TagTheJobsTask",
        "Effect": "Allow",
        "Action": "ecs:TagResource",
        "Resource": f"arn:aws:ecs:ap-southeast-2:123456789012:task/ohmycoins-{stack}-cluster/*",
        "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
    }
    assert statements["LearnWhenTheTaskStops"] == {
        "Sid": "LearnWhenTheTaskStops",
        "Effect": "Allow",
        "Action": ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
        "Resource": "arn:aws:events:ap-southeast-2:123456789012:rule/StepFunctionsGetEventsForECSTaskRule",
    }
    assert statements["PassTheJobsRoles"] == {
        "Sid": "PassTheJobsRoles",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": sorted(
            [
                f"arn:aws:iam::123456789012:role/ohmycoins-{stack}-{job}-task",
                f"arn:aws:iam::123456789012:role/ohmycoins-{stack}-ecs-execution",
            ]
        ),
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
    }


@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_failed_or_unstarted_task_mails_the_topic_naming_the_job(any_plan, job):
    stack = any_plan.stack
    pattern = json.loads(any_plan.named(f"{job}-task-failed").inputs["eventPattern"])
    assert pattern["source"] == ["aws.ecs"] and pattern["detail-type"] == ["ECS Task State Change"]
    detail = pattern["detail"]
    assert detail["group"] == [f"family:ohmycoins-{stack}-{job}"] and detail["lastStatus"] == ["STOPPED"]
    assert detail["$or"] == [{"containers": {"exitCode": [{"anything-but": 0}]}}, {"stopCode": ["TaskFailedToStart"]}]
    target = any_plan.named(f"{job}-task-failed-to-alerts").inputs
    assert target["arn"] == any_plan.outputs["alertTopicArn"]
    template = json.loads(target["inputTransformer"]["inputTemplate"])
    assert f"scheduled job {job} stopped" in template and "<exitCode>" in template and f"/ecs/ohmycoins-{stack}/{job}" in template
    assert target["inputTransformer"]["inputPaths"]["exitCode"] == "$.detail.containers[0].exitCode"


@pytest.mark.parametrize("job", sorted(JOBS))
def test_a_run_that_fails_times_out_or_is_aborted_mails_the_topic(any_plan, job):
    machine = f"arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-{any_plan.stack}-{job}"
    pattern = json.loads(any_plan.named(f"{job}-run-failed").inputs["eventPattern"])
    assert pattern["detail"] == {"stateMachineArn": [machine], "status": ["FAILED", "TIMED_OUT", "ABORTED"]}
    target = any_plan.named(f"{job}-run-failed-to-alerts").inputs
    assert target["arn"] == any_plan.outputs["alertTopicArn"]
    template = json.loads(target["inputTransformer"]["inputTemplate"])
    assert f"scheduled job {job} ended <status>" in template and f"{JOBS[job][0]}-second limit" in template


@pytest.mark.parametrize("job", sorted(JOBS))
def test_no_success_for_the_schedules_gap_plus_an_hour_raises_missed_run(any_plan, job):
    alarm = any_plan.named(f"{job}-missed-run").inputs
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == ("AWS/States", "ExecutionsSucceeded", "Sum")
    assert alarm["dimensions"] == {
        "StateMachineArn": f"arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-{any_plan.stack}-{job}"
    }
    hours = JOBS[job][1]
    assert (alarm["period"], alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (3600, hours, hours)
    assert (alarm["comparisonOperator"], alarm["threshold"], alarm["treatMissingData"]) == ("LessThanThreshold", 1, "breaching")
    # CloudWatch's limit for hourly periods: 7 days of evaluation.
    assert alarm["period"] * alarm["evaluationPeriods"] <= 7 * 86400
    assert alarm["alarmActions"] == alarm["okActions"] == [any_plan.outputs["alertTopicArn"]]


def test_an_invocation_the_scheduler_cannot_deliver_lands_in_an_alarmed_queue(any_plan):
    queue = any_plan.named("ecs-job-schedules-dlq").inputs
    assert queue["name"] == f"ohmycoins-{any_plan.stack}-job-schedules-dlq" and queue["sqsManagedSseEnabled"] is True
    job_schedules = [s for s in any_plan.all("aws:scheduler/schedule:Schedule") if "ohmycoins:ecs:ScheduledJob" in s.parent]
    assert sorted(s.name for s in job_schedules) == ["coinspot-announcements-schedule", "defillama-schedule", "sec-api-schedule"]
    for schedule in job_schedules:
        target = schedule.inputs["target"]
        assert target["deadLetterConfig"] == {
            "arn": f"arn:aws:sqs:ap-southeast-2:123456789012:ohmycoins-{any_plan.stack}-job-schedules-dlq"
        }
        assert target["retryPolicy"] == {"maximumRetryAttempts": 2, "maximumEventAgeInSeconds": 3600}
    alarm = any_plan.named("ecs-job-schedules-dlq-alarm").inputs
    assert (alarm["namespace"], alarm["metricName"], alarm["comparisonOperator"], alarm["threshold"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "GreaterThanThreshold",
        0,
    )
    assert alarm["dimensions"] == {"QueueName": f"ohmycoins-{any_plan.stack}-job-schedules-dlq"}
    assert alarm["alarmActions"] == [any_plan.outputs["alertTopicArn"]]


def test_on_eks_a_run_is_killed_at_the_same_time_limit(eks_apps_plan):
    cronjobs = {c.inputs["metadata"]["name"]: c.inputs["spec"] for c in eks_apps_plan.all("kubernetes:batch/v1:CronJob")}
    assert {name: spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] for name, spec in cronjobs.items()} == {
        job: limit for job, (limit, _) in JOBS.items()
    }
    assert {spec["startingDeadlineSeconds"] for spec in cronjobs.values()} == {300}


def test_state_machine_speaks_the_ecs_api_in_pascal_case():
    definition = json.loads(
        job_state_machine(
            workload("defillama"),
            "arn:cluster",
            "arn:taskdef",
            ["subnet-a"],
            "sg-1",
            [{"capacity_provider": "FARGATE", "base": 1, "weight": 0}],
        )
    )
    assert definition["States"]["RunTask"]["Parameters"]["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 0}
    ]
