"""The data tier: the stack's KMS key, the application secret, PostgreSQL and Redis."""
