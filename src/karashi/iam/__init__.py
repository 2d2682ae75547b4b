"""IAM query API (Version 2010-05-08): the actions Karashi serves and what each needs.

Every call is authorized as ``iam:<Action>`` on the IAM resource it touches, following
"Actions, resources, and condition keys for AWS Identity and Access Management" in the
Service Authorization Reference. Users are named by ``user/<name>``; a user created
under a path is matched without it (a known simplification, see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from karashi.http import xml
from karashi.iam import mfa, policies, users
from karashi.iam.call import IamCall


@dataclass(frozen=True)
class IamAction:
    handler: Callable[[IamCall], list[xml.Node] | None]
    resource: Callable[[IamCall], str]


def _user(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:user/{call.get('UserName') or _self_name(call)}"


def _self_name(call: IamCall) -> str:
    return call.caller.user.name if call.caller.user else "root"


def _policy_arn(call: IamCall) -> str:
    return call.get("PolicyArn") or "*"


def _new_policy(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:policy{call.get('Path') or '/'}" + \
        (call.get("PolicyName") or "")


def _new_mfa(call: IamCall) -> str:
    return f"arn:aws:iam::{call.account}:mfa{call.get('Path') or '/'}" + \
        (call.get("VirtualMFADeviceName") or "")


def _serial(call: IamCall) -> str:
    return call.get("SerialNumber") or "*"


def _any(call: IamCall) -> str:
    return "*"


ACTIONS: dict[str, IamAction] = {
    "CreateUser": IamAction(users.create_user, _user),
    "GetUser": IamAction(users.get_user, _user),
    "ListUsers": IamAction(users.list_users, _any),
    "DeleteUser": IamAction(users.delete_user, _user),
    "CreateAccessKey": IamAction(users.create_access_key, _user),
    "ListAccessKeys": IamAction(users.list_access_keys, _user),
    "DeleteAccessKey": IamAction(users.delete_access_key, _user),
    "CreateLoginProfile": IamAction(users.create_login_profile, _user),
    "CreatePolicy": IamAction(policies.create_policy, _new_policy),
    "GetPolicy": IamAction(policies.get_policy, _policy_arn),
    "GetPolicyVersion": IamAction(policies.get_policy_version, _policy_arn),
    "ListPolicies": IamAction(policies.list_policies, _any),
    "DeletePolicy": IamAction(policies.delete_policy, _policy_arn),
    "AttachUserPolicy": IamAction(policies.attach_user_policy, _user),
    "DetachUserPolicy": IamAction(policies.detach_user_policy, _user),
    "ListAttachedUserPolicies": IamAction(policies.list_attached_user_policies, _user),
    "CreateVirtualMFADevice": IamAction(mfa.create_virtual_mfa_device, _new_mfa),
    "EnableMFADevice": IamAction(mfa.enable_mfa_device, _user),
    "ListMFADevices": IamAction(mfa.list_mfa_devices, _user),
    "DeactivateMFADevice": IamAction(mfa.deactivate_mfa_device, _user),
    "DeleteVirtualMFADevice": IamAction(mfa.delete_virtual_mfa_device, _serial),
}
