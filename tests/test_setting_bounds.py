"""The ranges the README's settings tables promise: both ends accepted, one step beyond refused.

Each area's model is checked directly (its own checks and cross-field `problems()`), on the
staging stack file's area with one key changed: no plan is needed to know a value is refused.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.settings import AREAS
from tests.conftest import stack_config

STAGING, PRODUCTION = stack_config("staging"), stack_config("production")

CLOUDWATCH = (
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
    [0, 2, 10, 366, 3654],
)

# area, key -> (accepted, refused), as the README's tables state them.
RANGES = {
    ("network", "flowLogRetentionDays"): CLOUDWATCH,
    ("kms", "deletionWindowDays"): ([7, 30], [6, 31]),
    ("secrets", "recoveryWindowDays"): ([0, 7, 30], [1, 6, 31]),
    ("database", "allocatedStorageGb"): ([20, 99], [19, 65537]),  # below maxAllocatedStorageGb (100) too
    ("database", "maxAllocatedStorageGb"): ([21, 65536], [20, 65537]),  # above allocatedStorageGb (20)
    ("database", "backupRetentionDays"): ([1, 35], [0, 36]),
    ("database", "performanceInsightsRetentionDays"): ([7, 31, 62, 713, 731], [6, 8, 30, 714, 744]),
    ("database", "monitoringIntervalSeconds"): ([0, 1, 5, 10, 15, 30, 60], [2, 20, 120]),
    ("database", "logRetentionDays"): CLOUDWATCH,
    ("database", "slowStatementMs"): ([-1, 0, 3600000], [-2, 3600001]),
    ("cache", "snapshotRetentionDays"): ([0, 35], [-1, 36]),
    ("cache", "logRetentionDays"): CLOUDWATCH,
    ("cache", "authTokenLength"): ([32, 128], [31, 129]),
    ("edge", "wafRateLimit"): ([10, 2000000000], [9]),
    ("edge", "wafLogRetentionDays"): CLOUDWATCH,
    ("edge", "accessLogExpiryDays"): ([1, 3650], [0, 3651]),
    ("apps", "keepImages"): ([1, 1000], [0, 1001]),
    ("apps", "logRetentionDays"): CLOUDWATCH,
    ("eks", "controllerReplicas"): ([1, 5], [0, 6]),
    ("eks", "logRetentionDays"): CLOUDWATCH,
    ("monitoring", "prometheusRetentionDays"): ([1, 365], [0, 366]),
    ("monitoring", "prometheusVolumeGib"): ([5, 1000], [4, 1001]),
    ("monitoring", "lokiRetentionDays"): ([1, 365], [0, 366]),
    ("monitoring", "lokiVolumeGib"): ([5, 1000], [4, 1001]),
    ("general", "namePrefix"): (["a1", "a" * 20], ["a" * 21, "1abc", "a--b", "Abc"]),
}

# Cache nodes need a multi-AZ flag that fits them; checked with it on and off.
CACHE_NODES = ([1, 6], [0, 7])


def problems_of(area: str, settings: dict) -> list[str]:
    """Key paths (inside the area) the area's model refuses."""
    try:
        model = AREAS[area].model_validate(settings)
    except ValidationError as error:
        return [".".join(str(part) for part in item["loc"]) for item in error.errors()]
    return [".".join(str(part) for part in problem.path) for problem in model.problems()]


def with_value(area: str, key: str, value) -> dict:
    settings = dict(STAGING[f"ohmycoins:{area}"])
    settings[key] = value
    return settings


CASES = [(area, key, value, True) for (area, key), (good, _) in RANGES.items() for value in good] + [
    (area, key, value, False) for (area, key), (_, bad) in RANGES.items() for value in bad
]


@pytest.mark.parametrize("area, key, value, accepted", CASES, ids=[f"{a}.{k}={v}" for a, k, v, _ in CASES])
def test_readme_ranges(area, key, value, accepted):
    problems = problems_of(area, with_value(area, key, value))
    assert problems == ([] if accepted else [key]), problems


@pytest.mark.parametrize("nodes", CACHE_NODES[0])
def test_cache_node_counts_in_range_are_accepted(nodes):
    assert problems_of("cache", {**with_value("cache", "nodes", nodes), "multiAz": nodes > 1}) == []


@pytest.mark.parametrize("nodes", CACHE_NODES[1])
def test_cache_node_counts_out_of_range_are_refused(nodes):
    assert problems_of("cache", {**with_value("cache", "nodes", nodes), "multiAz": False}) == ["nodes"]


@pytest.mark.parametrize("runners, accepted", [(1, True), (50, True), (0, False), (51, False)])
def test_runner_groups_scale_to_at_most_50(runners, accepted):
    settings = dict(STAGING["ohmycoins:runners"])
    settings["groups"] = [{**settings["groups"][0], "maxRunners": runners}]
    assert problems_of("runners", settings) == ([] if accepted else ["groups.0.maxRunners"])


@pytest.mark.parametrize("days, accepted", [(90, True), (3653, True), (89, False), (3654, False)])
def test_audit_buckets_keep_objects_90_days_to_10_years(days, accepted):
    settings = {**PRODUCTION["ohmycoins:audit"], "bucketRetentionDays": days}
    assert problems_of("audit", settings) == ([] if accepted else ["bucketRetentionDays"])


@pytest.mark.parametrize("days, accepted", [(90, True), (365, True), (60, False), (10, False)])
def test_the_trails_log_group_keeps_at_least_90_days(days, accepted):
    settings = {**PRODUCTION["ohmycoins:audit"], "trailLogRetentionDays": days}
    assert problems_of("audit", settings) == ([] if accepted else ["trailLogRetentionDays"])


# `ohmycoins:alarms`: percentages above 0 and at most 100, sizes above 0, counts from 0.
ALARM_RANGES = {
    ("database", "cpuPercent"): ([0.5, 100], [0, 101]),
    ("database", "freeStorageGib"): ([0.5], [0]),
    ("database", "connections"): ([1], [0]),
    ("database", "freeableMemoryMib"): ([1], [0]),
    ("cache", "engineCpuPercent"): ([0.5, 100], [0, 101]),
    ("cache", "memoryPercent"): ([0.5, 100], [0, 101]),
    ("cache", "evictions"): ([0], [-1]),
    ("loadBalancer", "serverErrorsPerMinute"): ([0], [-1]),
    ("loadBalancer", "responseTimeSeconds"): ([0.1], [0]),
    ("loadBalancer", "unhealthyHosts"): ([0], [-1]),
    ("services", "cpuPercent"): ([0.5, 100], [0, 101]),
    ("services", "memoryPercent"): ([0.5, 100], [0, 101]),
}
ALARM_CASES = [(group, key, value, True) for (group, key), (good, _) in ALARM_RANGES.items() for value in good] + [
    (group, key, value, False) for (group, key), (_, bad) in ALARM_RANGES.items() for value in bad
]


@pytest.mark.parametrize("group, key, value, accepted", ALARM_CASES, ids=[f"{g}.{k}={v}" for g, k, v, _ in ALARM_CASES])
def test_alarm_thresholds(group, key, value, accepted):
    problems = problems_of("alarms", {group: {key: value}})
    assert problems == ([] if accepted else [f"{group}.{key}"]), problems


@pytest.mark.parametrize(
    "override, accepted",
    [
        ({"desiredCount": 0}, True),
        ({"desiredCount": -1}, False),
        ({"minCount": -1}, False),
        ({"maxCount": 0}, False),
        ({"cpu": 0}, False),
        ({"memory": 0}, False),
    ],
)
@pytest.mark.parametrize("platform", ["ecs", "eks"])
def test_workload_counts_are_not_negative_and_sizes_are_positive(override, accepted, platform):
    # On EKS no Fargate size check stands behind the model's own bounds.
    settings = {**STAGING["ohmycoins:apps"], "platform": platform}
    settings["workloads"] = {"reddit": override} if "desiredCount" in override else {"agents": override}
    problems = problems_of("apps", settings)
    key = next(iter(override))
    assert (f"workloads.{'reddit' if 'desiredCount' in override else 'agents'}.{key}" in problems) is not accepted, problems


def test_disabled_runners_need_no_groups():
    assert problems_of("runners", {"enabled": False}) == []
    assert problems_of("runners", {"enabled": True, "githubApp": STAGING["ohmycoins:runners"]["githubApp"]}) == ["groups"]


@pytest.mark.parametrize(
    "key, value, accepted",
    [("instanceTypes", [], False), ("instanceTypes", ["m7g.large"], True), ("diskSizeGib", 19, False), ("diskSizeGib", 1000, True)],
)
def test_a_node_group_names_at_least_one_instance_type_and_a_real_disk(key, value, accepted):
    settings = dict(STAGING["ohmycoins:eks"])
    settings["nodeGroups"] = {**settings["nodeGroups"], "system": {**settings["nodeGroups"]["system"], key: value}}
    assert problems_of("eks", settings) == ([] if accepted else [f"nodeGroups.system.{key}"])


@pytest.mark.parametrize("length, accepted", [(256, True), (257, False)])
def test_an_extra_tags_value_holds_at_most_256_characters(length, accepted):
    assert problems_of("general", with_value("general", "extraTags", {"Team": "x" * length})) == ([] if accepted else ["extraTags"])
