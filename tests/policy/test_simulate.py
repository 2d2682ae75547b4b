"""Tests for karashi.policy.simulate: the `karashi policy simulate` request shape.

Expected decisions follow AWS "Policy evaluation logic" and the article policy of
DESIGN.md.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from karashi.policy import Effect, InvalidSimulation, MalformedPolicy, simulate

from .support import ACCOUNT, ARTICLE_POLICY, OTHER_ACCOUNT

ALICE = {"type": "user", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "account": ACCOUNT}


def request(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"policies": [json.loads(ARTICLE_POLICY)], "principal": ALICE,
                            "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k"}
    base.update(fields)
    return base


def test_article_without_mfa_is_denied() -> None:
    """The article's policy with "false" is an ExplicitDeny of PutObject (AWS "Policy
    evaluation logic")."""
    decision = simulate(request(context={"aws:MultiFactorAuthPresent": "false"}))
    assert decision.effect is Effect.EXPLICIT_DENY
    assert str(decision) == "ExplicitDeny by policies[0] statement 2"


def test_context_accepts_json_booleans_and_lists() -> None:
    """JSON true/false become "true"/"false"; lists are multivalued keys (AWS "Single-valued
    vs. multivalued context keys")."""
    decision = simulate(request(context={"aws:MultiFactorAuthPresent": True,
                                         "aws:TagKeys": ["a", "b"]}))
    assert decision.effect is Effect.ALLOW


def test_named_policy_and_string_document() -> None:
    """A policy may be wrapped with a name, and a document may be a JSON string."""
    decision = simulate(request(policies=[{"name": "force-mfa", "document": ARTICLE_POLICY}],
                                context={"aws:MultiFactorAuthPresent": "true"}))
    assert decision.policy == "force-mfa"


def test_bucket_policy_and_cross_account() -> None:
    """Cross-account needs both sides (AWS "Cross-account policy evaluation logic")."""
    bucket_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:*",
         "Resource": "arn:aws:s3:::b/*"}]}
    fields = {"bucket_policy": bucket_policy, "resource_account": OTHER_ACCOUNT,
              "context": {"aws:MultiFactorAuthPresent": "true"}}
    assert simulate(request(**fields)).allowed
    assert not simulate(request(**{**fields, "policies": []})).allowed


def test_anonymous_principal() -> None:
    """A missing or anonymous principal is an anonymous caller (AWS "AWS JSON policy
    elements: Principal")."""
    public = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::b/*"}]}
    for principal in (None, {"type": "anonymous"}):
        decision = simulate(request(principal=principal, action="s3:GetObject",
                                    bucket_policy=public))
        assert decision.allowed


def test_root_principal() -> None:
    """type "root" is the account's root user (AWS "Policy evaluation logic")."""
    root = {"type": "root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "account": ACCOUNT}
    assert simulate(request(principal=root, policies=[])).allowed


def test_bad_policy_names_its_place() -> None:
    """A malformed policy is reported with its place in the request."""
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject",
                                                   "Resource": "*"}]}
    with pytest.raises(MalformedPolicy) as info:
        simulate(request(policies=[json.loads(ARTICLE_POLICY), bad]))
    assert str(info.value).startswith("policies[1]: Statement[0] Action")


@pytest.mark.parametrize(("fields", "fragment"), [
    ({"action": ""}, "action must be"),
    ({"resource": None}, "resource must be"),
    ({"policies": {}}, "policies must be a list"),
    ({"policies": [5]}, "must be a policy document"),
    ({"principal": "alice"}, "principal must be an object"),
    ({"principal": {"type": "user", "arn": "x", "account": "1"}}, "must be 12 digits"),
    ({"context": ["a"]}, "context must be an object"),
    ({"context": {"k": {"a": 1}}}, "must be a string or a list"),
    ({"resource_account": 5}, "resource_account must be a string"),
    ({"extra": 1}, "unknown field 'extra'"),
])
def test_invalid_requests(fields: dict[str, Any], fragment: str) -> None:
    """A malformed simulation request is an InvalidSimulation naming the field."""
    with pytest.raises(InvalidSimulation) as info:
        simulate(request(**fields))
    assert fragment in str(info.value)


def test_request_must_be_an_object() -> None:
    """The request itself must be a JSON object."""
    with pytest.raises(InvalidSimulation):
        simulate([])  # type: ignore[arg-type]
