"""IAM handlers for groups and their members."""

from __future__ import annotations

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.iam.users import user_node
from karashi.identity import groups
from karashi.identity.groups import Group


def group_node(group: Group) -> list[xml.Node]:
    return [("Path", group.path), ("GroupName", group.name), ("GroupId", group.id),
            ("Arn", group.arn), ("CreateDate", group.created_at)]


def create_group(call: IamCall) -> list[xml.Node]:
    group = groups.create_group(call.store, call.account, call.require("GroupName"),
                                call.get("Path"))
    return [("Group", group_node(group))]


def get_group(call: IamCall) -> list[xml.Node]:
    group, members = groups.get_group(call.store, call.account, call.require("GroupName"))
    chosen, paging = page(call, members)
    return [("Group", group_node(group)),
            ("Users", [("member", user_node(u)) for u in chosen]), *paging]


def update_group(call: IamCall) -> None:
    groups.update_group(call.store, call.account, call.require("GroupName"),
                        call.get("NewGroupName"), call.get("NewPath"))


def delete_group(call: IamCall) -> None:
    groups.delete_group(call.store, call.account, call.require("GroupName"))


def list_groups(call: IamCall) -> list[xml.Node]:
    found = groups.list_groups(call.store, call.account, call.get("PathPrefix") or "/")
    chosen, paging = page(call, found)
    return [("Groups", [("member", group_node(g)) for g in chosen]), *paging]


def list_groups_for_user(call: IamCall) -> list[xml.Node]:
    found = groups.list_groups_for_user(call.store, call.account, call.require("UserName"))
    chosen, paging = page(call, found)
    return [("Groups", [("member", group_node(g)) for g in chosen]), *paging]


def add_user_to_group(call: IamCall) -> None:
    groups.add_user_to_group(call.store, call.account, call.require("GroupName"),
                             call.require("UserName"))


def remove_user_from_group(call: IamCall) -> None:
    groups.remove_user_from_group(call.store, call.account, call.require("GroupName"),
                                  call.require("UserName"))


ACTIONS = {
    "CreateGroup": IamAction(create_group, resources.new_group),
    "GetGroup": IamAction(get_group, resources.group),
    "UpdateGroup": IamAction(update_group, resources.group),
    "DeleteGroup": IamAction(delete_group, resources.group),
    "ListGroups": IamAction(list_groups, resources.any_resource),
    "ListGroupsForUser": IamAction(list_groups_for_user, resources.user),
    "AddUserToGroup": IamAction(add_user_to_group, resources.group),
    "RemoveUserFromGroup": IamAction(remove_user_from_group, resources.group),
}
