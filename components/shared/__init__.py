"""Building blocks several concerns use: the AWS provider, the settings base model and general settings, private S3 buckets, IAM policy documents."""
