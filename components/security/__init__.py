"""The security baseline: audit services (GuardDuty, CloudTrail, Config) and the CI identity roles."""
