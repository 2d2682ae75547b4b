"""Tests for karashi.policy.arn and the ARN condition operators.

Expected results follow AWS "IAM JSON policy elements: Condition operators" (Amazon
Resource Name (ARN) condition operators) and "IAM identifiers".
"""

from __future__ import annotations

import pytest

from karashi.policy.arn import account_of_root_arn, is_account_id, split_arn

from .support import condition_allows

USER = "arn:aws:iam::123456789012:user/alice"


def test_split_arn_keeps_colons_in_resource() -> None:
    """An ARN has six parts; the last keeps any further colons (AWS "IAM identifiers")."""
    assert split_arn("arn:aws:s3:::bucket/a:b") == ("arn", "aws", "s3", "", "", "bucket/a:b")
    assert split_arn("arn:aws:s3") is None
    assert split_arn("urn:aws:s3:::b") is None


def test_account_helpers() -> None:
    """Account ids are 12 digits; the root ARN names the account (AWS "IAM identifiers")."""
    assert is_account_id("123456789012") and not is_account_id("12345678901a")
    assert account_of_root_arn("arn:aws:iam::123456789012:root") == "123456789012"
    assert account_of_root_arn(USER) is None


@pytest.mark.parametrize(("operator", "policy", "expected"), [
    ("ArnEquals", USER, True),
    ("ArnLike", USER, True),
    ("ArnLike", "arn:aws:iam::123456789012:user/*", True),
    ("ArnLike", "arn:aws:iam::*:user/alice", True),
    ("ArnLike", "arn:aws:iam::?23456789012:user/alice", True),
    ("ArnEquals", "arn:aws:iam::123456789012:user/*", True),
    ("ArnLike", "arn:aws:iam::123456789012:role/*", False),
    ("ArnLike", "arn:aws:s3:::*", False),
    ("ArnNotEquals", USER, False),
    ("ArnNotLike", "arn:aws:iam::123456789012:role/*", True),
    ("ArnNotLike", "arn:aws:iam::*:user/*", False),
])
def test_arn_operators(operator: str, policy: str, expected: bool) -> None:
    """ARN operators match each of the six parts with wildcards (AWS "IAM JSON policy
    elements: Condition operators", ARN condition operators)."""
    assert condition_allows({operator: {"aws:PrincipalArn": policy}},
                            {"aws:PrincipalArn": USER}) is expected


def test_arn_wildcard_does_not_cross_parts() -> None:
    """A `*` in one part cannot swallow colons of the next parts (AWS "IAM JSON policy
    elements: Condition operators", ARN condition operators match part by part)."""
    condition = {"ArnLike": {"aws:SourceArn": "arn:aws:*:us-east-1:123456789012:x"}}
    good = "arn:aws:sns:us-east-1:123456789012:x"
    spanning = "arn:aws:a:b:us-east-1:123456789012:x"
    assert condition_allows(condition, {"aws:SourceArn": good})
    assert not condition_allows(condition, {"aws:SourceArn": spanning})


def test_request_value_that_is_not_an_arn_does_not_match() -> None:
    """A request value without six parts matches no ARN pattern (AWS "IAM identifiers")."""
    assert not condition_allows({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:*"}},
                                {"aws:PrincipalArn": "alice"})


def test_arn_value_with_variable() -> None:
    """ARN values may hold variables, resolved before the parts are matched (AWS "IAM
    policy elements: Variables and tags")."""
    condition = {"ArnEquals": {"aws:PrincipalArn":
                               "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"}}
    ctx = {"aws:PrincipalArn": USER, "aws:PrincipalAccount": "123456789012",
           "aws:username": "alice"}
    assert condition_allows(condition, ctx)
    assert not condition_allows(condition, {**ctx, "aws:username": "bob"})
    assert not condition_allows(condition, {"aws:PrincipalArn": USER})


def test_arn_value_that_is_not_an_arn_is_refused() -> None:
    """An ARN operator value must be an ARN (AWS "IAM JSON policy elements: Condition
    operators")."""
    from karashi.policy import MalformedPolicy
    with pytest.raises(MalformedPolicy, match="is not an ARN"):
        condition_allows({"ArnLike": {"aws:PrincipalArn": "alice"}}, {})
