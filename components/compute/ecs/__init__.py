"""The catalog on ECS Fargate: services, scheduled jobs, task definitions, their IAM and autoscaling."""
