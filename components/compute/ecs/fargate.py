"""Fargate task sizes: which CPU and memory combinations AWS accepts."""

from __future__ import annotations

# CPU units -> (lowest MiB, highest MiB, step MiB), from the ECS task-size table.
FARGATE_SIZES: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}


def fargate_memory_choices(cpu: int) -> list[int]:
    low, high, step = FARGATE_SIZES[cpu]
    return list(range(low, high + 1, step))


def fargate_size_problem(cpu: int, memory: int) -> str | None:
    """None when Fargate runs a task of this size; otherwise why not, with the valid choices."""
    if cpu not in FARGATE_SIZES:
        return f"{cpu} CPU units is not a Fargate size; use one of {', '.join(map(str, FARGATE_SIZES))}"
    choices = fargate_memory_choices(cpu)
    if memory not in choices:
        low, high, step = FARGATE_SIZES[cpu]
        return f"{memory} MiB does not go with {cpu} CPU units on Fargate; use {low} to {high} MiB in steps of {step}"
    return None
