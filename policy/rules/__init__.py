"""Every rule of the pack; importing the category modules registers them in `RULES`."""

from . import encryption, exposure, iam, kubernetes, logging, resilience, transit  # noqa: F401  (registration)
from .base import RULES, Context, Finding, Resource, Rule

__all__ = ["RULES", "Context", "Finding", "Resource", "Rule"]
