"""The platform-neutral catalog: the original's workloads, commands, sizes and secrets; overrides; Fargate sizes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.compute.ecs.fargate import FARGATE_SIZES, fargate_memory_choices, fargate_size_problem
from components.compute.workloads import (
    CATALOG,
    IMAGES,
    Override,
    RuntimeContext,
    apply_overrides,
    catalog_problems,
    kubernetes_resources,
    plain_environment,
    routed,
    routed_ports,
    secrets_for,
    service_ports,
    workload,
)
from components.data.app_secrets import APP_SECRET_KEYS


def test_the_catalog_holds_exactly_the_oh_my_coins_workloads():
    kinds = {w.name: w.kind for w in CATALOG}
    assert kinds == {
        "backend": "service",
        "frontend": "service",
        "defillama": "job",
        "sec-api": "job",
        "coinspot-announcements": "job",
        "reddit": "worker",
        "cryptopanic": "worker",
        "agents": "service",
    }
    assert IMAGES == ("backend", "frontend")


def test_the_catalog_keeps_its_own_rules():
    assert catalog_problems(CATALOG) == []
    broken = (
        *CATALOG,
        replace(workload("defillama"), name="Bad_Name", schedule=None),
        replace(workload("reddit"), name="twice", desired_count=2),
    )
    problems = catalog_problems(broken)
    assert "workload 'Bad_Name': name must be a short DNS label (lowercase letters, digits, hyphens; at most 22)" in problems
    assert "workload 'Bad_Name': jobs, and only jobs, have a schedule" in problems
    assert "workload 'twice': a worker runs exactly one copy" in problems


def test_collector_and_agent_commands_carry_over_from_the_original():
    commands = {w.name: " ".join(w.command) for w in CATALOG if w.command}
    assert commands == {
        "defillama": "python -m app.services.collectors.glass.defillama",
        "sec-api": "python -m app.services.collectors.catalyst.sec_api",
        "coinspot-announcements": "python -m app.services.collectors.catalyst.coinspot_announcements",
        "reddit": "python -m app.services.collectors.human.reddit",
        "cryptopanic": "python -m app.services.collectors.human.cryptopanic",
        "agents": "python -m app.services.agent.orchestrator",
    }
    assert workload("backend").command == () and workload("frontend").command == ()
    assert all(w.image == "backend" for w in CATALOG if w.name != "frontend")


def test_schedules_ports_routes_and_storage():
    assert {w.name: w.schedule for w in CATALOG if w.schedule} == {
        "defillama": "0 2 * * *",
        "sec-api": "0 3 * * *",
        "coinspot-announcements": "0 * * * *",
    }
    assert {w.name: w.port for w in CATALOG if w.port} == {"backend": 8000, "frontend": 80, "agents": 8001}
    assert [w.name for w in routed()] == ["backend", "frontend"]
    assert workload("backend").route.host == "api" and not workload("backend").route.default
    assert workload("frontend").route.default
    assert workload("backend").route.health_check.path == "/api/v1/utils/health-check/"
    assert routed_ports() == (80, 8000) and service_ports() == (80, 8000, 8001)
    agents = workload("agents")
    assert (agents.storage.size_gib, agents.storage.uid, agents.storage.gid, agents.storage.root_directory) == (10, 1000, 1000, "/agents")
    assert (agents.scaling.min_count, agents.scaling.max_count, agents.desired_count) == (2, 5, 2)
    counts = {w.name: (w.desired_count, w.scaling.min_count, w.scaling.max_count) for w in CATALOG if w.scaling}
    assert counts == {"backend": (1, 1, 2), "frontend": (1, 1, 2), "agents": (2, 2, 5)}
    targets = {w.name: (w.scaling.cpu_target_percent, w.scaling.memory_target_percent) for w in CATALOG if w.scaling}
    assert targets == {"backend": (70, 80), "frontend": (70, 80), "agents": (75, 85)}
    assert (agents.scaling.cpu_target_percent, agents.scaling.memory_target_percent) == (75, 85)


def test_default_sizes_are_the_originals_and_fit_fargate():
    sizes = {w.name: (w.cpu, w.memory) for w in CATALOG}
    assert sizes["backend"] == (512, 1024) and sizes["frontend"] == (256, 512) and sizes["agents"] == (1024, 2048)
    assert all(sizes[name] == (256, 512) for name in ("defillama", "sec-api", "coinspot-announcements", "reddit", "cryptopanic"))
    assert all(fargate_size_problem(cpu, memory) is None for cpu, memory in sizes.values())


def test_every_secret_is_a_reference_to_a_key_the_app_secret_can_hold():
    for item in CATALOG:
        for ref in item.secrets:
            if ref.source == "app":
                assert ref.key in APP_SECRET_KEYS, (item.name, ref.key)
        assert not set(item.env) & {ref.env for ref in item.secrets}, item.name
    # Every process of the backend image starts with the app's own keys and reports errors to Sentry.
    app_base = ["SECRET_KEY", "ENCRYPTION_KEY", "FIRST_SUPERUSER", "FIRST_SUPERUSER_PASSWORD", "SENTRY_DSN"]
    llm = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]
    data = ["POSTGRES_PASSWORD", "REDIS_PASSWORD"]
    assert {w.name: [r.env for r in w.secrets] for w in CATALOG} == {
        "backend": [*app_base, *llm, "SMTP_USER", "SMTP_PASSWORD", *data],
        "frontend": [],
        "defillama": [*app_base, *data],
        "sec-api": [*app_base, "SEC_API_KEY", *data],
        "coinspot-announcements": [*app_base, *data],
        "reddit": [*app_base, "REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", *data],
        "cryptopanic": [*app_base, "CRYPTOPANIC_API_KEY", *data],
        "agents": [*app_base, *llm, *data],
    }
    # Where each comes from, and which a stack may lack.
    sources = {(r.env, r.source, r.optional) for w in CATALOG for r in w.secrets}
    assert {(env, source) for env, source, _ in sources if source != "app"} == {
        ("POSTGRES_PASSWORD", "database-password"),
        ("REDIS_PASSWORD", "cache-auth-token"),
    }
    assert {env for env, _, optional in sources if optional} == {"SMTP_USER", "SMTP_PASSWORD", "ANTHROPIC_API_KEY", "SENTRY_DSN"}


def test_optional_keys_the_stack_lacks_are_dropped_required_ones_are_errors():
    backend = workload("backend")
    present = [k for k in APP_SECRET_KEYS if not k.startswith("SMTP_")]
    assert "SMTP_USER" not in {r.env for r in secrets_for(backend, present)}
    assert "SMTP_USER" in {r.env for r in secrets_for(backend, APP_SECRET_KEYS)}
    with pytest.raises(KeyError, match="OPENAI_API_KEY"):
        secrets_for(backend, [k for k in present if k != "OPENAI_API_KEY"])


def test_plain_environment_has_connections_and_no_secret_names():
    context = RuntimeContext(
        environment="staging",
        project_name="Oh My Coins",
        domain="staging.example.com",
        frontend_url="https://dashboard.staging.example.com",
        cors_origins=("https://dashboard.staging.example.com", "http://localhost:5173"),
        database_host="db.internal",
        database_port=5432,
        database_name="app",
        database_user="app_admin",
        cache_host="cache.internal",
        cache_port=6379,
        cache_tls=True,
    )
    env = plain_environment(workload("backend"), context)
    assert env["POSTGRES_SERVER"] == "db.internal" and env["REDIS_SSL"] == "true"
    assert env["BACKEND_CORS_ORIGINS"] == "https://dashboard.staging.example.com,http://localhost:5173"
    assert not {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "SECRET_KEY"} & set(env)
    assert plain_environment(workload("frontend"), context) == {}
    assert "BACKEND_CORS_ORIGINS" not in plain_environment(workload("defillama"), context)
    assert plain_environment(workload("agents"), context)["AGENT_REDIS_DB"] == "1"


def test_overrides_change_sizes_and_counts_only_of_the_named_workload():
    changed = apply_overrides(CATALOG, {"backend": Override(cpu=1024, memory=2048, desired_count=2, min_count=2, max_count=10)})
    backend = workload("backend", changed)
    assert (backend.cpu, backend.memory, backend.desired_count, backend.scaling.min_count, backend.scaling.max_count) == (
        1024,
        2048,
        2,
        2,
        10,
    )
    assert workload("frontend", changed) == workload("frontend")
    with pytest.raises(KeyError, match="bakend"):
        apply_overrides(CATALOG, {"bakend": Override(cpu=256)})


def test_kubernetes_resources_are_limits_with_half_requests():
    assert kubernetes_resources(workload("agents")) == {
        "requests": {"cpu": "500m", "memory": "1024Mi"},
        "limits": {"cpu": "1000m", "memory": "2048Mi"},
    }


@pytest.mark.parametrize(
    "cpu, memory, problem",
    [
        (256, 512, None),
        (256, 2048, None),
        (256, 3072, "3072 MiB does not go with 256 CPU units"),
        (512, 512, "512 MiB does not go with 512 CPU units"),
        (1024, 8192, None),
        (4096, 30720, None),
        (16384, 122880, None),
        (16384, 36864, "in steps of 8192"),
        (300, 512, "300 CPU units is not a Fargate size"),
    ],
)
def test_fargate_sizes(cpu, memory, problem):
    found = fargate_size_problem(cpu, memory)
    assert (found is None) if problem is None else (problem in found)


# The ECS task-size table: CPU units -> the memory (MiB) Fargate accepts with it.
FARGATE_TABLE = {
    256: [512, 1024, 1536, 2048],
    512: [1024, 2048, 3072, 4096],
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}


def test_fargate_memory_choices_are_the_ecs_table():
    assert {cpu: fargate_memory_choices(cpu) for cpu in FARGATE_SIZES} == FARGATE_TABLE


@given(cpu=st.sampled_from(sorted(FARGATE_TABLE)), memory=st.integers(1, 130_000))
def test_fargate_check_agrees_with_the_ecs_table(cpu, memory):
    assert (fargate_size_problem(cpu, memory) is None) == (memory in FARGATE_TABLE[cpu])
