"""Tests for karashi.policy.principal and bucket-policy evaluation with identity policies.

Expected decisions follow AWS "AWS JSON policy elements: Principal", "... NotPrincipal",
"Policy evaluation for requests within a single account" and "Cross-account policy
evaluation logic".
"""

from __future__ import annotations

from typing import Any

import pytest

from karashi.policy import Effect, MalformedPolicy, Principal

from .support import (
    ACCOUNT,
    ALICE,
    BOB,
    OTHER_ACCOUNT,
    ROOT,
    allow,
    bucket,
    decide,
    deny,
    identity,
)

ANON = Principal.anonymous()
ALICE_ARN = ALICE.arn
BOB_ARN = BOB.arn
CAROL = Principal(arn=f"arn:aws:iam::{ACCOUNT}:user/carol", account=ACCOUNT)


def by_bucket(principal: Any, **extra: Any) -> dict[str, Any]:
    return allow(Principal=principal, **extra)


# -- Same account ------------------------------------------------------------------------

def test_bucket_policy_alone_allows_named_user_same_account() -> None:
    """Same account: a bucket-policy Allow naming the user suffices without any identity
    policy (AWS "Policy evaluation for requests within a single account")."""
    policy = bucket(by_bucket({"AWS": ALICE_ARN}))
    decision = decide(resource_policy=policy)
    assert decision.effect is Effect.ALLOW
    assert decision.policy == "bucket-policy"


def test_identity_policy_alone_allows_same_account() -> None:
    """Same account: an identity-policy Allow suffices without a bucket policy (AWS "Policy
    evaluation for requests within a single account")."""
    assert decide(identity(allow())).allowed


def test_account_principal_delegates_to_identity_policies() -> None:
    """Naming the account (id or root ARN) grants only to principals whose identity
    policies allow (AWS "AWS JSON policy elements: Principal", AWS account principals)."""
    for named in (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"):
        policy = bucket(by_bucket({"AWS": named}))
        assert decide(resource_policy=policy).effect is Effect.IMPLICIT_DENY
        assert decide(identity(allow()), resource_policy=policy).allowed


def test_bucket_policy_deny_beats_identity_allow() -> None:
    """An explicit Deny in the bucket policy overrides an identity Allow (AWS "Policy
    evaluation logic")."""
    policy = bucket(deny(Principal={"AWS": ALICE_ARN}, Sid="NoAlice"))
    decision = decide(identity(allow()), resource_policy=policy)
    assert decision.effect is Effect.EXPLICIT_DENY
    assert (decision.policy, decision.sid) == ("bucket-policy", "NoAlice")


def test_bucket_policy_deny_by_account_covers_its_users() -> None:
    """A Deny naming an account applies to every principal of that account (AWS "AWS JSON
    policy elements: Principal")."""
    policy = bucket(deny(Principal={"AWS": ACCOUNT}))
    assert decide(identity(allow()), resource_policy=policy).effect is Effect.EXPLICIT_DENY


def test_statement_for_other_principal_does_not_apply() -> None:
    """A bucket statement naming someone else does not apply (AWS "AWS JSON policy elements:
    Principal")."""
    policy = bucket(deny(Principal={"AWS": BOB_ARN}))
    assert decide(identity(allow()), resource_policy=policy).allowed


# -- Cross-account -----------------------------------------------------------------------

def test_cross_account_needs_both_sides() -> None:
    """Another account: the identity policies AND the bucket policy must allow (AWS
    "Cross-account policy evaluation logic")."""
    policy = bucket(by_bucket({"AWS": BOB_ARN}))
    both = decide(identity(allow()), principal=BOB, resource_policy=policy,
                  resource_account=ACCOUNT)
    assert both.effect is Effect.ALLOW and both.policy == "bucket-policy"
    only_bucket = decide(principal=BOB, resource_policy=policy, resource_account=ACCOUNT)
    assert only_bucket.effect is Effect.IMPLICIT_DENY
    assert "identity policies do not allow" in str(only_bucket)
    only_identity = decide(identity(allow()), principal=BOB, resource_account=ACCOUNT)
    assert only_identity.effect is Effect.IMPLICIT_DENY
    assert "bucket policy" in str(only_identity)


def test_cross_account_grant_to_account() -> None:
    """A bucket policy naming the other account plus that account's identity Allow grants
    access (AWS "Cross-account policy evaluation logic")."""
    policy = bucket(by_bucket({"AWS": OTHER_ACCOUNT}))
    assert decide(identity(allow()), principal=BOB, resource_policy=policy,
                  resource_account=ACCOUNT).allowed


def test_cross_account_deny_in_callers_identity_policy() -> None:
    """The caller's own identity Deny still applies cross-account (AWS "Cross-account policy
    evaluation logic")."""
    policy = bucket(by_bucket({"AWS": BOB_ARN}))
    decision = decide(identity(allow(), deny()), principal=BOB, resource_policy=policy,
                      resource_account=ACCOUNT)
    assert decision.effect is Effect.EXPLICIT_DENY


# -- Anonymous and everyone --------------------------------------------------------------

@pytest.mark.parametrize("everyone", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_public_principal_allows_anonymous(everyone: Any) -> None:
    """"*" and {"AWS": "*"} both mean everyone, anonymous included (AWS "AWS JSON policy
    elements: Principal", All principals)."""
    policy = bucket(by_bucket(everyone))
    assert decide(principal=ANON, resource_policy=policy).allowed


def test_anonymous_needs_public_grant() -> None:
    """Anonymous callers match no account or ARN principal and have no identity policies
    (AWS "AWS JSON policy elements: Principal")."""
    policy = bucket(by_bucket({"AWS": ACCOUNT}))
    decision = decide(identity(allow()), principal=ANON, resource_policy=policy)
    assert decision.effect is Effect.IMPLICIT_DENY
    assert "anonymous" in str(decision)
    assert decide(principal=ANON).effect is Effect.IMPLICIT_DENY


def test_public_grant_with_condition() -> None:
    """A public grant limited by aws:SourceIp applies only from that network (AWS "AWS JSON
    policy elements: Principal"; "IAM JSON policy elements: Condition operators")."""
    policy = bucket(by_bucket("*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert decide(principal=ANON, resource_policy=policy,
                  context={"aws:SourceIp": "10.1.2.3"}).allowed
    assert not decide(principal=ANON, resource_policy=policy,
                      context={"aws:SourceIp": "192.0.2.1"}).allowed


def test_public_deny_applies_to_everyone() -> None:
    """A Deny for "*" applies to every caller (AWS "Policy evaluation logic")."""
    policy = bucket(by_bucket("*"), deny(Principal="*", Condition={
        "Bool": {"aws:SecureTransport": "false"}}))
    assert decide(principal=ANON, resource_policy=policy,
                  context={"aws:SecureTransport": "false"}).effect is Effect.EXPLICIT_DENY


# -- Root user ---------------------------------------------------------------------------

def test_root_is_not_limited_by_identity_policies() -> None:
    """The root user has full access to its own account's resources; identity policies do
    not bind it (AWS "Policy evaluation logic": implicit deny "with the exception of the
    AWS account root user")."""
    decision = decide(identity(deny()), principal=ROOT)
    assert decision.effect is Effect.ALLOW
    assert "root user" in str(decision)


def test_root_is_bound_by_bucket_policy_deny() -> None:
    """An explicit Deny in a bucket policy applies to the root user too (AWS "Policy
    evaluation logic")."""
    policy = bucket(deny(Principal="*"))
    assert decide(principal=ROOT, resource_policy=policy).effect is Effect.EXPLICIT_DENY


def test_root_cross_account_needs_bucket_grant() -> None:
    """Root of another account still needs the bucket policy to allow (AWS "Cross-account
    policy evaluation logic")."""
    other_root = Principal(arn=f"arn:aws:iam::{OTHER_ACCOUNT}:root", account=OTHER_ACCOUNT,
                           type="root", is_root=True)
    assert not decide(principal=other_root, resource_account=ACCOUNT).allowed
    policy = bucket(by_bucket({"AWS": OTHER_ACCOUNT}))
    assert decide(principal=other_root, resource_policy=policy,
                  resource_account=ACCOUNT).allowed


# -- NotPrincipal ------------------------------------------------------------------------

def test_not_principal_deny_spares_listed_user() -> None:
    """Deny with NotPrincipal applies to everyone except those listed (AWS "AWS JSON policy
    elements: NotPrincipal")."""
    policy = bucket(deny(NotPrincipal={"AWS": ALICE_ARN}))
    grant = identity(allow())
    assert decide(grant, resource_policy=policy).allowed
    assert decide(grant, principal=CAROL, resource_policy=policy).effect \
        is Effect.EXPLICIT_DENY
    assert decide(principal=ANON, resource_policy=policy).effect is Effect.EXPLICIT_DENY


def test_not_principal_account_spares_only_root() -> None:
    """An account in NotPrincipal leaves out its root user, not its other users (AWS "AWS
    JSON policy elements: NotPrincipal")."""
    policy = bucket(deny(NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    assert decide(principal=ROOT, resource_policy=policy).allowed
    assert decide(identity(allow()), resource_policy=policy).effect is Effect.EXPLICIT_DENY


# -- The element itself ------------------------------------------------------------------

@pytest.mark.parametrize(("principal", "fragment"), [
    ({"AWS": "arn:aws:iam::123456789012:user/*"}, "may not contain wildcards"),
    ({"AWS": "alice"}, "must be \"*\", a 12-digit account id or an ARN"),
    ({"Users": "x"}, "unknown principal type"),
    ({"AWS": []}, "string or a list of strings"),
    ("everyone", 'must be "*" or an object'),
    ({}, 'must be "*" or an object'),
])
def test_principal_errors(principal: Any, fragment: str) -> None:
    """Principal values are "*", account ids or ARNs without wildcards (AWS "AWS JSON policy
    elements: Principal")."""
    with pytest.raises(MalformedPolicy) as info:
        bucket(by_bucket(principal))
    assert fragment in str(info.value)


def test_service_principal_parses_but_never_matches_a_user() -> None:
    """Service principals are valid syntax; no Karashi caller is a service (AWS "AWS JSON
    policy elements: Principal", AWS service principals)."""
    policy = bucket(by_bucket({"Service": "logging.s3.amazonaws.com"}))
    assert not decide(resource_policy=policy).allowed


def test_policy_kinds_are_checked() -> None:
    """Passing an identity policy as the bucket policy, or the reverse, is a caller bug."""
    with pytest.raises(ValueError, match="not a resource policy"):
        decide(resource_policy=identity(allow()))
    with pytest.raises(ValueError, match="not an identity policy"):
        decide(bucket(by_bucket("*")))
