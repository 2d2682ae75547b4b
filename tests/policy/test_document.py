"""Tests for karashi.policy.document and .statement: parsing and validation at parse time.

Every refusal is a MalformedPolicy whose message says what is wrong and where.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from karashi.policy import MalformedPolicy, parse_policy

from .support import ARTICLE_POLICY, allow, document


def refused(text: str, kind: str = "identity") -> str:
    with pytest.raises(MalformedPolicy) as info:
        parse_policy(text, kind=kind)  # type: ignore[arg-type]
    return str(info.value)


def refused_statement(statement: dict[str, Any], kind: str = "identity") -> str:
    return refused(document(statement), kind)


def test_article_policy_parses() -> None:
    """The article's force-MFA policy is valid (AWS "IAM JSON policy elements reference")."""
    policy = parse_policy(ARTICLE_POLICY, name="force-mfa")
    assert policy.version == "2012-10-17"
    assert len(policy.statements) == 3
    assert policy.source == ARTICLE_POLICY
    assert policy.name == "force-mfa"


def test_policy_is_immutable() -> None:
    """A compiled Policy is frozen and can be shared between requests."""
    policy = parse_policy(ARTICLE_POLICY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.name = "x"  # type: ignore[misc]
    assert isinstance(policy.statements, tuple)


def test_missing_version_means_2008() -> None:
    """Without Version the policy is 2008-10-17 (AWS "IAM JSON policy elements: Version")."""
    policy = parse_policy(document(allow(), version=None))
    assert policy.version == "2008-10-17"


def test_statement_may_be_a_single_object() -> None:
    """Statement may be one object instead of a list (AWS "IAM JSON policy elements:
    Statement")."""
    text = json.dumps({"Version": "2012-10-17", "Statement": allow()})
    assert len(parse_policy(text).statements) == 1


def test_strings_or_lists_of_strings() -> None:
    """Action and Resource take a string or a list of strings (AWS "IAM JSON policy
    elements: Action")."""
    policy = parse_policy(document(allow(["s3:GetObject", "s3:PutObject"],
                                         ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])))
    assert policy.statements[0].actions.patterns == ("s3:GetObject", "s3:PutObject")


@pytest.mark.parametrize(("text", "fragment"), [
    ("{not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('"text"', "must be a JSON object"),
    ('{"Version": "2012-10-17", "Statement": [], "Extra": 1}', "unknown top-level element"),
    ('{"Version": "2012-10-17"}', "missing Statement"),
    ('{"Version": "2012-10-17", "Statement": []}', "at least one statement"),
    ('{"Version": "2020-01-01", "Statement": []}', "Version must be"),
    ('{"Version": 2012, "Statement": []}', "Version must be"),
    ('{"Version": "2012-10-17", "Statement": ["x"]}', "Statement[0]: must be an object"),
    ('{"Version": "2012-10-17", "Version": "2008-10-17", "Statement": []}', "duplicate key"),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": NaN}]}', "NaN"),
])
def test_document_errors(text: str, fragment: str) -> None:
    """Malformed documents are refused with a message naming the fault (AWS "IAM JSON
    policy elements reference")."""
    assert fragment in refused(text)


@pytest.mark.parametrize(("statement", "fragment"), [
    ({"Action": "s3:GetObject", "Resource": "*"}, "Statement[0]: missing Effect"),
    ({"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}, "Effect must be"),
    ({"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"}, "Effect must be"),
    ({"Effect": "Allow", "Resource": "*"}, "missing Action (or NotAction)"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:PutObject",
      "Resource": "*"}, "both Action and NotAction"),
    ({"Effect": "Allow", "Action": "s3:GetObject"}, "missing Resource (or NotResource)"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "NotResource": "*"},
     "both Resource and NotResource"),
    ({"Effect": "Allow", "Action": "GetObject", "Resource": "*"},
     "Action: action 'GetObject' needs a service prefix"),
    ({"Effect": "Allow", "Action": "s3:Get Object", "Resource": "*"}, "invalid action"),
    ({"Effect": "Allow", "Action": [], "Resource": "*"}, "must not be an empty list"),
    ({"Effect": "Allow", "Action": [1], "Resource": "*"}, "list of strings"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "bucket/key"},
     "must be an ARN"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"},
     "Principal is not allowed in an identity policy"),
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Actions": "s3:*"},
     "unknown element 'Actions'"),
    ({"Sid": "Has Space", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
     "ASCII letters and digits"),
    ({"Sid": 5, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
     "Sid must be a string"),
])
def test_statement_errors(statement: dict[str, Any], fragment: str) -> None:
    """Each statement fault is refused naming the statement and element (AWS "IAM JSON
    policy elements reference": Effect, Action, Resource, Principal, Sid)."""
    assert fragment in refused_statement(statement)


def test_action_star_alone_is_fine() -> None:
    """"Action": "*" needs no prefix (AWS "IAM JSON policy elements: Action")."""
    parse_policy(document(allow("*")))


def test_error_names_the_sid() -> None:
    """The message names the statement by index and Sid (AWS "IAM JSON policy elements:
    Sid")."""
    message = refused_statement({"Sid": "DenyNoMFA", "Effect": "Deny",
                                 "Action": "GetObject", "Resource": "*"})
    assert message.startswith("Statement[0] (Sid DenyNoMFA) Action:")


def test_duplicate_sids_are_refused() -> None:
    """Sids must be unique within a policy (AWS "IAM JSON policy elements: Sid")."""
    text = document(allow(Sid="Same"), allow(Sid="Same"))
    assert "duplicate Sid 'Same'" in refused(text)


@pytest.mark.parametrize(("condition", "fragment"), [
    ({"StringEqualz": {"aws:username": "a"}}, "unknown condition operator 'StringEqualz'"),
    ({"stringequals": {"aws:username": "a"}}, "case-sensitive: StringEquals"),
    ({"NullIfExists": {"aws:username": "true"}}, "Null cannot take IfExists"),
    ({"Bool": {"aws:MultiFactorAuthPresent": "yes"}}, "must be \"true\" or \"false\""),
    ({"Null": {"aws:username": "maybe"}}, "must be \"true\" or \"false\""),
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "an hour"}}, "is not a valid number"),
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "NaN"}}, "is not a valid number"),
    ({"DateLessThan": {"aws:CurrentTime": "next tuesday"}}, "is not a valid date"),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}, "not an IP address or CIDR"),
    ({"IpAddress": {"aws:SourceIp": "example.com"}}, "not an IP address or CIDR"),
    ({"StringEquals": {"username": "a"}}, "needs a service prefix"),
    ({"StringEquals": {"aws:username": []}}, "list of values is empty"),
    ({"StringEquals": {"aws:username": {"a": "b"}}}, "must be strings"),
    ({"StringEquals": "aws:username"}, "must be an object of context keys"),
    ({"StringEquals": {}}, "must be an object of context keys"),
    ("Bool", "must be an object of operators"),
])
def test_condition_errors(condition: Any, fragment: str) -> None:
    """Condition values that cannot mean anything are refused rather than failing open
    (AWS "IAM JSON policy elements: Condition operators")."""
    message = refused_statement(allow(Condition=condition))
    assert fragment in message
    assert message.startswith("Statement[0] Condition")


def test_resource_policy_needs_principal() -> None:
    """A bucket policy statement needs Principal (AWS "AWS JSON policy elements:
    Principal")."""
    assert "missing Principal" in refused_statement(allow(), kind="resource")


def test_resource_policy_refuses_both_principal_forms() -> None:
    """Principal and NotPrincipal cannot both appear (AWS "AWS JSON policy elements:
    NotPrincipal")."""
    statement = allow(Principal="*", NotPrincipal={"AWS": "123456789012"})
    assert "both Principal and NotPrincipal" in refused_statement(statement, kind="resource")


def test_bool_refuses_yes_even_under_if_exists() -> None:
    """BoolIfExists with "yes" is refused too: it would never match (AWS "IAM JSON policy
    elements: Condition operators", Boolean condition operators)."""
    message = refused_statement(allow(Condition={"BoolIfExists": {"aws:SecureTransport": "1"}}))
    assert "Bool value '1'" in message


def test_unknown_kind_is_a_programming_error() -> None:
    """kind is "identity" or "resource"; anything else is a ValueError, not a policy
    error."""
    with pytest.raises(ValueError, match="kind must be"):
        parse_policy(ARTICLE_POLICY, kind="session")  # type: ignore[arg-type]


def test_malformed_policy_is_a_value_error() -> None:
    """MalformedPolicy is a ValueError, so callers can catch either."""
    assert issubclass(MalformedPolicy, ValueError)
