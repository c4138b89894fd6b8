"""The GitHub Actions workflows: valid against GitHub's schema (offline), least privilege, no overlapping deploys."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import check_jsonschema
import jsonschema
import pytest
from ruamel.yaml import YAML

from tools.engine import PROJECT_DIR

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
SCHEMA = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "github-workflows.json"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


def load(path: Path) -> dict[str, Any]:
    # YAML 1.2, as GitHub reads it: `on` stays a key, not the boolean PyYAML 1.1 makes of it.
    return json.loads(json.dumps(YAML(typ="safe").load(path.read_text())))


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOWS / name)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if s.get("uses", "").split("@")[0] == action]


ALL = sorted(WORKFLOWS.glob("*.yml"))


def test_the_four_workflows_exist():
    assert {p.name for p in ALL} >= {"test.yml", "preview.yml", "deploy.yml", "drift.yml"}


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_workflow_is_valid_against_githubs_schema(path):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(load(path), schema)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_full_version_or_sha(path):
    for job_name, job in load(path)["jobs"].items():
        for step in job.get("steps", []):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{path.name} {job_name}: {step['uses']} is not pinned"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_least_privilege_token_and_no_account_in_code(path):
    document = load(path)
    text = path.read_text()
    assert document["permissions"] in ({}, {"contents": "read"}), "the workflow default must grant nothing broader than read"
    for job in document["jobs"].values():
        assert job.get("permissions") not in ("write-all", "read-all")
    assert "pull_request_target" not in document["on"], "pull_request_target runs fork code with a write token"
    assert not re.search(r"\b\d{12}\b", text), "an AWS account id is hardcoded"
    for secret in re.findall(r"secrets\.(\w+)", text):
        assert secret == "GITHUB_TOKEN", f"{path.name} reads secret {secret}; roles come from vars and OIDC"
    for job in document["jobs"].values():
        for step in steps_using(job, "aws-actions/configure-aws-credentials"):
            assert step["with"]["role-to-assume"].startswith("${{ vars"), "role ARNs come from repository/environment variables"
            assert "aws-access-key-id" not in step["with"]


def test_test_workflow_runs_make_test_on_every_push_and_pull_request():
    document = workflow("test.yml")
    assert set(document["on"]) == {"push", "pull_request"}
    assert document["on"]["push"] is None and document["on"]["pull_request"] is None
    runs = [s.get("run") for s in document["jobs"]["test"]["steps"]]
    assert "make test" in runs
    assert "id-token" not in json.dumps(document)


def test_preview_runs_per_stack_with_the_policy_pack_and_comments():
    document = workflow("preview.yml")
    assert list(document["on"]) == ["pull_request"]
    job = document["jobs"]["pulumi-preview"]
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert {entry["stack"] for entry in job["strategy"]["matrix"]["include"]} == {"staging", "production"}
    assert "head.repo.full_name == github.repository" in job["if"], "forks get no OIDC token; the job must skip them"
    (pulumi,) = steps_using(job, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"


def test_offline_diff_needs_no_credentials_and_serves_forks():
    document = workflow("preview.yml")
    job = document["jobs"]["offline-diff"]
    assert job["permissions"] == {"contents": "read"}, "the job running the PR's code gets a read-only token"
    assert "if" not in job, "it must also run for pull requests from forks"
    assert not steps_using(job, "aws-actions/configure-aws-credentials")
    assert not steps_using(job, "pulumi/actions")
    scripts = "\n".join(s.get("run", "") for s in job["steps"])
    assert "python -m tools.plan" in scripts and "--json" in scripts
    assert "tools.plan diff" in scripts and "--markdown" in scripts
    assert "GITHUB_STEP_SUMMARY" in scripts
    checkouts = steps_using(job, "actions/checkout")
    assert {c["with"]["ref"] for c in checkouts} == {
        "${{ github.event.pull_request.base.sha }}",
        "${{ github.event.pull_request.head.sha }}",
    }
    assert all(c["with"]["persist-credentials"] is False for c in checkouts)
    comment = document["jobs"]["comment-diff"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert comment["needs"] == "offline-diff"
    assert not steps_using(comment, "actions/checkout"), "the job holding a write token never runs the PR's code"


def test_deploy_goes_staging_then_production_through_environments():
    document = workflow("deploy.yml")
    assert document["on"]["push"] == {"branches": ["main"]}
    staging, production = document["jobs"]["staging"], document["jobs"]["production"]
    assert staging["environment"] == "staging"
    assert production["environment"] == "production"
    assert production["needs"] == "staging"
    for stack, job in (("staging", staging), ("production", production)):
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert job["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
        (pulumi,) = steps_using(job, "pulumi/actions")
        assert pulumi["with"]["command"] == "up"
        assert pulumi["with"]["stack-name"] == stack
        (credentials,) = steps_using(job, "aws-actions/configure-aws-credentials")
        assert credentials["with"]["role-to-assume"] == "${{ vars.DEPLOY_ROLE_ARN }}"
    for name, job in document["jobs"].items():
        if name not in ("staging", "production"):
            assert "id-token" not in job.get("permissions", {}), f"only the deploy jobs may get an OIDC token, not {name}"


def test_drift_previews_each_stack_nightly_expecting_no_changes():
    document = workflow("drift.yml")
    assert document["on"]["schedule"][0]["cron"]
    job = document["jobs"]["drift"]
    assert {entry["stack"] for entry in job["strategy"]["matrix"]["include"]} == {"staging", "production"}
    assert job["strategy"]["fail-fast"] is False
    assert job["concurrency"]["cancel-in-progress"] is False
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    (pulumi,) = steps_using(job, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["refresh"] is True
    assert pulumi["with"]["expect-no-changes"] is True


# --- where jobs run ------------------------------------------------------------------------------

IN_VPC_RUNNER = {
    "staging": "codebuild-ohmycoins-staging-ci-runner-${{ github.run_id }}-${{ github.run_attempt }}",
    "production": "codebuild-ohmycoins-production-ci-runner-${{ github.run_id }}-${{ github.run_attempt }}",
}


def _pulumi_jobs() -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """(workflow file, job name, job, stacks it runs pulumi against) for every job with a pulumi step."""
    found = []
    for path in ALL:
        for name, job in load(path)["jobs"].items():
            for step in steps_using(job, "pulumi/actions"):
                stack = step["with"]["stack-name"]
                stacks = [entry["stack"] for entry in job["strategy"]["matrix"]["include"]] if stack == "${{ matrix.stack }}" else [stack]
                found.append((path.name, name, job, stacks))
    return found


def test_the_pulumi_jobs_are_the_preview_deploy_and_drift_jobs():
    assert sorted((f, n) for f, n, _, _ in _pulumi_jobs()) == [
        ("deploy.yml", "production"),
        ("deploy.yml", "staging"),
        ("drift.yml", "drift"),
        ("preview.yml", "pulumi-preview"),
    ]


def test_every_job_running_pulumi_against_a_stack_runs_on_that_stacks_runner_in_the_vpc(staging_plan, production_plan):
    plans = {"staging": staging_plan, "production": production_plan}
    for file, name, job, stacks in _pulumi_jobs():
        for stack in stacks:
            label = job["runs-on"].replace("${{ matrix.stack }}", stack)
            assert label == IN_VPC_RUNNER[stack], f"{file} {name} ({stack}) runs on {job['runs-on']}"
            # The label names the project the stack builds (output ciRunnerLabel).
            assert label == plans[stack].outputs["ciRunnerLabel"]
            # The build outlives the job: the job's own timeout ends it first.
            assert job["timeout-minutes"] < plans[stack].one("aws:codebuild/project:Project").inputs["buildTimeout"]


def test_jobs_without_cloud_access_stay_on_github_hosted_runners():
    for path in ALL:
        for name, job in load(path)["jobs"].items():
            if not steps_using(job, "pulumi/actions"):
                assert job["runs-on"].startswith("ubuntu-"), f"{path.name} {name} needs no VPC runner"
    offline = workflow("preview.yml")["jobs"]["offline-diff"]
    assert offline["runs-on"] == "ubuntu-24.04" and offline["permissions"] == {"contents": "read"}


def test_only_the_pulumi_workflows_pass_the_runners_webhook_filter(any_plan):
    [group] = any_plan.one("aws:codebuild/webhook:Webhook").inputs["filterGroups"]
    [workflow_filter] = [f["pattern"] for f in group["filters"] if f["type"] == "WORKFLOW_NAME"]
    names = {load(path)["name"]: path.name for path in ALL}
    on_runner = {file for file, _, _, _ in _pulumi_jobs()}
    for name, file in names.items():
        assert bool(re.search(workflow_filter, name)) == (file in on_runner), f"{file} (name: {name})"
