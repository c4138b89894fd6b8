"""`ohmycoins:alarms`: CloudWatch alarm thresholds. Every key is optional; the defaults suit both stacks."""

from __future__ import annotations

from pydantic import Field

from components.shared.settings_model import Model


class DatabaseAlarms(Model):
    cpu_percent: float = Field(default=80, gt=0, le=100)
    free_storage_gib: float = Field(default=10, gt=0)
    connections: int = Field(default=80, gt=0)
    freeable_memory_mib: int = Field(default=256, gt=0)


class CacheAlarms(Model):
    engine_cpu_percent: float = Field(default=75, gt=0, le=100)
    memory_percent: float = Field(default=80, gt=0, le=100)
    evictions: int = Field(default=1000, ge=0)


class LoadBalancerAlarms(Model):
    # Target 5xx responses (HTTPCode_Target_5XX_Count) per minute, for two consecutive minutes.
    server_errors_per_minute: int = Field(default=10, ge=0)
    response_time_seconds: float = Field(default=2, gt=0)
    unhealthy_hosts: int = Field(default=0, ge=0)


class ServiceAlarms(Model):
    cpu_percent: float = Field(default=85, gt=0, le=100)
    memory_percent: float = Field(default=85, gt=0, le=100)


class AlarmSettings(Model):
    database: DatabaseAlarms = Field(default_factory=DatabaseAlarms)
    cache: CacheAlarms = Field(default_factory=CacheAlarms)
    load_balancer: LoadBalancerAlarms = Field(default_factory=LoadBalancerAlarms)
    services: ServiceAlarms = Field(default_factory=ServiceAlarms)
    # A CloudWatch dashboard with the original's widgets, per stack.
    dashboard: bool = True
