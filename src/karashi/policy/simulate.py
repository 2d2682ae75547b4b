"""``karashi policy simulate``: decide one request described as JSON.

The request shape::

    {"policies": [<identity policy document>, ...],
     "bucket_policy": <document> | null,
     "principal": {"type": "user" | "root" | "anonymous" | ..., "arn": "...",
                   "account": "123456789012"} | null,
     "action": "s3:PutObject",
     "resource": "arn:aws:s3:::bucket/key",
     "resource_account": "123456789012",          (optional; default: the caller's)
     "context": {"aws:MultiFactorAuthPresent": "false", "aws:TagKeys": ["a", "b"]}}

A document is a JSON object or a string holding one; an identity policy may also be
given as ``{"name": "...", "document": <document>}`` so that decisions name it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .arn import is_account_id
from .decision import Decision
from .document import Policy, PolicyKind, parse_policy
from .errors import MalformedPolicy
from .evaluate import evaluate
from .principal import Principal

_FIELDS = frozenset({"policies", "bucket_policy", "principal", "action", "resource",
                     "resource_account", "context"})


class InvalidSimulation(ValueError):
    """The simulation request itself is malformed (not a policy inside it)."""


def simulate(request: Mapping[str, Any]) -> Decision:
    """Parse the policies in `request` and evaluate its one request.

    Raises InvalidSimulation for a bad request shape, MalformedPolicy (prefixed with the
    policy's place, e.g. ``policies[1]``) for a bad policy.
    """
    if not isinstance(request, Mapping):
        raise InvalidSimulation("the simulation request must be a JSON object")
    unknown = sorted(set(request) - _FIELDS)
    if unknown:
        raise InvalidSimulation(f"unknown field {unknown[0]!r}")
    action = _required_string(request, "action")
    resource = _required_string(request, "resource")

    raw_policies = request.get("policies")
    if raw_policies is None:
        raw_policies = []
    if not isinstance(raw_policies, list):
        raise InvalidSimulation("policies must be a list of policy documents")
    identity = [_policy(item, f"policies[{i}]", "identity")
                for i, item in enumerate(raw_policies)]
    bucket = request.get("bucket_policy")
    bucket_policy = None if bucket is None else _policy(bucket, "bucket_policy", "resource")

    resource_account = request.get("resource_account")
    if resource_account is not None and not isinstance(resource_account, str):
        raise InvalidSimulation("resource_account must be a string")
    return evaluate(action=action, resource=resource,
                    context=_context(request.get("context")),
                    identity_policies=identity, resource_policy=bucket_policy,
                    principal=_principal(request.get("principal")),
                    resource_account=resource_account)


def _required_string(request: Mapping[str, Any], field: str) -> str:
    value = request.get(field)
    if not isinstance(value, str) or not value:
        raise InvalidSimulation(f"{field} must be a non-empty string")
    return value


def _policy(item: object, place: str, kind: PolicyKind) -> Policy:
    name = place
    if isinstance(item, Mapping) and "document" in item:
        name = str(item.get("name") or place)
        item = item["document"]
    if isinstance(item, str):
        text = item
    elif isinstance(item, Mapping):
        text = json.dumps(item)
    else:
        raise InvalidSimulation(f"{place} must be a policy document (object or string)")
    try:
        return parse_policy(text, kind=kind, name=name)
    except MalformedPolicy as exc:
        raise MalformedPolicy(str(exc), where=name) from None


def _principal(raw: object) -> Principal:
    if raw is None:
        return Principal.anonymous()
    if not isinstance(raw, Mapping):
        raise InvalidSimulation("principal must be an object with type, arn and account")
    kind = raw.get("type", "user")
    if kind == "anonymous":
        return Principal.anonymous()
    arn, account = raw.get("arn"), raw.get("account")
    if not isinstance(kind, str) or not isinstance(arn, str) or not isinstance(account, str):
        raise InvalidSimulation("principal needs string type, arn and account")
    if not is_account_id(account):
        raise InvalidSimulation(f"principal account {account!r} must be 12 digits")
    is_root = kind == "root" or arn == f"arn:aws:iam::{account}:root"
    return Principal(arn=arn, account=account, type=kind, is_root=is_root)


def _context(raw: object) -> dict[str, str | Sequence[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidSimulation("context must be an object of keys to values")
    context: dict[str, str | Sequence[str]] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            context[key] = [_scalar(v, key) for v in value]
        else:
            context[key] = _scalar(value, key)
    return context


def _scalar(value: object, key: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise InvalidSimulation(f"context value of {key!r} must be a string or a list of strings")
