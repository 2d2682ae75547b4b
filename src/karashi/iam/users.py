"""IAM handlers for users, access keys and login profiles."""

from __future__ import annotations

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.identity import users
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
    members = [("member", [("UserName", k.user_name), ("AccessKeyId", k.id),
                           ("Status", k.status), ("CreateDate", k.created_at)])
               for k in chosen]
    return [("UserName", name), ("AccessKeyMetadata", members), *paging]


def delete_access_key(call: IamCall) -> None:
    name = call.get("UserName") or (call.caller.user.name if call.caller.user else None)
    users.delete_access_key(call.store, call.account, name, call.require("AccessKeyId"))


def create_login_profile(call: IamCall) -> list[xml.Node]:
    name = call.require("UserName")
    reset = (call.get("PasswordResetRequired") or "false").lower() == "true"
    created = users.create_login_profile(call.store, call.account, name,
                                         call.require("Password"), reset)
    return [("LoginProfile", [("UserName", name), ("CreateDate", created),
                              ("PasswordResetRequired", reset)])]


ACTIONS = {
    "CreateUser": IamAction(create_user, resources.user),
    "GetUser": IamAction(get_user, resources.user),
    "ListUsers": IamAction(list_users, resources.any_resource),
    "DeleteUser": IamAction(delete_user, resources.user),
    "CreateAccessKey": IamAction(create_access_key, resources.user),
    "ListAccessKeys": IamAction(list_access_keys, resources.user),
    "DeleteAccessKey": IamAction(delete_access_key, resources.user),
    "CreateLoginProfile": IamAction(create_login_profile, resources.user),
}
