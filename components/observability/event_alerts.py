"""AWS events to the alert topic as one-line messages: an EventBridge rule and its transformed target."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws


def events_to_alerts(
    name: str,
    rule_name: str,
    description: str,
    event_pattern: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    input_paths: Mapping[str, str],
    template: str,
    parent: pulumi.Resource,
) -> aws.cloudwatch.EventRule:
    """`template` is the message, with `<key>` for each of `input_paths` (JSON paths into the event)."""
    child = pulumi.ResourceOptions(parent=parent)
    rule = aws.cloudwatch.EventRule(
        name, name=rule_name, description=description, event_pattern=event_pattern, tags={"Name": rule_name}, opts=child
    )
    aws.cloudwatch.EventTarget(
        f"{name}-to-alerts",
        rule=rule.name,
        arn=topic_arn,
        input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
            input_paths=dict(input_paths), input_template=json.dumps(template)
        ),
        opts=child,
    )
    return rule
