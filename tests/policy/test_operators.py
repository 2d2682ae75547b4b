"""Tests for karashi.policy.operators: IP addresses, binary values and set qualifiers.

Expected results follow AWS "IAM JSON policy elements: Condition operators" and
"Single-valued vs. multivalued context keys".
"""

from __future__ import annotations

import base64

import pytest

from karashi.policy.operators import parse_date, parse_number

from .support import condition_allows


@pytest.mark.parametrize(("operator", "policy", "address", "expected"), [
    ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
    ("IpAddress", "203.0.113.0/24", "198.51.100.7", False),
    ("IpAddress", "203.0.113.7", "203.0.113.7", True),
    ("IpAddress", "2001:db8::/32", "2001:db8:1::5", True),
    ("IpAddress", "2001:db8::/32", "203.0.113.7", False),
    ("IpAddress", "203.0.113.0/24", "not-an-ip", False),
    ("NotIpAddress", "203.0.113.0/24", "198.51.100.7", True),
    ("NotIpAddress", "203.0.113.0/24", "203.0.113.9", False),
    ("NotIpAddress", ["203.0.113.0/24", "2001:db8::/32"], "2001:db8::1", False),
])
def test_ip_address_operators(operator: str, policy: str | list[str], address: str,
                              expected: bool) -> None:
    """IpAddress matches IPv4 and IPv6 CIDR blocks (AWS "IAM JSON policy elements:
    Condition operators", IP address condition operators)."""
    assert condition_allows({operator: {"aws:SourceIp": policy}},
                            {"aws:SourceIp": address}) is expected


def test_binary_equals() -> None:
    """BinaryEquals compares the decoded base64 bytes (AWS "IAM JSON policy elements:
    Condition operators", Binary condition operators)."""
    value = base64.b64encode(b"\x00\x01secret").decode()
    assert condition_allows({"BinaryEquals": {"aws:Binary": value}}, {"aws:Binary": value})
    other = base64.b64encode(b"other").decode()
    assert not condition_allows({"BinaryEquals": {"aws:Binary": value}}, {"aws:Binary": other})
    assert not condition_allows({"BinaryEquals": {"aws:Binary": value}},
                                {"aws:Binary": "%%%"})


def test_binary_equals_refuses_non_base64() -> None:
    """A BinaryEquals value must be base64 (AWS "IAM JSON policy elements: Condition
    operators", Binary condition operators)."""
    from karashi.policy import MalformedPolicy
    with pytest.raises(MalformedPolicy, match="not base64"):
        condition_allows({"BinaryEquals": {"aws:Binary": "not base64!"}}, {})


# -- Set qualifiers ----------------------------------------------------------------------

ALL = {"ForAllValues:StringEquals": {"aws:TagKeys": ["owner", "team"]}}
ANY = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner", "team"]}}


@pytest.mark.parametrize(("tags", "expected"), [
    (["owner"], True), (["owner", "team"], True), (["owner", "cost"], False), ("team", True),
])
def test_for_all_values(tags: list[str] | str, expected: bool) -> None:
    """ForAllValues: every request value must match a policy value (AWS "Single-valued vs.
    multivalued context keys", ForAllValues)."""
    assert condition_allows(ALL, {"aws:TagKeys": tags}) is expected


def test_for_all_values_with_missing_or_empty_key_is_true() -> None:
    """ForAllValues is true when the key is absent or empty (AWS "Single-valued vs.
    multivalued context keys", ForAllValues)."""
    assert condition_allows(ALL, {})
    assert condition_allows(ALL, {"aws:TagKeys": []})


@pytest.mark.parametrize(("tags", "expected"), [
    (["owner"], True), (["cost", "team"], True), (["cost"], False),
])
def test_for_any_value(tags: list[str], expected: bool) -> None:
    """ForAnyValue: at least one request value must match (AWS "Single-valued vs.
    multivalued context keys", ForAnyValue)."""
    assert condition_allows(ANY, {"aws:TagKeys": tags}) is expected


def test_for_any_value_with_missing_or_empty_key_is_false() -> None:
    """ForAnyValue is false when the key is absent or empty (AWS "Single-valued vs.
    multivalued context keys", ForAnyValue)."""
    assert not condition_allows(ANY, {})
    assert not condition_allows(ANY, {"aws:TagKeys": []})


def test_for_all_values_with_negated_operator() -> None:
    """ForAllValues:StringNotEquals: no request value may be listed (AWS "Single-valued vs.
    multivalued context keys", with "Condition with multiple context keys or values")."""
    condition = {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["admin", "root"]}}
    assert condition_allows(condition, {"aws:TagKeys": ["owner", "team"]})
    assert not condition_allows(condition, {"aws:TagKeys": ["owner", "admin"]})


def test_for_any_value_with_negated_operator() -> None:
    """ForAnyValue:StringNotLike: some request value must match none of the patterns (AWS
    "Single-valued vs. multivalued context keys")."""
    condition = {"ForAnyValue:StringNotLike": {"aws:TagKeys": "sys-*"}}
    assert condition_allows(condition, {"aws:TagKeys": ["sys-a", "user"]})
    assert not condition_allows(condition, {"aws:TagKeys": ["sys-a", "sys-b"]})


def test_qualifier_with_if_exists() -> None:
    """A set qualifier combines with IfExists: an absent key is true (AWS "IAM JSON policy
    elements: Condition operators", ...IfExists)."""
    condition = {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "team"}}
    assert condition_allows(condition, {})
    assert not condition_allows(condition, {"aws:TagKeys": ["cost"]})


def test_multivalued_without_qualifier() -> None:
    """Without a qualifier a multivalued key passes a positive operator when any value
    matches, a negated one when none does (AWS "Single-valued vs. multivalued context
    keys")."""
    assert condition_allows({"StringEquals": {"aws:TagKeys": "team"}},
                            {"aws:TagKeys": ["cost", "team"]})
    assert not condition_allows({"StringNotEquals": {"aws:TagKeys": "team"}},
                                {"aws:TagKeys": ["cost", "team"]})
    assert condition_allows({"StringNotEquals": {"aws:TagKeys": "team"}},
                            {"aws:TagKeys": ["cost"]})


@pytest.mark.parametrize(("operator", "fragment"), [
    ("ForEveryValue:StringEquals", "unknown set qualifier"),
    ("ForAllValues:Null", "Null cannot take"),
])
def test_bad_qualifiers_are_refused(operator: str, fragment: str) -> None:
    """Only ForAllValues and ForAnyValue qualify operators (AWS "Single-valued vs.
    multivalued context keys")."""
    from karashi.policy import MalformedPolicy
    with pytest.raises(MalformedPolicy, match=fragment):
        condition_allows({operator: {"aws:TagKeys": "true"}}, {})


def test_number_and_date_parsers() -> None:
    """Numbers are decimal (no NaN); dates are ISO 8601 (UTC when no zone) or epoch
    seconds (AWS "IAM JSON policy elements: Condition operators")."""
    assert parse_number("1e3") == 1000.0
    assert parse_number("inf") is None and parse_number("nan") is None
    assert parse_date("1970-01-01T00:01:00") == 60.0
    assert parse_date("1970-01-01") == 0.0
    assert parse_date("120") == 120.0
    assert parse_date("soon") is None
