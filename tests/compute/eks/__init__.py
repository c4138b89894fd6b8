"""Tests of the EKS platform, the catalog on Kubernetes, node sizing and CI runners."""
