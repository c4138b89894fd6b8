"""Runner pods must fit the runner nodes: the EKS allocatable formula and the sizing check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.compute.eks.node_sizing import (
    INSTANCE_TYPES,
    allocatable,
    cpu_millicores,
    daemonset_overhead,
    fit_problems,
    memory_mib,
    reserved_cpu_millicores,
)


@pytest.mark.parametrize("vcpus, reserved", [(1, 60), (2, 70), (4, 80), (8, 90), (16, 110)])
def test_kube_reserved_cpu_follows_the_eks_ladder(vcpus, reserved):
    assert reserved_cpu_millicores(vcpus) == reserved


def test_t3_large_allocatable_matches_the_eks_formula():
    # 2 vCPU, 8 GiB, 3 ENIs x 12 IPs -> 35 pods; memory reserved 255 + 11 * 35 = 640 MiB, eviction 100 MiB.
    assert INSTANCE_TYPES["t3.large"].max_pods == 35
    assert allocatable("t3.large").cpu_millicores == 1930
    assert allocatable("t3.large").memory_mib == 8192 - 640 - 100


def test_t3_xlarge_allocatable_matches_the_eks_formula():
    assert INSTANCE_TYPES["t3.xlarge"].max_pods == 58
    assert allocatable("t3.xlarge").cpu_millicores == 3920
    assert allocatable("t3.xlarge").memory_mib == 16384 - (255 + 11 * 58) - 100


@given(st.sampled_from(sorted(INSTANCE_TYPES)))
def test_allocatable_is_positive_and_below_capacity(instance_type):
    node, spec = allocatable(instance_type), INSTANCE_TYPES[instance_type]
    assert 0 < node.cpu_millicores < spec.vcpus * 1000
    assert 0 < node.memory_mib < spec.memory_mib


@pytest.mark.parametrize("text, millicores", [("1", 1000), ("500m", 500), ("1.5", 1500), ("2", 2000)])
def test_cpu_quantities(text, millicores):
    assert cpu_millicores(text) == millicores


@pytest.mark.parametrize(
    "text, mib",
    [
        ("2Gi", 2048),
        ("512Mi", 512),
        ("1048576Ki", 1024),
        ("0Mi", 0),
        ("1Ti", 1048576),
        ("1048576", 1),
        ("1048576k", 1000),
        ("1M", 10**6 / 2**20),
        ("1G", 10**9 / 2**20),
        ("1T", 10**12 / 2**20),
    ],
)
def test_memory_quantities(text, mib):
    assert memory_mib(text) == mib


@pytest.mark.parametrize("bad", ["two", "1 CPU", "-1", ""])
def test_bad_quantities_are_rejected(bad):
    with pytest.raises(ValueError):
        cpu_millicores(bad)


def test_the_originals_runner_does_not_fit_its_t3_large_node():
    # The original asked 2 CPU for production runners on 2-vCPU t3.large nodes (facts 2.3).
    problems = fit_problems("t3.large", "2", "4Gi")
    assert len(problems) == 1
    assert "requests 2 CPU but a t3.large node has 1930m allocatable" in problems[0]


def test_daemonsets_are_taken_from_what_the_pod_can_have():
    cpu, memory = daemonset_overhead()
    # aws-node 25m, kube-proxy 100m, Alloy 50m/128Mi, node exporter 20m/32Mi.
    assert (cpu, memory) == (195, 160)
    assert fit_problems("t3.large", "1800m", "1Gi") == []
    assert fit_problems("t3.large", "1800m", "1Gi", cpu, memory) != []


def test_unknown_instance_type_is_a_problem_not_a_crash():
    assert "not in the sizing table" in fit_problems("x9.huge", "1", "1Gi")[0]


# EC2 instance type documentation (vCPUs, memory GiB) and the EKS AMI's eni-max-pods.txt.
INSTANCE_FACTS = {
    "t3.small": (2, 2, 11),
    "t3.medium": (2, 4, 17),
    "t3.large": (2, 8, 35),
    "t3.xlarge": (4, 16, 58),
    "t3.2xlarge": (8, 32, 58),
    "t3a.medium": (2, 4, 17),
    "t3a.large": (2, 8, 35),
    "t3a.xlarge": (4, 16, 58),
    "t3a.2xlarge": (8, 32, 58),
    "t4g.small": (2, 2, 11),
    "t4g.medium": (2, 4, 17),
    "t4g.large": (2, 8, 35),
    "t4g.xlarge": (4, 16, 58),
    "t4g.2xlarge": (8, 32, 58),
    "m5.large": (2, 8, 29),
    "m5.xlarge": (4, 16, 58),
    "m5.2xlarge": (8, 32, 58),
    "m5.4xlarge": (16, 64, 234),
    "m6i.large": (2, 8, 29),
    "m6i.xlarge": (4, 16, 58),
    "m6i.2xlarge": (8, 32, 58),
    "m6i.4xlarge": (16, 64, 234),
    "m7i.large": (2, 8, 29),
    "m7i.xlarge": (4, 16, 58),
    "m7i.2xlarge": (8, 32, 58),
    "m6g.large": (2, 8, 29),
    "m6g.xlarge": (4, 16, 58),
    "m7g.large": (2, 8, 29),
    "m7g.xlarge": (4, 16, 58),
    "c5.large": (2, 4, 29),
    "c5.xlarge": (4, 8, 58),
    "c5.2xlarge": (8, 16, 58),
    "c6i.large": (2, 4, 29),
    "c6i.xlarge": (4, 8, 58),
    "c6i.2xlarge": (8, 16, 58),
    "c7i.large": (2, 4, 29),
    "c7i.xlarge": (4, 8, 58),
    "c7i.2xlarge": (8, 16, 58),
    "r5.large": (2, 16, 29),
    "r5.xlarge": (4, 32, 58),
    "r6i.large": (2, 16, 29),
    "r6i.xlarge": (4, 32, 58),
}


def test_the_sizing_table_knows_exactly_the_documented_types():
    assert sorted(INSTANCE_TYPES) == sorted(INSTANCE_FACTS)


@pytest.mark.parametrize("instance_type", sorted(INSTANCE_FACTS))
def test_each_instance_type_matches_its_documentation(instance_type):
    vcpus, memory_gib, max_pods = INSTANCE_FACTS[instance_type]
    spec = INSTANCE_TYPES[instance_type]
    assert (spec.vcpus, spec.memory_mib, spec.max_pods) == (vcpus, memory_gib * 1024, max_pods)
    assert allocatable(instance_type).memory_mib == memory_gib * 1024 - (255 + 11 * max_pods) - 100
