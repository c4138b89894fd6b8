"""What watches the estate: the alert topic, CloudWatch alarms and dashboard, the cost budget, and the monitoring settings."""
