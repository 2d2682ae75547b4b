"""Tests for karashi.policy.lint: warnings about valid but surprising policies."""

from __future__ import annotations

from karashi.policy import lint

from .support import ARTICLE_POLICY, allow, bucket, deny, document, identity


def codes(*statements: dict[str, object]) -> list[str]:
    return [w.code for w in lint(identity(*statements))]


def test_article_policy_warns_about_mfa_bool() -> None:
    """Bool on aws:MultiFactorAuthPresent in a Deny does not stop long-term keys on AWS,
    where the key is absent; suggest BoolIfExists (AWS "Amazon EC2: Requires MFA
    (GetSessionToken) for specific EC2 operations")."""
    warnings = lint(ARTICLE_POLICY)
    assert [w.code for w in warnings] == ["mfa-bool"]
    assert warnings[0].statement == 2
    assert "BoolIfExists" in str(warnings[0])


def test_bool_if_exists_and_allow_true_are_quiet() -> None:
    """BoolIfExists, and an Allow requiring "true", behave the same on AWS and Karashi (AWS
    "IAM JSON policy elements: Condition operators", ...IfExists)."""
    assert codes(deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})) == []
    assert codes(allow(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})) == []


def test_allow_with_not_action_warns() -> None:
    """Allow with NotAction grants every other action (AWS "IAM JSON policy elements:
    NotAction")."""
    assert codes({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}) \
        == ["allow-notaction"]


def test_allow_with_not_resource_warns() -> None:
    """Allow with NotResource grants every other resource (AWS "IAM JSON policy elements:
    NotResource")."""
    assert codes({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::x/*"}) \
        == ["allow-notresource"]


def test_public_principal_without_condition_warns() -> None:
    """Principal "*" without a Condition opens the bucket to anonymous callers (AWS "AWS
    JSON policy elements: Principal")."""
    policy = bucket(allow(Principal="*"))
    assert [w.code for w in lint(policy)] == ["public-principal"]
    guarded = bucket(allow(Principal={"AWS": "*"}, Condition={
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert lint(guarded) == []


def test_text_is_parsed_with_kind() -> None:
    """lint accepts document text and the kind to parse it as."""
    text = document(allow(Principal="*"))
    assert [w.code for w in lint(text, kind="resource")] == ["public-principal"]


def test_allow_shadowed_by_unconditional_deny() -> None:
    """An Allow fully covered by an unconditional Deny can never apply (AWS "Policy
    evaluation logic": explicit deny overrides allow)."""
    found = lint(identity(allow("s3:GetObject", "arn:aws:s3:::b/k"), deny("s3:*", "*")))
    assert [(w.code, w.statement) for w in found] == [("unreachable-statement", 0)]


def test_prefix_coverage() -> None:
    """A Deny of s3:Get* on b/* shadows an Allow of s3:GetObject on b/docs/* (AWS "Policy
    evaluation logic")."""
    assert codes(allow("s3:GetObject", "arn:aws:s3:::b/docs/*"),
                 deny("s3:Get*", "arn:aws:s3:::b/*")) == ["unreachable-statement"]


def test_partial_or_conditional_deny_is_not_shadowing() -> None:
    """A Deny with a condition, or covering only part, leaves the Allow reachable (AWS
    "Policy evaluation logic")."""
    assert codes(allow("s3:*"), deny("s3:DeleteObject")) == []
    assert codes(allow("s3:GetObject", "arn:aws:s3:::a/*"), deny("s3:*", "arn:aws:s3:::b/*")) \
        == []
    conditional = deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    assert codes(allow(), conditional) == []


def test_for_all_values_on_allow_warns() -> None:
    """ForAllValues in an Allow is true when the key is absent (AWS "Single-valued vs.
    multivalued context keys", ForAllValues)."""
    assert codes(allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "a"}})) \
        == ["forallvalues-allow"]
