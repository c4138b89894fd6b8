"""`python -m tools.plan STACK --policy`: the policy pack's rules run on an offline plan.

The same rule functions run in `pulumi preview --policy-pack policy`; here they read the captured
plan instead of the engine's analyzer calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from policy.rules import RULES, Context, Finding, Resource, Rule

from .plan_model import Plan

AWS_PROVIDER = "pulumi:providers:aws"


def environment_of(plan: Plan) -> str:
    """The Environment default tag of the stack's AWS provider; the stack name when there is none."""
    for provider in plan.all(AWS_PROVIDER):
        tags = provider.inputs.get("defaultTags")
        tags = json.loads(tags) if isinstance(tags, str) else tags
        environment = ((tags or {}).get("tags") or {}).get("Environment")
        if environment:
            return environment
    return plan.stack


def resources_of(plan: Plan) -> list[Resource]:
    return [
        Resource(type=r.type, name=r.name, inputs=r.inputs, urn=r.urn, protect=r.protect, dependencies=tuple(r.dependencies))
        for r in plan.resources
        if not r.type.startswith("pulumi:providers:")
    ]


@dataclass(frozen=True)
class PolicyReport:
    stack: str
    environment: str
    rules_evaluated: int
    findings: list[Finding]

    @property
    def mandatory(self) -> list[Finding]:
        return [f for f in self.findings if f.enforcement == "mandatory"]

    @property
    def advisory(self) -> list[Finding]:
        return [f for f in self.findings if f.enforcement == "advisory"]

    def render(self) -> str:
        lines = [f"Policy findings for stack '{self.stack}' (environment {self.environment}):"]
        for finding in sorted(self.findings, key=lambda f: (f.enforcement != "mandatory", f.rule, f.resource_name)):
            lines.append(
                f"  [{finding.enforcement}] {finding.rule} ({finding.control}) {finding.resource_type} {finding.resource_name}: {finding.message}"
            )
        if not self.findings:
            lines.append("  none")
        lines.append(
            f"{len(self.mandatory)} mandatory violations ({self.rules_evaluated} rules evaluated, {len(self.advisory)} advisory findings)"
        )
        return "\n".join(lines) + "\n"


def evaluate(plan: Plan, rules: Sequence[Rule] = RULES) -> PolicyReport:
    context = Context(stack=plan.stack, environment=environment_of(plan))
    resources = resources_of(plan)
    applicable = [rule for rule in rules if rule.applies(context)]
    findings = [finding for rule in applicable for finding in rule.evaluate(resources, context)]
    return PolicyReport(plan.stack, context.environment, len(applicable), findings)
