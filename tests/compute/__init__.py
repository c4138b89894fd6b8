"""Tests of where the apps run: the workload catalog, ECS and EKS."""
