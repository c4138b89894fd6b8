"""Tests of the catalog on ECS Fargate: services, scheduled jobs, cron conversion."""
