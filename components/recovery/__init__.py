"""Backups and disaster recovery: AWS Backup vault and plan, copies to a second region, the restore drill, RTO and RPO."""
