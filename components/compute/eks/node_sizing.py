"""What a pod can ask of an EKS node: allocatable CPU and memory per instance type.

The EKS AMIs reserve for the kubelet and system daemons (bootstrap `kube-reserved`):
CPU 6 % of the first core, 1 % of the second, 0.5 % of cores three and four and 0.25 % of every
core above four; memory 255 MiB plus 11 MiB per pod the node can hold (its ENI-based max pods,
`enis * (ips_per_eni - 1) + 2`). The kubelet then keeps 100 MiB free before evicting
(`evictionHard memory.available`). Allocatable = capacity - reserved - eviction threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EVICTION_HARD_MIB = 100


@dataclass(frozen=True)
class InstanceType:
    vcpus: int
    memory_mib: int
    enis: int
    ips_per_eni: int

    @property
    def max_pods(self) -> int:
        return self.enis * (self.ips_per_eni - 1) + 2


# vCPUs, memory, ENIs and IPv4 addresses per ENI, from the EC2 instance type documentation.
INSTANCE_TYPES: dict[str, InstanceType] = {
    "t3.small": InstanceType(2, 2048, 3, 4),
    "t3.medium": InstanceType(2, 4096, 3, 6),
    "t3.large": InstanceType(2, 8192, 3, 12),
    "t3.xlarge": InstanceType(4, 16384, 4, 15),
    "t3.2xlarge": InstanceType(8, 32768, 4, 15),
    "t3a.medium": InstanceType(2, 4096, 3, 6),
    "t3a.large": InstanceType(2, 8192, 3, 12),
    "t3a.xlarge": InstanceType(4, 16384, 4, 15),
    "t3a.2xlarge": InstanceType(8, 32768, 4, 15),
    "t4g.small": InstanceType(2, 2048, 3, 4),
    "t4g.medium": InstanceType(2, 4096, 3, 6),
    "t4g.large": InstanceType(2, 8192, 3, 12),
    "t4g.xlarge": InstanceType(4, 16384, 4, 15),
    "t4g.2xlarge": InstanceType(8, 32768, 4, 15),
    "m5.large": InstanceType(2, 8192, 3, 10),
    "m5.xlarge": InstanceType(4, 16384, 4, 15),
    "m5.2xlarge": InstanceType(8, 32768, 4, 15),
    "m5.4xlarge": InstanceType(16, 65536, 8, 30),
    "m6i.large": InstanceType(2, 8192, 3, 10),
    "m6i.xlarge": InstanceType(4, 16384, 4, 15),
    "m6i.2xlarge": InstanceType(8, 32768, 4, 15),
    "m6i.4xlarge": InstanceType(16, 65536, 8, 30),
    "m7i.large": InstanceType(2, 8192, 3, 10),
    "m7i.xlarge": InstanceType(4, 16384, 4, 15),
    "m7i.2xlarge": InstanceType(8, 32768, 4, 15),
    "m6g.large": InstanceType(2, 8192, 3, 10),
    "m6g.xlarge": InstanceType(4, 16384, 4, 15),
    "m7g.large": InstanceType(2, 8192, 3, 10),
    "m7g.xlarge": InstanceType(4, 16384, 4, 15),
    "c5.large": InstanceType(2, 4096, 3, 10),
    "c5.xlarge": InstanceType(4, 8192, 4, 15),
    "c5.2xlarge": InstanceType(8, 16384, 4, 15),
    "c6i.large": InstanceType(2, 4096, 3, 10),
    "c6i.xlarge": InstanceType(4, 8192, 4, 15),
    "c6i.2xlarge": InstanceType(8, 16384, 4, 15),
    "c7i.large": InstanceType(2, 4096, 3, 10),
    "c7i.xlarge": InstanceType(4, 8192, 4, 15),
    "c7i.2xlarge": InstanceType(8, 16384, 4, 15),
    "r5.large": InstanceType(2, 16384, 3, 10),
    "r5.xlarge": InstanceType(4, 32768, 4, 15),
    "r6i.large": InstanceType(2, 16384, 3, 10),
    "r6i.xlarge": InstanceType(4, 32768, 4, 15),
}


def reserved_cpu_millicores(vcpus: int) -> float:
    """kube-reserved CPU: 6 % of core 1, 1 % of core 2, 0.5 % of cores 3-4, 0.25 % above 4."""
    ladder = [(1, 60.0), (1, 10.0), (2, 5.0)]
    reserved, left = 0.0, vcpus
    for cores, per_core in ladder:
        used = min(cores, left)
        reserved += used * per_core
        left -= used
    return reserved + left * 2.5


def reserved_memory_mib(instance: InstanceType) -> int:
    return 255 + 11 * instance.max_pods


@dataclass(frozen=True)
class Allocatable:
    cpu_millicores: int
    memory_mib: int


def allocatable(instance_type: str) -> Allocatable:
    """Raises KeyError for an instance type the table does not know."""
    instance = INSTANCE_TYPES[instance_type]
    cpu = instance.vcpus * 1000 - reserved_cpu_millicores(instance.vcpus)
    memory = instance.memory_mib - reserved_memory_mib(instance) - EVICTION_HARD_MIB
    return Allocatable(cpu_millicores=int(cpu), memory_mib=memory)


_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_MEMORY_MIB = {
    None: 1 / 2**20,
    "Ki": 1 / 1024,
    "Mi": 1,
    "Gi": 1024,
    "Ti": 1024**2,
    "k": 1000 / 2**20,
    "M": 10**6 / 2**20,
    "G": 10**9 / 2**20,
    "T": 10**12 / 2**20,
}


def cpu_millicores(quantity: str) -> float:
    """'1' -> 1000, '500m' -> 500, '1.5' -> 1500; raises ValueError on anything else."""
    match = _CPU.match(str(quantity))
    if not match:
        raise ValueError(f"'{quantity}' is not a CPU quantity like 500m or 2")
    number = float(match.group(1))
    return number if match.group(2) else number * 1000


def memory_mib(quantity: str) -> float:
    """'2Gi' -> 2048, '512Mi' -> 512, '1G' -> 953.67; raises ValueError on anything else."""
    match = _MEMORY.match(str(quantity))
    if not match:
        raise ValueError(f"'{quantity}' is not a memory quantity like 512Mi or 2Gi")
    return float(match.group(1)) * _MEMORY_MIB[match.group(2)]


def fit_problems(instance_type: str, cpu: str, memory: str, daemonset_cpu_m: float = 0, daemonset_memory_mib: float = 0) -> list[str]:
    """Why one pod asking for `cpu`/`memory` cannot be scheduled on an empty `instance_type` node.

    DaemonSets run on every node, so their requests are taken from what the pod can have.
    """
    if instance_type not in INSTANCE_TYPES:
        return [f"instance type '{instance_type}' is not in the sizing table ({', '.join(sorted(INSTANCE_TYPES))})"]
    node = allocatable(instance_type)
    free_cpu = node.cpu_millicores - daemonset_cpu_m
    free_memory = node.memory_mib - daemonset_memory_mib
    problems = []
    if cpu_millicores(cpu) > free_cpu:
        problems.append(
            f"requests {cpu} CPU but a {instance_type} node has {node.cpu_millicores}m allocatable, "
            f"{int(free_cpu)}m after the DaemonSets on every node"
        )
    if memory_mib(memory) > free_memory:
        problems.append(
            f"requests {memory} memory but a {instance_type} node has {node.memory_mib}Mi allocatable, "
            f"{int(free_memory)}Mi after the DaemonSets on every node"
        )
    return problems


# Requests of the DaemonSets on every node, runner nodes included: EKS's aws-node (VPC CNI) and
# kube-proxy add-ons, and this program's log shipper (Alloy) and node exporter (k8s/chart_values.py
# sets their requests from here).
LOG_SHIPPER_REQUESTS = {"cpu": "50m", "memory": "128Mi"}
NODE_EXPORTER_REQUESTS = {"cpu": "20m", "memory": "32Mi"}
EVERY_NODE_DAEMONSET_REQUESTS: dict[str, dict[str, str]] = {
    "aws-node": {"cpu": "25m", "memory": "0Mi"},
    "kube-proxy": {"cpu": "100m", "memory": "0Mi"},
    "alloy": LOG_SHIPPER_REQUESTS,
    "node-exporter": NODE_EXPORTER_REQUESTS,
}


def daemonset_overhead() -> tuple[float, float]:
    """(millicores, MiB) the DaemonSets on every node request."""
    cpu = sum(cpu_millicores(r["cpu"]) for r in EVERY_NODE_DAEMONSET_REQUESTS.values())
    memory = sum(memory_mib(r["memory"]) for r in EVERY_NODE_DAEMONSET_REQUESTS.values())
    return cpu, memory
