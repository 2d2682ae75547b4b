"""Helpers for the IAM API tests: fresh names, expected errors, policy documents."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from conftest import client
from server import Server, create_account


def fresh(prefix: str) -> str:
    """A name no other test uses; always the same length for the same prefix."""
    return f"{prefix}-{secrets.token_hex(4)}"


def error_of(call: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, str]:
    """The Error element of the response when ``call`` fails (it must fail)."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(*args, **kwargs)
    return dict(info.value.response["Error"])


def code_of(call: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """The error code ``call`` fails with (it must fail)."""
    return error_of(call, *args, **kwargs)["Code"]


def allow(actions: str | list[str], resource: str = "*") -> str:
    """An identity policy allowing ``actions`` on ``resource``, as JSON text."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": actions, "Resource": resource}]})


def padded(size: int) -> str:
    """A valid policy document exactly ``size`` characters long, with no whitespace."""
    def document(pad: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::bucket/{pad}"}]}, separators=(",", ":"))
    base = len(document(""))
    assert size >= base, f"a policy needs at least {base} characters"
    return document("x" * (size - base))


def trust_policy(account: str) -> str:
    """A role trust policy letting the account's principals assume the role."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "sts:AssumeRole"}]})


def new_account(srv: Server) -> tuple[Any, dict[str, str]]:
    """Another account on ``srv``: its root user's IAM client, and the account's details
    (account_id, access_key_id, secret_access_key)."""
    made = create_account(srv.data_dir, fresh("acct"))
    return client(srv, "iam", made["access_key_id"], made["secret_access_key"]), made
