"""Tests for karashi.policy.variables: ${...} substitution in Resource and conditions.

Expected results follow AWS "IAM policy elements: Variables and tags".
"""

from __future__ import annotations

import pytest

from karashi.policy import MalformedPolicy
from karashi.policy.variables import Variable, parse_template

from .support import allow, condition_allows, decide, identity

HOME = "arn:aws:s3:::team/home/${aws:username}/*"


def test_username_in_resource() -> None:
    """${aws:username} is replaced by the request's user name (AWS "IAM policy elements:
    Variables and tags")."""
    policy = identity(allow(resource=HOME))
    ctx = {"aws:username": "alice"}
    assert decide(policy, resource="arn:aws:s3:::team/home/alice/a.txt", context=ctx).allowed
    assert not decide(policy, resource="arn:aws:s3:::team/home/bob/a.txt", context=ctx).allowed


def test_missing_variable_key_matches_nothing() -> None:
    """An unresolvable variable makes its resource match nothing (AWS "IAM policy elements:
    Variables and tags", Policy variables with no value)."""
    policy = identity(allow(resource=HOME))
    literal = "arn:aws:s3:::team/home/${aws:username}/a.txt"
    assert not decide(policy, resource=literal, context={}).allowed
    assert not decide(policy, resource="arn:aws:s3:::team/home//a.txt", context={}).allowed


def test_variables_are_literal_under_2008_version() -> None:
    """Under Version 2008-10-17 ${...} is plain text (AWS "IAM policy elements: Variables and
    tags": variables need Version 2012-10-17)."""
    policy = identity(allow(resource=HOME), version="2008-10-17")
    ctx = {"aws:username": "alice"}
    assert not decide(policy, resource="arn:aws:s3:::team/home/alice/a", context=ctx).allowed
    assert decide(policy, resource="arn:aws:s3:::team/home/${aws:username}/a",
                  context=ctx).allowed


def test_default_value_used_when_key_missing() -> None:
    """${key, 'default'} falls back to the default (AWS "IAM policy elements: Variables and
    tags", Specifying default values)."""
    policy = identity(allow(resource="arn:aws:s3:::team/${aws:PrincipalTag/team, 'guests'}/*"))
    assert decide(policy, resource="arn:aws:s3:::team/guests/x", context={}).allowed
    tagged = {"aws:PrincipalTag/team": "red"}
    assert decide(policy, resource="arn:aws:s3:::team/red/x", context=tagged).allowed
    assert not decide(policy, resource="arn:aws:s3:::team/guests/x", context=tagged).allowed


def test_principal_tag_and_any_context_key() -> None:
    """Any single-valued context key can be a variable, e.g. aws:PrincipalTag/Key and
    aws:userid (AWS "IAM policy elements: Variables and tags")."""
    policy = identity(allow(resource="arn:aws:s3:::b/${aws:userid}/${aws:PrincipalTag/Dept}"))
    ctx = {"aws:userid": "AIDA1", "aws:principaltag/dept": "ops"}
    assert decide(policy, resource="arn:aws:s3:::b/AIDA1/ops", context=ctx).allowed


def test_multivalued_key_cannot_be_a_variable() -> None:
    """A multivalued key does not resolve as a variable (AWS "Single-valued vs. multivalued
    context keys": multivalued keys cannot be policy variables)."""
    policy = identity(allow(resource="arn:aws:s3:::b/${aws:TagKeys}"))
    assert not decide(policy, resource="arn:aws:s3:::b/a", context={"aws:TagKeys": ["a"]}
                      ).allowed


def test_escapes_are_literal_characters() -> None:
    """${*}, ${?} and ${$} stand for the characters themselves (AWS "IAM policy elements:
    Variables and tags", Specifying default values / special characters)."""
    policy = identity(allow(resource="arn:aws:s3:::b/${*}${?}${$}"))
    assert decide(policy, resource="arn:aws:s3:::b/*?$").allowed
    assert not decide(policy, resource="arn:aws:s3:::b/ab$").allowed


def test_substituted_value_is_not_a_wildcard() -> None:
    """A `*` inside a substituted value matches only `*` (AWS "IAM policy elements:
    Variables and tags": substitution is a single pass)."""
    policy = identity(allow(resource="arn:aws:s3:::b/${aws:username}"))
    assert not decide(policy, resource="arn:aws:s3:::b/anyone", context={"aws:username": "*"}
                      ).allowed
    assert decide(policy, resource="arn:aws:s3:::b/*", context={"aws:username": "*"}).allowed


def test_variable_in_string_condition() -> None:
    """Variables work in string condition values (AWS "IAM policy elements: Variables and
    tags", Where you can use policy variables)."""
    condition = {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}
    assert condition_allows(condition, {"s3:prefix": "home/alice/x", "aws:username": "alice"})
    assert not condition_allows(condition, {"s3:prefix": "home/bob/x", "aws:username": "alice"})
    assert not condition_allows(condition, {"s3:prefix": "home//x"})


def test_variable_in_string_equals_and_ignore_case() -> None:
    """StringEquals and StringEqualsIgnoreCase substitute too (AWS "IAM policy elements:
    Variables and tags")."""
    ctx = {"aws:PrincipalTag/owner": "Alice", "aws:username": "alice"}
    assert not condition_allows({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}},
                                ctx)
    assert condition_allows(
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/owner": "${aws:username}"}}, ctx)


def test_negated_condition_with_unresolved_variable_is_true() -> None:
    """An unresolvable value matches nothing, so StringNotEquals over it is true (AWS "IAM
    policy elements: Variables and tags", Policy variables with no value)."""
    condition = {"StringNotEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}
    assert condition_allows(condition, {"aws:PrincipalTag/owner": "alice"})


def test_template_parsing() -> None:
    """Key names are lower-cased; quotes in defaults are doubled (AWS "IAM policy elements:
    Variables and tags", Specifying default values)."""
    template = parse_template("x/${ AWS:UserName , 'it''s' }/y", "here")
    assert template is not None
    assert template.parts == ("x/", Variable("aws:username", "it's"), "/y")
    assert parse_template("no variables", "here") is None


@pytest.mark.parametrize(("text", "fragment"), [
    ("arn:aws:s3:::b/${aws:username", "unclosed policy variable"),
    ("arn:aws:s3:::b/${}", "invalid policy variable"),
    ("arn:aws:s3:::b/${username}", "needs a service prefix"),
    ("arn:aws:s3:::b/${aws:username, default}", "must be in single quotes"),
    ("arn:aws:s3:::b/${aws:username, 'it's'}", "must be doubled"),
])
def test_malformed_variables_are_refused(text: str, fragment: str) -> None:
    """Malformed ${...} is refused at parse time (AWS "IAM policy elements: Variables and
    tags")."""
    with pytest.raises(MalformedPolicy, match=fragment):
        identity(allow(resource=text))
