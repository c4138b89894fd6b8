"""Tests of the security baseline: audit services and the CI identity roles."""
