"""IAM handlers for users and their access keys."""

from __future__ import annotations

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.identity import users
from karashi.identity.errors import AccessDenied
from karashi.identity.users import User


def user_node(user: User) -> list[xml.Node]:
    return [("Path", user.path), ("UserName", user.name), ("UserId", user.id),
            ("Arn", user.arn), ("CreateDate", user.created_at)]


def create_user(call: IamCall) -> list[xml.Node]:
    user = users.create_user(call.store, call.account, call.require("UserName"),
                             call.get("Path"))
    return [("User", user_node(user))]


def get_user(call: IamCall) -> list[xml.Node]:
    name = call.get("UserName")
    if not name and call.caller.user is None:
        root = call.caller
        return [("User", [("UserId", root.account_id), ("Arn", root.arn),
                          ("CreateDate", call.store.now())])]
    return [("User", user_node(users.get_user(call.store, call.account, call.user_name())))]


def list_users(call: IamCall) -> list[xml.Node]:
    found = users.list_users(call.store, call.account, call.get("PathPrefix") or "/")
    chosen, paging = page(call, found)
    return [("Users", [("member", user_node(u)) for u in chosen]), *paging]


def delete_user(call: IamCall) -> None:
    users.delete_user(call.store, call.account, call.require("UserName"))


def create_access_key(call: IamCall) -> list[xml.Node]:
    key = users.create_access_key(call.store, call.account, call.user_name())
    return [("AccessKey", [("UserName", key.user_name), ("AccessKeyId", key.id),
                           ("Status", key.status), ("SecretAccessKey", key.secret),
                           ("CreateDate", key.created_at)])]


def list_access_keys(call: IamCall) -> list[xml.Node]:
    name = call.user_name()
    keys = users.list_access_keys(call.store, call.account, name)
    chosen, paging = page(call, keys)
    members: list[xml.Node] = [
        ("member", [("UserName", k.user_name), ("AccessKeyId", k.id),
                    ("Status", k.status), ("CreateDate", k.created_at)])
        for k in chosen]
    return [("UserName", name), ("AccessKeyMetadata", members), *paging]


def delete_access_key(call: IamCall) -> None:
    name = call.get("UserName") or (call.caller.user.name if call.caller.user else None)
    users.delete_access_key(call.store, call.account, name, call.require("AccessKeyId"))


def update_user(call: IamCall) -> None:
    # UpdateUser asks for permission on the old name only; IAM also checks the new one.
    users.update_user(call.store, call.account, call.require("UserName"),
                      call.get("NewUserName") or None, call.get("NewPath") or None)


def _key_owner(call: IamCall) -> str | None:
    """UserName, else the calling user; None for the root user's own keys."""
    return call.get("UserName") or (call.caller.user.name if call.caller.user else None)


def update_access_key(call: IamCall) -> None:
    users.update_access_key(call.store, call.account, _key_owner(call),
                            call.require("AccessKeyId"), call.require("Status"))


def get_access_key_last_used(call: IamCall) -> list[xml.Node]:
    key_id = call.require("AccessKeyId")
    used = users.access_key_last_used(call.store, call.account, key_id)
    if used is None:
        # IAM answers an unknown key, or another account's, as a denial on that key.
        raise AccessDenied(f"User: {call.caller.arn} is not authorized to perform: "
                           f"iam:GetAccessKeyLastUsed on resource: access key {key_id}")
    # Before the first use IAM leaves LastUsedDate out and shows N/A for the rest.
    last_used: list[xml.Node] = [("LastUsedDate", used.used_at),
                                 ("ServiceName", used.service or "N/A"),
                                 ("Region", used.region or "N/A")]
    return [("UserName", used.user_name), ("AccessKeyLastUsed", last_used)]


ACTIONS = {
    "CreateUser": IamAction(create_user, resources.user),
    "GetUser": IamAction(get_user, resources.user),
    "ListUsers": IamAction(list_users, resources.any_resource),
    "DeleteUser": IamAction(delete_user, resources.user),
    "CreateAccessKey": IamAction(create_access_key, resources.user),
    "ListAccessKeys": IamAction(list_access_keys, resources.user),
    "DeleteAccessKey": IamAction(delete_access_key, resources.user),
    "UpdateUser": IamAction(update_user, resources.user),
    "UpdateAccessKey": IamAction(update_access_key, resources.user),
    "GetAccessKeyLastUsed": IamAction(get_access_key_last_used, resources.access_key_user),
}
