"""The IAM resource ARN each action is authorized on, and the action table's row type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from karashi.http import xml
from karashi.iam.call import IamCall


@dataclass(frozen=True)
class IamAction:
    handler: Callable[[IamCall], list[xml.Node] | None]
    resource: Callable[[IamCall], str]


def user(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:user/{call.get('UserName') or self_name(call)}"


def self_name(call: IamCall) -> str:
    return call.caller.user.name if call.caller.user else "root"


def policy_arn(call: IamCall) -> str:
    return call.get("PolicyArn") or "*"


def new_policy(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:policy{call.get('Path') or '/'}" + \
        (call.get("PolicyName") or "")


def new_mfa(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:mfa{call.get('Path') or '/'}" + \
        (call.get("VirtualMFADeviceName") or "")


def serial(call: IamCall) -> str:
    return call.get("SerialNumber") or "*"


def any_resource(call: IamCall) -> str:
    return "*"


