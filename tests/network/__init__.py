"""Tests of the network: CIDR carving, the VPC and its subnet tiers, the security groups."""
