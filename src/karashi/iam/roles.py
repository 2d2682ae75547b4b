"""IAM handlers for roles and their trust policies."""

from __future__ import annotations

from urllib.parse import quote

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.identity import roles
from karashi.identity.roles import Role


def role_node(role: Role, last_used: bool = False) -> list[xml.Node]:
    nodes: list[xml.Node] = [
        ("Path", role.path), ("RoleName", role.name), ("RoleId", role.id), ("Arn", role.arn),
        ("CreateDate", role.created_at),
        # IAM returns documents URL-encoded (RFC 3986); SDKs decode them.
        ("AssumeRolePolicyDocument", quote(role.trust_policy, safe="")),
        ("Description", role.description or None),
        ("MaxSessionDuration", role.max_session_duration)]
    if last_used:
        # Karashi has no AssumeRole yet, so no role has been used.
        nodes.append(("RoleLastUsed", []))
    return nodes


def create_role(call: IamCall) -> list[xml.Node]:
    role = roles.create_role(call.store, call.account, call.require("RoleName"),
                             call.require("AssumeRolePolicyDocument"), call.get("Path"),
                             call.get("Description"), call.get("MaxSessionDuration"))
    return [("Role", role_node(role))]


def get_role(call: IamCall) -> list[xml.Node]:
    role = roles.get_role(call.store, call.account, call.require("RoleName"))
    return [("Role", role_node(role, last_used=True))]


def list_roles(call: IamCall) -> list[xml.Node]:
    found = roles.list_roles(call.store, call.account, call.get("PathPrefix") or "/")
    chosen, paging = page(call, found)
    return [("Roles", [("member", role_node(r)) for r in chosen]), *paging]


def delete_role(call: IamCall) -> None:
    roles.delete_role(call.store, call.account, call.require("RoleName"))


def update_assume_role_policy(call: IamCall) -> None:
    roles.update_assume_role_policy(call.store, call.account, call.require("RoleName"),
                                    call.require("PolicyDocument"))


def update_role(call: IamCall) -> list[xml.Node]:
    roles.update_role(call.store, call.account, call.require("RoleName"),
                      call.get("Description"), call.get("MaxSessionDuration"))
    return []


def update_role_description(call: IamCall) -> list[xml.Node]:
    role = roles.update_role(call.store, call.account, call.require("RoleName"),
                             description=call.params.get("Description", ""))
    return [("Role", role_node(role))]


ACTIONS = {
    "CreateRole": IamAction(create_role, resources.new_role),
    "GetRole": IamAction(get_role, resources.role),
    "ListRoles": IamAction(list_roles, resources.any_resource),
    "DeleteRole": IamAction(delete_role, resources.role),
    "UpdateAssumeRolePolicy": IamAction(update_assume_role_policy, resources.role),
    "UpdateRole": IamAction(update_role, resources.role),
    "UpdateRoleDescription": IamAction(update_role_description, resources.role),
}
