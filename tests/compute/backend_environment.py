"""The backend's plain settings, the same on ECS and on EKS (README "Edge and workloads")."""

from __future__ import annotations


def backend_environment(environment: str, domain: str, cors: str) -> dict[str, str]:
    """Every plain variable but the two hosts, which come from the data tier's outputs."""
    return {
        "BACKEND_CORS_ORIGINS": cors,
        "DOMAIN": domain,
        "EMAILS_FROM_EMAIL": f"noreply@{domain}",
        "ENVIRONMENT": environment,
        "FRONTEND_HOST": f"https://dashboard.{domain}",
        "LLM_PROVIDER": "openai",
        "LOG_LEVEL": "INFO",
        "OPENAI_MODEL": "gpt-4-turbo-preview",
        "POSTGRES_DB": "app",
        "POSTGRES_PORT": "5432",
        "POSTGRES_SSLMODE": "require",
        "POSTGRES_USER": "app_admin",
        "PROJECT_NAME": "Oh My Coins",
        "REDIS_PORT": "6379",
        "REDIS_SSL": "true",
        "SCHEDULER_ENABLED": "true",
        # Both stacks send mail through SES's SMTP interface with STARTTLS.
        "SMTP_HOST": "email-smtp.ap-southeast-2.amazonaws.com",
        "SMTP_PORT": "587",
        "SMTP_SSL": "false",
        "SMTP_TLS": "true",
    }
