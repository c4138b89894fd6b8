"""`python -m tools.plan`: each option writes what it promises, from one plan."""

from __future__ import annotations

import pytest

from tools import plan as plan_cli
from tools.policy_report import PolicyReport, evaluate


@pytest.fixture
def planned(monkeypatch, staging_plan):
    """The CLI, answered by the session's staging plan instead of planning again."""
    monkeypatch.setattr(plan_cli, "run_stack", lambda stack, stack_file=None, prior=None: staging_plan)
    return staging_plan


def test_each_picture_is_written_on_its_own(planned, tmp_path, capsys):
    mermaid, svg = tmp_path / "only.md", tmp_path / "only.svg"
    assert plan_cli.main(["staging", "--mermaid", str(mermaid)]) == 0
    assert mermaid.read_text().startswith("### Architecture of stack `staging`\n\n```mermaid\nflowchart LR") and not svg.exists()
    assert plan_cli.main(["staging", "--diagram", str(svg)]) == 0
    assert svg.read_text().startswith("<svg")
    assert capsys.readouterr().out.startswith("Plan of stack 'staging' (project ohmycoins): ")


def test_json_and_kubernetes_objects_are_written_when_asked(planned, tmp_path, capsys):
    document, objects = tmp_path / "plan.json", tmp_path / "k8s"
    assert plan_cli.main(["staging", "--json", str(document), "--k8s-dir", str(objects)]) == 0
    assert document.read_text() == planned.to_json()
    written = sorted(path.name for path in objects.glob("*.yaml"))
    assert written and all(name.count("--") == 2 for name in written)
    assert f"\nWrote {len(written)} Kubernetes objects to {objects}\n" in capsys.readouterr().out


def test_the_plan_ends_with_the_cost_after_the_policy_report(planned, capsys):
    assert plan_cli.main(["staging", "--policy", "--cost"]) == 0
    out = capsys.readouterr().out
    policy_at, cost_at = (
        out.index("Policy findings for stack 'staging' (environment staging):"),
        out.index("Monthly cost of stack 'staging': $"),
    )
    assert policy_at < cost_at
    assert "mandatory violations (" in out[policy_at:cost_at]


def test_a_mandatory_violation_fails_the_run(monkeypatch, production_plan, capsys):
    import dataclasses

    database = production_plan.one("aws:rds/instance:Instance")
    broken = dataclasses.replace(database, inputs={**database.inputs, "storageEncrypted": False})
    plan = dataclasses.replace(production_plan, resources=[broken if r is database else r for r in production_plan.resources])
    monkeypatch.setattr(plan_cli, "run_stack", lambda stack, stack_file=None, prior=None: plan)
    assert plan_cli.main(["production", "--policy"]) == 1
    assert "[mandatory] rds-storage-encrypted (AWS FSBP RDS.3) aws:rds/instance:Instance database-instance" in capsys.readouterr().out


def test_a_report_without_findings_says_none():
    assert PolicyReport("s", "staging", 3, []).render() == (
        "Policy findings for stack 's' (environment staging):\n  none\n0 mandatory violations (3 rules evaluated, 0 advisory findings)\n"
    )


def test_findings_are_listed_mandatory_first(production_plan):
    import dataclasses

    database = production_plan.one("aws:rds/instance:Instance")
    logs = production_plan.named("network-flow-logs")
    changed = {
        database.urn: dataclasses.replace(database, inputs={**database.inputs, "storageEncrypted": False}),
        logs.urn: dataclasses.replace(logs, inputs={k: v for k, v in logs.inputs.items() if k != "kmsKeyId"}),
    }
    plan = dataclasses.replace(production_plan, resources=[changed.get(r.urn, r) for r in production_plan.resources])
    lines = evaluate(plan).render().splitlines()
    assert lines[1:3] == [
        "  [mandatory] rds-storage-encrypted (AWS FSBP RDS.3) aws:rds/instance:Instance database-instance: storageEncrypted must be true",
        "  [advisory] log-group-kms (AWS Config cloudwatch-log-group-encrypted) aws:cloudwatch/logGroup:LogGroup network-flow-logs: "
        + lines[2].split(": ", 1)[1],
    ]
    assert lines[-1].startswith("1 mandatory violations (") and lines[-1].endswith(" rules evaluated, 1 advisory findings)")
