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


@pytest.mark.parametrize("text, mib", [("2Gi", 2048), ("512Mi", 512), ("1048576Ki", 1024), ("0Mi", 0)])
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
    assert cpu > 0 and memory > 0
    assert fit_problems("t3.large", "1800m", "1Gi") == []
    assert fit_problems("t3.large", "1800m", "1Gi", cpu, memory) != []


def test_unknown_instance_type_is_a_problem_not_a_crash():
    assert "not in the sizing table" in fit_problems("x9.huge", "1", "1Gi")[0]
