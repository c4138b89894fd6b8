"""Tests of the shared building blocks: private buckets and IAM documents."""
