"""IAM groups end to end with boto3 and the AWS CLI: lifecycle, members, limits, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import root_client
from e2e.awscli import AwsCli
from e2e.helpers import make_user
from iam_support import allow, code_of, error_of, fresh
from server import Server


def test_group_lifecycle(server: Server) -> None:
    """CreateGroup, GetGroup, ListGroups, UpdateGroup (name and path) and DeleteGroup
    return IAM's shapes (IAM API Reference: CreateGroup, GetGroup, UpdateGroup)."""
    iam = root_client(server, "iam")
    account = server.root["account_id"]  # type: ignore[attr-defined]
    name = fresh("g")
    group = iam.create_group(GroupName=name, Path="/team/")["Group"]
    assert group["Arn"] == f"arn:aws:iam::{account}:group/team/{name}"
    assert group["GroupId"].startswith("AGPA") and group["Path"] == "/team/"

    got = iam.get_group(GroupName=name)
    assert got["Group"]["GroupId"] == group["GroupId"] and got["Users"] == []
    assert got["IsTruncated"] is False
    listed = iam.list_groups(PathPrefix="/team/", MaxItems=1000)["Groups"]
    assert name in [g["GroupName"] for g in listed]
    assert name not in [g["GroupName"] for g in
                        iam.list_groups(PathPrefix="/other/")["Groups"]]

    renamed = fresh("g2")
    iam.update_group(GroupName=name, NewGroupName=renamed, NewPath="/moved/")
    moved = iam.get_group(GroupName=renamed)["Group"]
    assert moved["GroupId"] == group["GroupId"]
    assert moved["Arn"] == f"arn:aws:iam::{account}:group/moved/{renamed}"
    assert code_of(iam.get_group, GroupName=name) == "NoSuchEntity"

    iam.delete_group(GroupName=renamed)
    assert code_of(iam.get_group, GroupName=renamed) == "NoSuchEntity"
    assert code_of(iam.delete_group, GroupName=renamed) == "NoSuchEntity"


def test_group_names_follow_iam_rules(server: Server) -> None:
    """Group names are 1-128 of [\\w+=,.@-] and unique without regard to case
    (IAM User Guide: IAM object quotas; IAM API Reference: CreateGroup)."""
    iam = root_client(server, "iam")
    unchecked = root_client(server, "iam", parameter_validation=False)
    longest = fresh("g") + "x" * (128 - len(fresh("g")))
    assert len(longest) == 128
    iam.create_group(GroupName=longest)
    assert code_of(unchecked.create_group, GroupName=longest + "y") == "ValidationError"
    assert code_of(unchecked.create_group, GroupName="bad/name") == "ValidationError"
    assert code_of(iam.create_group, GroupName=longest.upper()) == "EntityAlreadyExists"

    other = fresh("g")
    iam.create_group(GroupName=other)
    assert code_of(iam.update_group, GroupName=other,
                   NewGroupName=longest.upper()) == "EntityAlreadyExists"
    # Nothing half-written: the refused rename left the group as it was.
    assert iam.get_group(GroupName=other)["Group"]["GroupName"] == other
    assert code_of(unchecked.update_group, GroupName=other,
                   NewPath="no-slashes") == "ValidationError"


def test_members_and_paging(server: Server) -> None:
    """AddUserToGroup, GetGroup's Users paged by MaxItems/Marker, ListGroupsForUser and
    RemoveUserFromGroup (IAM API Reference: GetGroup, ListGroupsForUser)."""
    iam = root_client(server, "iam")
    name = fresh("g")
    iam.create_group(GroupName=name)
    members = sorted(iam.create_user(UserName=fresh("m"))["User"]["UserName"]
                     for _ in range(5))
    for user in members:
        iam.add_user_to_group(GroupName=name, UserName=user)
    iam.add_user_to_group(GroupName=name, UserName=members[0])  # again: no change

    first = iam.get_group(GroupName=name, MaxItems=2)
    assert first["IsTruncated"] is True and len(first["Users"]) == 2
    paged = [u["UserName"] for page in iam.get_paginator("get_group").paginate(
        GroupName=name, PaginationConfig={"PageSize": 2}) for u in page["Users"]]
    assert paged == members

    groups_of = iam.list_groups_for_user(UserName=members[0])["Groups"]
    assert [g["GroupName"] for g in groups_of] == [name]
    iam.remove_user_from_group(GroupName=name, UserName=members[0])
    assert iam.list_groups_for_user(UserName=members[0])["Groups"] == []
    assert code_of(iam.remove_user_from_group, GroupName=name,
                   UserName=members[0]) == "NoSuchEntity"
    assert code_of(iam.add_user_to_group, GroupName=name,
                   UserName=fresh("nobody")) == "NoSuchEntity"
    assert code_of(iam.add_user_to_group, GroupName=fresh("nogroup"),
                   UserName=members[1]) == "NoSuchEntity"
    assert code_of(iam.list_groups_for_user, UserName=fresh("nobody")) == "NoSuchEntity"


def test_list_groups_paging(server: Server) -> None:
    """ListGroups pages with Marker and MaxItems without repeats or gaps."""
    iam = root_client(server, "iam")
    for _ in range(3):
        iam.create_group(GroupName=fresh("pg"))
    paged = [g["GroupName"] for page in iam.get_paginator("list_groups").paginate(
        PaginationConfig={"PageSize": 2}) for g in page["Groups"]]
    assert paged == [g["GroupName"] for g in iam.list_groups(MaxItems=1000)["Groups"]]
    assert len(paged) == len(set(paged)) >= 3


def test_groups_per_user_quota(server: Server) -> None:
    """A user can be in at most ten groups: the eleventh is LimitExceeded (IAM User
    Guide: IAM and AWS STS quotas, "Groups an IAM user can be a member of")."""
    iam = root_client(server, "iam")
    user = iam.create_user(UserName=fresh("many"))["User"]["UserName"]
    for _ in range(10):
        group = fresh("q")
        iam.create_group(GroupName=group)
        iam.add_user_to_group(GroupName=group, UserName=user)
    extra = fresh("q")
    iam.create_group(GroupName=extra)
    error = error_of(iam.add_user_to_group, GroupName=extra, UserName=user)
    assert error["Code"] == "LimitExceeded" and "GroupsPerUser" in error["Message"]
    assert len(iam.list_groups_for_user(UserName=user)["Groups"]) == 10


def test_delete_group_conflicts(server: Server) -> None:
    """DeleteGroup is a DeleteConflict while the group has members, attached policies or
    inline policies (IAM API Reference: DeleteGroup)."""
    iam = root_client(server, "iam")
    name = fresh("g")
    iam.create_group(GroupName=name)
    user = iam.create_user(UserName=fresh("u"))["User"]["UserName"]
    arn = iam.create_policy(PolicyName=fresh("p"),
                            PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]

    iam.add_user_to_group(GroupName=name, UserName=user)
    error = error_of(iam.delete_group, GroupName=name)
    assert error["Code"] == "DeleteConflict" and "users" in error["Message"]
    iam.remove_user_from_group(GroupName=name, UserName=user)

    iam.attach_group_policy(GroupName=name, PolicyArn=arn)
    error = error_of(iam.delete_group, GroupName=name)
    assert error["Code"] == "DeleteConflict" and "detach" in error["Message"]
    iam.detach_group_policy(GroupName=name, PolicyArn=arn)

    iam.put_group_policy(GroupName=name, PolicyName="inline",
                         PolicyDocument=allow("s3:ListBucket"))
    assert code_of(iam.delete_group, GroupName=name) == "DeleteConflict"
    iam.delete_group_policy(GroupName=name, PolicyName="inline")
    iam.delete_group(GroupName=name)


def test_delete_user_conflicts_with_groups_and_inline(server: Server) -> None:
    """DeleteUser is a DeleteConflict while the user is in a group or has an inline
    policy: "Cannot delete entity, must remove ... first" (IAM API Reference: DeleteUser)."""
    iam = root_client(server, "iam")
    user = iam.create_user(UserName=fresh("u"))["User"]["UserName"]
    group = fresh("g")
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    error = error_of(iam.delete_user, UserName=user)
    assert error["Code"] == "DeleteConflict"
    assert error["Message"].startswith("Cannot delete entity, must remove")
    iam.remove_user_from_group(GroupName=group, UserName=user)

    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    error = error_of(iam.delete_user, UserName=user)
    assert error["Code"] == "DeleteConflict" and "policies" in error["Message"]
    iam.delete_user_policy(UserName=user, PolicyName="p")
    iam.delete_user(UserName=user)


def test_groups_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam create-group`, `add-user-to-group`, `get-group` and `list-groups-for-user`
    work with the real AWS CLI."""
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    user = make_user(server, mfa=False)
    name = fresh("cli")
    created = cli.json("iam", "create-group", "--group-name", name, "--profile", "admin")
    assert created["Group"]["GroupName"] == name
    cli.run("iam", "add-user-to-group", "--group-name", name, "--user-name", user.name,
            "--profile", "admin")
    got = cli.json("iam", "get-group", "--group-name", name, "--profile", "admin")
    assert [u["UserName"] for u in got["Users"]] == [user.name]
    listed = cli.json("iam", "list-groups-for-user", "--user-name", user.name,
                      "--profile", "admin")
    assert [g["GroupName"] for g in listed["Groups"]] == [name]
    failed = cli.run("iam", "delete-group", "--group-name", name, "--profile", "admin",
                     check=False)
    assert failed.returncode != 0 and "DeleteConflict" in failed.stderr
    assert json.loads(cli.run("iam", "list-groups", "--profile", "admin", "--output",
                              "json").stdout)["Groups"]
