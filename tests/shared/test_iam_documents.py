"""The one way IAM documents are written: the policy wrapper and the service trust."""

import json

from components.shared.iam_documents import VERSION, document, policy_document, service_trust, source_conditions

READ = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
LIST = {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}


def test_policy_document_wraps_statements_in_order():
    parsed = json.loads(policy_document(READ, LIST))
    assert parsed == {"Version": "2012-10-17", "Statement": [READ, LIST]}
    assert VERSION == "2012-10-17"
    assert document(READ, LIST) == parsed


def test_policy_document_is_deterministic_whatever_the_key_order():
    reordered = dict(reversed(list(READ.items())))
    assert policy_document(reordered) == policy_document(READ)
    assert policy_document(READ) == json.dumps({"Version": "2012-10-17", "Statement": [READ]}, sort_keys=True)


def test_policy_document_of_no_statement_is_an_empty_list():
    assert json.loads(policy_document()) == {"Version": "2012-10-17", "Statement": []}


def _trust(text: str) -> dict:
    parsed = json.loads(text)
    assert parsed["Version"] == "2012-10-17"
    (statement,) = parsed["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole"
    return statement


def test_service_trust_pins_the_account():
    statement = _trust(service_trust("monitoring.rds.amazonaws.com", "123456789012"))
    assert statement["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_service_trust_pins_the_account_and_source_arn_pattern():
    source = "arn:aws:ec2:ap-southeast-2:123456789012:vpc-flow-log/*"
    statement = _trust(service_trust("vpc-flow-logs.amazonaws.com", "123456789012", source))
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": source},
    }


def test_service_trust_with_an_exact_source_arn_merges_into_string_equals():
    trail = "arn:aws:cloudtrail:ap-southeast-2:123456789012:trail/t"
    only_arn = _trust(service_trust("cloudtrail.amazonaws.com", None, trail, arn_operator="StringEquals"))
    assert only_arn["Condition"] == {"StringEquals": {"aws:SourceArn": trail}}
    both = _trust(service_trust("cloudtrail.amazonaws.com", "123456789012", trail, arn_operator="StringEquals"))
    assert both["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012", "aws:SourceArn": trail}}


def test_service_trust_without_account_or_source_has_no_condition():
    statement = _trust(service_trust("ec2.amazonaws.com", None))
    assert statement == {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}


def test_source_conditions():
    assert source_conditions() == {}
    assert source_conditions("1", "arn:x") == {"StringEquals": {"aws:SourceAccount": "1"}, "ArnLike": {"aws:SourceArn": "arn:x"}}
