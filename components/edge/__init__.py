"""The edge: the public ALB, its certificate, DNS records, WAF and access logs."""
