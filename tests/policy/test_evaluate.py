"""Tests for karashi.policy.evaluate: identity policies, decisions and their explanations.

Expected decisions follow AWS "Policy evaluation logic" and "Policy evaluation for requests
within a single account".
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from karashi.policy import Decision, Effect, Principal, evaluate, parse_policy

from .support import ALICE, ARTICLE_POLICY, OBJECT, allow, decide, deny, identity

ARTICLE = parse_policy(ARTICLE_POLICY, name="arn:aws:iam::123456789012:policy/force-mfa")


def test_article_long_term_key_is_denied() -> None:
    """Long-term key (aws:MultiFactorAuthPresent "false"): Bool matches, the Deny applies,
    PutObject is an ExplicitDeny (AWS "Policy evaluation logic"; "IAM JSON policy elements:
    Condition operators", Boolean)."""
    decision = decide(ARTICLE, action="s3:PutObject",
                      context={"aws:MultiFactorAuthPresent": "false"})
    assert decision.effect is Effect.EXPLICIT_DENY
    assert not decision.allowed
    assert (decision.policy, decision.statement) == (ARTICLE.name, 2)


def test_article_mfa_session_is_allowed() -> None:
    """MFA session ("true"): the Deny's Bool does not match, the s3:* Allow applies (AWS
    "Policy evaluation logic")."""
    decision = decide(ARTICLE, action="s3:PutObject",
                      context={"aws:MultiFactorAuthPresent": "true"})
    assert decision.effect is Effect.ALLOW
    assert decision.statement == 1


def test_article_key_absent_is_allowed() -> None:
    """Key absent (AWS's behaviour for long-term keys): Bool on a missing key is false, so
    the Deny does not apply and the request is allowed (AWS "IAM JSON policy elements:
    Condition operators", Important note)."""
    decision = decide(ARTICLE, action="s3:PutObject", context={})
    assert decision.effect is Effect.ALLOW


def test_article_list_buckets_denied_without_mfa() -> None:
    """The Deny covers s3:ListAllMyBuckets too: deny beats the specific Allow (AWS "Policy
    evaluation logic")."""
    decision = decide(ARTICLE, action="s3:ListAllMyBuckets", resource="arn:aws:s3:::*",
                      context={"aws:MultiFactorAuthPresent": "false"})
    assert decision.effect is Effect.EXPLICIT_DENY


def test_explicit_deny_beats_allow_across_policies() -> None:
    """A Deny in one policy overrides an Allow in another (AWS "Policy evaluation logic")."""
    allowing = identity(allow(), name="allowing")
    denying = identity(deny(), name="denying")
    for order in ([allowing, denying], [denying, allowing]):
        decision = decide(*order)
        assert decision.effect is Effect.EXPLICIT_DENY
        assert decision.policy == "denying"


def test_no_matching_statement_is_implicit_deny() -> None:
    """Nothing allows: implicit deny, with no deciding statement (AWS "Policy evaluation
    logic")."""
    decision = decide(identity(allow("s3:PutObject")))
    assert decision.effect is Effect.IMPLICIT_DENY
    assert decision.policy is None and decision.statement is None and decision.sid is None
    assert "no statement allows s3:GetObject" in str(decision)


def test_no_policies_is_implicit_deny() -> None:
    """By default every request is denied (AWS "Policy evaluation logic")."""
    assert decide().effect is Effect.IMPLICIT_DENY


def test_failed_condition_on_allow_is_not_a_deny() -> None:
    """An Allow whose condition fails does not apply; another Allow still can (AWS "Policy
    evaluation logic")."""
    policy = identity(allow(Condition={"Bool": {"aws:SecureTransport": "true"}}),
                      allow(Sid="Plain"))
    decision = decide(policy, context={"aws:SecureTransport": "false"})
    assert decision.effect is Effect.ALLOW
    assert decision.sid == "Plain"
    alone = identity(allow(Condition={"Bool": {"aws:SecureTransport": "true"}}))
    assert decide(alone, context={"aws:SecureTransport": "false"}).effect \
        is Effect.IMPLICIT_DENY


def test_actions_match_case_insensitively() -> None:
    """Action names are case-insensitive (AWS "IAM JSON policy elements: Action")."""
    policy = identity(allow("S3:getobject"))
    assert decide(policy, action="s3:GetObject").allowed
    assert decide(identity(allow("s3:Get*")), action="S3:GETOBJECT").allowed


def test_resources_match_case_sensitively() -> None:
    """Resource ARNs are case-sensitive (AWS "IAM JSON policy elements: Resource")."""
    policy = identity(allow(resource="arn:aws:s3:::Bucket/*"))
    assert not decide(policy, resource="arn:aws:s3:::bucket/key").allowed


def test_not_action_allows_everything_else() -> None:
    """NotAction matches every action except those listed (AWS "IAM JSON policy elements:
    NotAction")."""
    policy = identity({"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": "*"})
    assert decide(policy, action="s3:GetObject").allowed
    assert not decide(policy, action="s3:DeleteObject").allowed


def test_not_resource_denies_everything_else() -> None:
    """NotResource matches every resource except those listed (AWS "IAM JSON policy
    elements: NotResource")."""
    policy = identity(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*",
                                      "NotResource": "arn:aws:s3:::bucket/*"})
    assert decide(policy, resource="arn:aws:s3:::bucket/k").allowed
    assert decide(policy, resource="arn:aws:s3:::other/k").effect is Effect.EXPLICIT_DENY


def test_decision_explains_itself() -> None:
    """str(decision) names the policy, statement index and Sid (DESIGN.md: every denial can
    be explained)."""
    policy = identity(allow("s3:*"), deny(Sid="DenyNoMFA", Condition={
        "Bool": {"aws:MultiFactorAuthPresent": "false"}}), name="arn:aws:iam::1:policy/p")
    decision = decide(policy, context={"aws:MultiFactorAuthPresent": "false"})
    assert str(decision) == "ExplicitDeny by arn:aws:iam::1:policy/p statement 1 (Sid DenyNoMFA)"
    assert decision.sid == "DenyNoMFA"


def test_decision_is_frozen_with_enum_values() -> None:
    """Effect values are the three decision names; Decision is immutable."""
    assert [e.value for e in Effect] == ["Allow", "ExplicitDeny", "ImplicitDeny"]
    decision = Decision(Effect.ALLOW, "p", 0, None)
    assert decision.allowed
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.policy = "q"  # type: ignore[misc]


def test_multivalued_context_values_are_accepted() -> None:
    """A context value may be a list of strings (AWS "Single-valued vs. multivalued context
    keys")."""
    policy = identity(allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}))
    assert decide(policy, context={"aws:TagKeys": ["owner", "team"]}).allowed


def test_context_value_of_wrong_type_is_a_type_error() -> None:
    """A context value that is neither str nor a sequence of str is a caller bug."""
    bad: dict[str, Any] = {"aws:x": 1}
    with pytest.raises(TypeError, match="aws:x"):
        evaluate(action="s3:GetObject", resource=OBJECT, context=bad,
                 identity_policies=[identity(allow())], principal=ALICE)


def test_principal_may_be_omitted_for_identity_only_checks() -> None:
    """Without a principal, identity policies alone decide (same-account caller)."""
    decision = evaluate(action="s3:GetObject", resource=OBJECT,
                        identity_policies=[identity(allow())])
    assert decision.allowed


def test_principal_is_frozen() -> None:
    """Principal is an immutable value; anonymous() has no ARN or account."""
    anonymous = Principal.anonymous()
    assert anonymous.is_anonymous and anonymous.arn is None and anonymous.account is None
    assert not ALICE.is_anonymous
    with pytest.raises(dataclasses.FrozenInstanceError):
        ALICE.arn = "x"  # type: ignore[misc]


def test_action_index_is_memoized_per_policy() -> None:
    """The statements an action selects are computed once per policy and action."""
    policy = identity(allow("s3:Get*"), deny("s3:PutObject"), allow("*"))
    first = policy.statements_for("s3:getobject")
    assert [s.index for s in first] == [0, 2]
    assert policy.statements_for("s3:getobject") is first
