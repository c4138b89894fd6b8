"""Tests of what watches the estate: alert topic, alarms, monitoring stack, alert rules."""
