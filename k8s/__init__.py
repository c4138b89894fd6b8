"""The Kubernetes layer: objects and Helm releases on the EKS cluster's provider."""
