"""Tests of the edge: ALB, certificate, DNS, WAF."""
