"""The network: VPC, subnet tiers, NAT, flow logs, endpoints, and the security groups between tiers."""
