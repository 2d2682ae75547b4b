"""The IAM resource ARN each action is authorized on, and the action table's row type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from karashi.http import xml
from karashi.iam.call import IamCall
from karashi.identity import ids, users


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


def group(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:group/{call.get('GroupName') or ''}"


def new_group(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:group{call.get('Path') or '/'}" + \
        (call.get("GroupName") or "")


def role(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:role/{call.get('RoleName') or ''}"


def new_role(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:role{call.get('Path') or '/'}" + \
        (call.get("RoleName") or "")


def access_key_user(call: IamCall) -> str:
    """The user that owns AccessKeyId (GetAccessKeyLastUsed is authorized on it).

    One indexed read; an unknown key falls back to the caller's own user, and the
    handler then refuses it.
    """
    used = users.access_key_last_used(call.store, call.account,
                                      call.get("AccessKeyId") or "")
    if used is None:
        return user(call)
    if used.user_name is None:
        return ids.root_arn(call.account)
    return f"arn:aws:iam::{call.account}:user/{used.user_name}"
