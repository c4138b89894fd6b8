"""A CloudWatch alarm that mails the alert topic when it fires and when it recovers: the ECS jobs' alarms."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws


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
