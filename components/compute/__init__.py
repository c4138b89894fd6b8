"""Where the apps run: the platform-neutral workload catalog, its images and shared storage, on ECS or EKS."""
