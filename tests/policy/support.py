"""Helpers shared by the policy tests: build documents, decide requests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from karashi.policy import Decision, Policy, Principal, evaluate, parse_policy

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
ALICE = Principal(arn=f"arn:aws:iam::{ACCOUNT}:user/alice", account=ACCOUNT, type="user")
BOB = Principal(arn=f"arn:aws:iam::{OTHER_ACCOUNT}:user/bob", account=OTHER_ACCOUNT)
ROOT = Principal(arn=f"arn:aws:iam::{ACCOUNT}:root", account=ACCOUNT, type="root",
                 is_root=True)
OBJECT = "arn:aws:s3:::bucket/key"

# The force-MFA policy of the Wasabi article, as DESIGN.md restores it.
ARTICLE_POLICY = """{"Version": "2012-10-17",
 "Statement": [
   {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"},
   {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
   {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}"""


def document(*statements: Mapping[str, Any], version: str | None = "2012-10-17") -> str:
    """A policy document holding `statements`."""
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return json.dumps(doc)


def identity(*statements: Mapping[str, Any], version: str | None = "2012-10-17",
             name: str = "p") -> Policy:
    """A parsed identity policy."""
    return parse_policy(document(*statements, version=version), kind="identity", name=name)


def bucket(*statements: Mapping[str, Any], name: str = "bucket-policy") -> Policy:
    """A parsed resource (bucket) policy."""
    return parse_policy(document(*statements), kind="resource", name=name)


def allow(action: str | Sequence[str] = "s3:GetObject", resource: str | Sequence[str] = "*",
          **extra: Any) -> dict[str, Any]:
    """An Allow statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | Sequence[str] = "s3:GetObject", resource: str | Sequence[str] = "*",
         **extra: Any) -> dict[str, Any]:
    """A Deny statement."""
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(*policies: Policy, action: str = "s3:GetObject", resource: str = OBJECT,
           context: Mapping[str, str | Sequence[str]] | None = None,
           principal: Principal = ALICE, resource_policy: Policy | None = None,
           resource_account: str | None = None) -> Decision:
    """Evaluate one request against identity `policies`."""
    return evaluate(action=action, resource=resource, context=context,
                    identity_policies=list(policies), resource_policy=resource_policy,
                    principal=principal, resource_account=resource_account)


def condition_allows(condition: Mapping[str, Any],
                     context: Mapping[str, str | Sequence[str]] | None,
                     version: str = "2012-10-17") -> bool:
    """Whether an Allow statement guarded by `condition` allows the request."""
    policy = identity(allow(Condition=condition), version=version)
    return decide(policy, context=context).allowed
