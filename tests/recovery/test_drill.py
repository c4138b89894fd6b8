"""The restore drill: its state machine (pure), its resources on the plans, and roles that can do only the drill."""

from __future__ import annotations

import json
import re

import botocore.session
import pytest

from components.recovery.drill_definition import DrillTarget, drill_definition

TARGET = DrillTarget(
    stack="ohmycoins-test",
    vault_name="ohmycoins-test-backups",
    database_arn="arn:aws:rds:ap-southeast-2:111122223333:db:ohmycoins-test-postgres",
    instance_identifier="ohmycoins-test-restore-drill",
    instance_class="db.t3.micro",
    subnet_group_name="ohmycoins-test-postgres",
    security_group_id="sg-0123456789abcdef0",
    parameter_group_name="ohmycoins-test-postgres17",
    topic_arn="arn:aws:sns:ap-southeast-2:111122223333:ohmycoins-test-alerts",
    timeout_minutes=60,
)
DELETES = {"DeleteInstance", "CleanUp"}


def states() -> dict[str, dict]:
    return drill_definition(TARGET)["States"]


def successors(state: dict) -> set[str]:
    found = {state[key] for key in ("Next", "Default") if key in state}
    found |= {choice["Next"] for choice in state.get("Choices", [])}
    found |= {catch["Next"] for catch in state.get("Catch", [])}
    return found


def paths_to_an_end(start: str, graph: dict[str, dict], seen: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every loop-free path from `start` to a state that ends the execution."""
    path = (*seen, start)
    state = graph[start]
    if state.get("End") or state["Type"] in ("Fail", "Succeed"):
        return [path]
    return [p for nxt in successors(state) if nxt not in path for p in paths_to_an_end(nxt, graph, path)]


def test_every_path_after_the_restore_starts_deletes_the_temporary_instance():
    graph = states()
    after_restore = [p for p in paths_to_an_end("FindRecoveryPoints", graph) if "WaitForInstance" in p]
    assert after_restore
    assert all(DELETES & set(path) for path in after_restore)
    # ...and both deletes remove exactly the temporary instance, without a final snapshot of a throwaway copy.
    for name in DELETES:
        assert graph[name]["Arguments"] == {
            "DbInstanceIdentifier": "ohmycoins-test-restore-drill",
            "SkipFinalSnapshot": True,
            "DeleteAutomatedBackups": True,
        }


def test_success_and_every_failure_are_reported_to_the_alert_topic():
    graph = states()
    for path in paths_to_an_end("FindRecoveryPoints", graph):
        assert path[-1] in ("ReportSuccess", "Failed")
        if path[-1] == "Failed":
            assert path[-2] == "ReportFailure"
    for name in ("ReportSuccess", "ReportFailure"):
        assert graph[name]["Resource"] == "arn:aws:states:::sns:publish"
        assert graph[name]["Arguments"]["TopicArn"] == "arn:aws:sns:ap-southeast-2:111122223333:ohmycoins-test-alerts"


def test_a_failed_cleanup_adds_the_instance_left_behind_to_the_failure_report():
    cleanup = states()["CleanUp"]
    # Gone already: the report keeps the original failure.
    assert cleanup["Catch"][0] == {"ErrorEquals": ["Rds.DbInstanceNotFoundException"], "Next": "ReportFailure"}
    assert cleanup["Catch"][1] == {
        "ErrorEquals": ["States.ALL"],
        "Assign": {"failure": "{% $failure & '; deleting ohmycoins-test-restore-drill failed too: delete it by hand' %}"},
        "Next": "ReportFailure",
    }
    assert states()["ReportFailure"]["Arguments"]["Message"] == "{% $failure %}"


def test_the_newest_completed_recovery_point_of_the_database_is_restored_into_a_small_private_instance():
    graph = states()
    find = graph["FindRecoveryPoints"]
    assert find["Arguments"]["ByResourceArn"] == "arn:aws:rds:ap-southeast-2:111122223333:db:ohmycoins-test-postgres"
    assert "Status = 'COMPLETED'" in find["Assign"]["points"]
    assert "^(>CreationDate))[0]" in graph["AnyRecoveryPoint"]["Choices"][0]["Assign"]["recoveryPoint"]
    restore = graph["RestoreLatest"]["Arguments"]
    assert restore["DbInstanceClass"] == "db.t3.micro"
    assert restore["DbSubnetGroupName"] == "ohmycoins-test-postgres"
    assert restore["VpcSecurityGroupIds"] == ["sg-0123456789abcdef0"]
    assert restore["PubliclyAccessible"] is False and restore["MultiAZ"] is False and restore["DeletionProtection"] is False


def test_the_drill_gives_up_after_its_timeout():
    limit = next(c for c in states()["IsAvailable"]["Choices"] if "$checks" in c["Condition"])
    # 60 minutes of 5-minute checks.
    assert limit["Condition"] == "{% $checks >= 12 %}"
    assert drill_definition(TARGET)["TimeoutSeconds"] == 120 * 60


def _sdk_tasks() -> list[tuple[str, str, dict]]:
    found = []
    for state in states().values():
        match = re.fullmatch(r"arn:aws:states:::aws-sdk:(\w+):(\w+)", state.get("Resource", ""))
        if match:
            found.append((match[1], match[2], state.get("Arguments", {})))
    return found


@pytest.mark.parametrize("service, action, arguments", _sdk_tasks(), ids=lambda v: v if isinstance(v, str) else "")
def test_sdk_calls_name_real_operations_and_parameters(service, action, arguments):
    """Step Functions calls the SDK's operation (camelCase) with the API's members (SDK casing: DB -> Db)."""
    model = botocore.session.get_session().get_service_model(service)
    operations = {name.lower(): name for name in model.operation_names}
    assert action.lower() in operations, f"{service} has no operation {action}"
    members = model.operation_model(operations[action.lower()]).input_shape.members
    known = {name.lower() for name in members}
    assert {key.lower() for key in arguments} <= known


def test_staging_runs_no_drill_by_default(staging_plan):
    assert not [r for r in staging_plan.all("aws:sfn/stateMachine:StateMachine") if "RestoreDrill" in r.urn]
    assert not [r for r in staging_plan.resources if r.name.startswith("restore-drill")]


def test_production_schedules_the_drill_monthly(production_plan):
    schedule = production_plan.named("restore-drill-schedule")
    assert schedule.inputs["scheduleExpression"] == "cron(0 4 2 * ? *)"
    assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    assert schedule.inputs["target"]["arn"] == production_plan.outputs["restoreDrillStateMachineArn"]
    machine = production_plan.named("restore-drill-state-machine")
    assert machine.inputs["type"] == "STANDARD"
    assert machine.inputs["loggingConfiguration"]["level"] == "ERROR"
    assert machine.inputs["loggingConfiguration"]["includeExecutionData"] is False
    definition = json.loads(machine.inputs["definition"])
    restore = definition["States"]["RestoreLatest"]["Arguments"]
    assert restore["DbInstanceIdentifier"] == "ohmycoins-production-restore-drill"
    assert restore["DbInstanceClass"] == "db.t3.small"
    assert restore["DbSubnetGroupName"] == production_plan.named("database-subnets").inputs["name"]
    assert restore["DbParameterGroupName"] == production_plan.named("database-parameters").inputs["name"]
    assert restore["VpcSecurityGroupIds"] == [production_plan.outputs["databaseSecurityGroupId"]]
    assert definition["States"]["FindRecoveryPoints"]["Arguments"]["BackupVaultName"] == "ohmycoins-production-backups"


def _statements(plan, name: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(plan.named(name).inputs["policy"])["Statement"]}


def test_the_drill_role_can_only_touch_its_temporary_instance(production_plan):
    statements = _statements(production_plan, "restore-drill-policy")
    temporary = "arn:aws:rds:ap-southeast-2:123456789012:db:ohmycoins-production-restore-drill"
    assert statements["WatchAndDeleteTheTemporaryInstance"]["Resource"] == temporary
    assert set(statements["WatchAndDeleteTheTemporaryInstance"]["Action"]) == {"rds:DescribeDBInstances", "rds:DeleteDBInstance"}
    restore = statements["RestoreIntoTheTemporaryInstance"]["Resource"]
    assert temporary in restore and "arn:aws:rds:ap-southeast-2:123456789012:snapshot:awsbackup:*" in restore
    assert not [arn for arn in restore if arn.endswith(":db:*")]
    assert statements["ListTheVault"]["Resource"].endswith(":backup-vault:ohmycoins-production-backups")
    assert statements["ReportToTheAlertTopic"]["Resource"] == production_plan.outputs["alertTopicArn"]
    kms = statements["UseTheStackKeyThroughRdsAndSns"]
    assert kms["Resource"] == production_plan.outputs["kmsKeyArn"]
    assert kms["Condition"]["StringEquals"]["kms:ViaService"] == ["rds.ap-southeast-2.amazonaws.com", "sns.ap-southeast-2.amazonaws.com"]
    # Only CloudWatch Logs' vended-log delivery, which AWS authorizes on "*" alone, is unscoped.
    unscoped = [sid for sid, s in statements.items() if s["Resource"] == "*"]
    assert unscoped == ["DeliverErrorLogs"]
    assert all(action.startswith("logs:") for action in statements["DeliverErrorLogs"]["Action"])


def test_the_drill_roles_trust_only_their_own_callers(production_plan):
    machine_trust = json.loads(production_plan.named("restore-drill-role").inputs["assumeRolePolicy"])["Statement"][0]
    assert machine_trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert machine_trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert machine_trust["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:states:ap-southeast-2:123456789012:stateMachine:ohmycoins-production-restore-drill"
    }
    scheduler_trust = json.loads(production_plan.named("restore-drill-scheduler-role").inputs["assumeRolePolicy"])["Statement"][0]
    assert scheduler_trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    start = _statements(production_plan, "restore-drill-scheduler-policy")["StartTheDrill"]
    assert start["Action"] == "states:StartExecution"
    assert start["Resource"] == production_plan.outputs["restoreDrillStateMachineArn"]


def test_runs_the_drill_cannot_report_itself_reach_the_alert_topic(production_plan):
    pattern = json.loads(production_plan.named("restore-drill-unreported").inputs["eventPattern"])
    assert pattern["detail"]["status"] == ["TIMED_OUT", "ABORTED"]
    assert pattern["detail"]["stateMachineArn"] == [production_plan.outputs["restoreDrillStateMachineArn"]]
    assert production_plan.named("restore-drill-unreported-to-alerts").inputs["arn"] == production_plan.outputs["alertTopicArn"]
