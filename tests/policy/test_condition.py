"""Tests for karashi.policy.condition and .operators: every operator and how they combine.

Expected results follow AWS "IAM JSON policy elements: Condition operators", "Condition
with multiple context keys or values" and "Single-valued vs. multivalued context keys".
"""

from __future__ import annotations

from typing import Any

import pytest

from .support import condition_allows

OPS = 'AWS "IAM JSON policy elements: Condition operators"'


def holds(operator: str, key: str, value: Any, context: dict[str, Any] | None) -> bool:
    return condition_allows({operator: {key: value}}, context)


# -- String ------------------------------------------------------------------------------

@pytest.mark.parametrize(("operator", "policy", "request_value", "expected"), [
    ("StringEquals", "alice", "alice", True),
    ("StringEquals", "alice", "Alice", False),
    ("StringNotEquals", "alice", "alice", False),
    ("StringNotEquals", "alice", "bob", True),
    ("StringEqualsIgnoreCase", "ALICE", "alice", True),
    ("StringEqualsIgnoreCase", "ALICE", "bob", False),
    ("StringNotEqualsIgnoreCase", "ALICE", "alice", False),
    ("StringNotEqualsIgnoreCase", "ALICE", "bob", True),
    ("StringLike", "home/*/photo?.jpg", "home/a/b/photo1.jpg", True),
    ("StringLike", "home/*", "Home/x", False),
    ("StringNotLike", "home/*", "home/x", False),
    ("StringNotLike", "home/*", "other/x", True),
])
def test_string_operators(operator: str, policy: str, request_value: str,
                          expected: bool) -> None:
    """String operators compare as documented: case-sensitive unless IgnoreCase (AWS
    "IAM JSON policy elements: Condition operators")."""
    assert holds(operator, "s3:prefix", policy, {"s3:prefix": request_value}) is expected


def test_string_like_wildcards_only_in_like() -> None:
    """StringEquals treats `*` literally; only StringLike expands it (AWS "IAM JSON policy
    elements: Condition operators")."""
    assert not holds("StringEquals", "s3:prefix", "home/*", {"s3:prefix": "home/x"})
    assert holds("StringEquals", "s3:prefix", "home/*", {"s3:prefix": "home/*"})


# -- Numeric -----------------------------------------------------------------------------

@pytest.mark.parametrize(("operator", "request_value", "expected"), [
    ("NumericEquals", "3600", True),
    ("NumericEquals", "3600.0", True),
    ("NumericEquals", "10", False),
    ("NumericNotEquals", "10", True),
    ("NumericNotEquals", "3600", False),
    ("NumericLessThan", "3599", True),
    ("NumericLessThan", "3600", False),
    ("NumericLessThanEquals", "3600", True),
    ("NumericLessThanEquals", "3601", False),
    ("NumericGreaterThan", "3601", True),
    ("NumericGreaterThan", "3600", False),
    ("NumericGreaterThanEquals", "3600", True),
    ("NumericGreaterThanEquals", "-1", False),
    ("NumericLessThan", "not-a-number", False),
])
def test_numeric_operators(operator: str, request_value: str, expected: bool) -> None:
    """The request value compares to the policy value, e.g. aws:MultiFactorAuthAge < 3600
    (AWS "IAM JSON policy elements: Condition operators")."""
    assert holds(operator, "aws:MultiFactorAuthAge", "3600",
                 {"aws:MultiFactorAuthAge": request_value}) is expected


# -- Date --------------------------------------------------------------------------------

@pytest.mark.parametrize(("operator", "request_value", "expected"), [
    ("DateEquals", "2024-06-01T00:00:00Z", True),
    ("DateEquals", "2024-06-01T02:00:00+02:00", True),
    ("DateEquals", "1717200000", True),
    ("DateNotEquals", "2024-06-02T00:00:00Z", True),
    ("DateNotEquals", "2024-06-01T00:00:00Z", False),
    ("DateLessThan", "2024-05-31T23:59:59Z", True),
    ("DateLessThan", "2024-06-01T00:00:00Z", False),
    ("DateLessThanEquals", "2024-06-01T00:00:00Z", True),
    ("DateGreaterThan", "2024-06-01T00:00:01Z", True),
    ("DateGreaterThan", "1717199999", False),
    ("DateGreaterThanEquals", "2024-06-01T00:00:00Z", True),
    ("DateGreaterThanEquals", "yesterday", False),
])
def test_date_operators(operator: str, request_value: str, expected: bool) -> None:
    """Dates compare as instants, ISO 8601 or epoch seconds (AWS "IAM JSON policy elements:
    Condition operators")."""
    assert holds(operator, "aws:CurrentTime", "2024-06-01T00:00:00Z",
                 {"aws:CurrentTime": request_value}) is expected


def test_date_policy_value_in_epoch_seconds() -> None:
    """A policy date may be epoch seconds, compared with an ISO request time (AWS "IAM JSON
    policy elements: Condition operators")."""
    assert holds("DateLessThan", "aws:EpochTime", "1717200000",
                 {"aws:EpochTime": "1717199000"})


# -- Bool and Null -----------------------------------------------------------------------

@pytest.mark.parametrize(("policy", "request_value", "expected"), [
    ("true", "true", True), ("true", "false", False), ("false", "false", True),
    ("TRUE", "true", True), ("true", "True", True), ("true", "yes", False),
])
def test_bool(policy: str, request_value: str, expected: bool) -> None:
    """Bool compares true/false case-insensitively (AWS "IAM JSON policy elements:
    Condition operators")."""
    assert holds("Bool", "aws:SecureTransport", policy,
                 {"aws:SecureTransport": request_value}) is expected


def test_bool_accepts_json_boolean() -> None:
    """A JSON true is the string "true" (AWS "IAM JSON policy elements: Condition
    operators")."""
    assert holds("Bool", "aws:SecureTransport", True, {"aws:SecureTransport": "true"})


@pytest.mark.parametrize(("policy", "context", "expected"), [
    ("true", {}, True),
    ("true", {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, False),
    ("false", {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, True),
    ("false", {}, False),
])
def test_null(policy: str, context: dict[str, str], expected: bool) -> None:
    """Null "true" means the key is absent, "false" that it is present (AWS "IAM JSON
    policy elements: Condition operators", Null condition operator)."""
    assert holds("Null", "aws:TokenIssueTime", policy, context) is expected


# -- Missing keys, IfExists, negation ----------------------------------------------------

@pytest.mark.parametrize("operator", [
    "StringEquals", "StringEqualsIgnoreCase", "StringLike", "NumericEquals",
    "NumericLessThan", "DateEquals", "DateGreaterThan", "Bool", "IpAddress", "ArnLike",
    "ArnEquals", "BinaryEquals",
])
def test_missing_key_makes_positive_operator_false(operator: str) -> None:
    """A key absent from the request does not match: the condition is false (AWS "IAM JSON
    policy elements: Condition operators", Important note)."""
    value = _sample_value(operator)
    assert holds(operator, "aws:SomeKey", value, {}) is False


@pytest.mark.parametrize("operator", [
    "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
    "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike",
])
def test_missing_key_makes_negated_operator_true(operator: str) -> None:
    """For an operator requiring no match, an absent key makes the condition true (AWS "IAM
    JSON policy elements: Condition operators", Important note)."""
    value = _sample_value(operator)
    assert holds(operator, "aws:SomeKey", value, {}) is True


@pytest.mark.parametrize("operator", [
    "StringEqualsIfExists", "StringNotLikeIfExists", "NumericLessThanIfExists",
    "DateGreaterThanIfExists", "BoolIfExists", "IpAddressIfExists", "ArnLikeIfExists",
    "BinaryEqualsIfExists",
])
def test_if_exists_with_missing_key_is_true(operator: str) -> None:
    """...IfExists is true when the key is absent (AWS "IAM JSON policy elements: Condition
    operators", ...IfExists condition operators)."""
    value = _sample_value(operator.removesuffix("IfExists"))
    assert holds(operator, "aws:SomeKey", value, {}) is True


def test_if_exists_with_present_key_applies_operator() -> None:
    """...IfExists tests the value normally when the key is present (AWS "IAM JSON policy
    elements: Condition operators", ...IfExists condition operators)."""
    assert holds("StringEqualsIfExists", "aws:username", "alice", {"aws:username": "alice"})
    assert not holds("StringEqualsIfExists", "aws:username", "alice", {"aws:username": "bob"})


def _sample_value(operator: str) -> str:
    if operator.startswith(("Numeric",)):
        return "5"
    if operator.startswith("Date"):
        return "2024-01-01T00:00:00Z"
    if operator == "Bool":
        return "true"
    if "IpAddress" in operator:
        return "10.0.0.0/8"
    if operator.startswith("Arn"):
        return "arn:aws:iam::123456789012:user/*"
    if operator == "BinaryEquals":
        return "QmluYXJ5"
    return "value"


# -- Several values, keys, operators -----------------------------------------------------

def test_several_values_are_ored() -> None:
    """Several values for one key: true when any matches (AWS "Condition with multiple
    context keys or values")."""
    condition = {"StringEquals": {"aws:username": ["alice", "bob"]}}
    assert condition_allows(condition, {"aws:username": "bob"})
    assert not condition_allows(condition, {"aws:username": "carol"})


def test_negated_operator_with_several_values_is_nor() -> None:
    """StringNotEquals with several values is true only when the value matches none (AWS
    "Condition with multiple context keys or values")."""
    condition = {"StringNotEquals": {"aws:username": ["alice", "bob"]}}
    assert not condition_allows(condition, {"aws:username": "alice"})
    assert not condition_allows(condition, {"aws:username": "bob"})
    assert condition_allows(condition, {"aws:username": "carol"})


def test_several_keys_are_anded() -> None:
    """Several keys under one operator must all match (AWS "Condition with multiple context
    keys or values")."""
    condition = {"StringEquals": {"aws:username": "alice", "aws:PrincipalType": "User"}}
    assert condition_allows(condition, {"aws:username": "alice", "aws:PrincipalType": "User"})
    assert not condition_allows(condition, {"aws:username": "alice"})


def test_several_operators_are_anded() -> None:
    """Several operators in one block must all hold (AWS "Condition with multiple context
    keys or values")."""
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"},
                 "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}
    ok = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "60"}
    stale = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "7200"}
    assert condition_allows(condition, ok)
    assert not condition_allows(condition, stale)


def test_context_keys_are_case_insensitive() -> None:
    """Context key names match regardless of case (AWS "IAM JSON policy elements:
    Condition", condition key names are not case-sensitive)."""
    condition = {"StringEquals": {"AWS:UserName": "alice"}}
    assert condition_allows(condition, {"aws:username": "alice"})
    assert condition_allows({"StringEquals": {"aws:username": "alice"}},
                            {"AWS:USERNAME": "alice"})


def test_condition_values_stay_case_sensitive() -> None:
    """Values of StringEquals are case-sensitive even though key names are not (AWS "IAM
    JSON policy elements: Condition operators")."""
    assert not condition_allows({"StringEquals": {"aws:username": "Alice"}},
                                {"aws:username": "alice"})
