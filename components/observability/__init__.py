"""What watches the estate: the alert topic, CloudWatch alarms and dashboard, and the monitoring settings."""
