"""The pieces the ECS jobs and the credential rollover share: a role for an AWS service, an EventBridge
rule that mails the alert topic one sentence, and a CloudWatch alarm on the topic."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pulumi
import pulumi_aws as aws

from components.shared.iam_documents import service_trust


def service_role(
    owner: pulumi.ComponentResource,
    resource_name: str,
    role_name: str,
    description: str,
    service: str,
    account_id: pulumi.Input[str],
    source_arn: Callable[[str], str],
    arn_operator: str = "ArnEquals",
) -> aws.iam.Role:
    """A role only `service` may assume, for this account and the one resource `source_arn(account)` names."""
    return aws.iam.Role(
        resource_name,
        name=role_name,
        description=description,
        assume_role_policy=pulumi.Output.from_input(account_id).apply(
            lambda account: service_trust(service, account, source_arn(account), arn_operator=arn_operator)
        ),
        tags={"Name": role_name},
        opts=pulumi.ResourceOptions(parent=owner),
    )


def alert_rule(
    owner: pulumi.ComponentResource,
    resource_name: str,
    rule_name: str,
    description: str,
    pattern: pulumi.Input[str],
    paths: Mapping[str, str],
    template: str,
    topic_arn: pulumi.Input[str],
) -> aws.cloudwatch.EventRule:
    """An EventBridge rule that mails the topic one sentence (an input transformer) when `pattern` matches."""
    child = pulumi.ResourceOptions(parent=owner)
    rule = aws.cloudwatch.EventRule(
        resource_name, name=rule_name, description=description, event_pattern=pattern, tags={"Name": rule_name}, opts=child
    )
    aws.cloudwatch.EventTarget(
        f"{resource_name}-alert",
        rule=rule.name,
        arn=topic_arn,
        input_transformer={"input_paths": dict(paths), "input_template": template},
        opts=child,
    )
    return rule


def topic_alarm(
    owner: pulumi.ComponentResource,
    resource_name: str,
    alarm_name: str,
    description: str,
    metric: tuple[str, str, str],
    dimensions: Mapping[str, pulumi.Input[str]],
    condition: tuple[str, float],
    period: int,
    periods: int,
    missing_data: str,
    topic_arn: pulumi.Input[str],
) -> aws.cloudwatch.MetricAlarm:
    """A CloudWatch alarm that mails the topic when it fires and when it recovers.

    `metric` is (namespace, metric name, statistic); `condition` (comparison operator, threshold);
    every one of the `periods` must breach.
    """
    namespace, metric_name, statistic = metric
    operator, threshold = condition
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=alarm_name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric_name,
        dimensions=dict(dimensions),
        statistic=statistic,
        period=period,
        evaluation_periods=periods,
        datapoints_to_alarm=periods,
        comparison_operator=operator,
        threshold=threshold,
        treat_missing_data=missing_data,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        tags={"Name": alarm_name},
        opts=pulumi.ResourceOptions(parent=owner),
    )
