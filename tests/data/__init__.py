"""Tests of the data tier: KMS key, app secret, PostgreSQL, Redis and their settings."""
