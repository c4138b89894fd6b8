"""Tests of the CrossGuard policy pack: every rule on a violating and a passing fixture, and both stacks."""
