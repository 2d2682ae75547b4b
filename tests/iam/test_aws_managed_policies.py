"""The predefined AWS-managed policies every account has, as on AWS and Wasabi."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import client, root_client
from e2e.awscli import AwsCli
from iam_support import allow, code_of, fresh, trust_policy
from server import Server, create_account

NAMES = ["AdministratorAccess", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess",
         "IAMFullAccess", "IAMReadOnlyAccess", "IAMUserChangePassword"]


def aws_arn(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


def other_account(srv: Server) -> Any:
    """The IAM client of a second account's root user on the same server."""
    keys = create_account(srv.data_dir, fresh("other"))
    return client(srv, "iam", keys["access_key_id"], keys["secret_access_key"])


def test_listed_by_scope(server: Server) -> None:
    """ListPolicies shows the AWS-managed policies with Scope AWS and All, never with
    Local (IAM API Reference: ListPolicies, Scope)."""
    iam = root_client(server, "iam")
    local = iam.create_policy(PolicyName=fresh("local"),
                              PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
    aws = {p["Arn"] for p in iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]}
    assert aws == {aws_arn(n) for n in NAMES}
    every = {p["Arn"] for p in iam.list_policies(Scope="All", MaxItems=1000)["Policies"]}
    assert aws <= every and local in every
    mine = {p["Arn"] for p in iam.list_policies(Scope="Local", MaxItems=1000)["Policies"]}
    assert local in mine and not aws & mine


def test_documents(server: Server) -> None:
    """AdministratorAccess allows everything; IAMUserChangePassword allows
    iam:ChangePassword on the caller's own user and iam:GetAccountPasswordPolicy (AWS
    Managed Policy Reference: IAMUserChangePassword)."""
    iam = root_client(server, "iam")
    admin = iam.get_policy(PolicyArn=aws_arn("AdministratorAccess"))["Policy"]
    assert admin["DefaultVersionId"] == "v1" and admin["Path"] == "/"
    document = iam.get_policy_version(PolicyArn=aws_arn("AdministratorAccess"),
                                      VersionId="v1")["PolicyVersion"]["Document"]
    assert document["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]

    change = iam.get_policy_version(PolicyArn=aws_arn("IAMUserChangePassword"),
                                    VersionId="v1")["PolicyVersion"]["Document"]
    granted = {(tuple(s["Action"]), tuple(s["Resource"]) if isinstance(s["Resource"], list)
                else (s["Resource"],)) for s in change["Statement"]}
    assert granted == {(("iam:ChangePassword",), ("arn:aws:iam::*:user/${aws:username}",)),
                       (("iam:GetAccountPasswordPolicy",), ("*",))}
    versions = iam.list_policy_versions(PolicyArn=aws_arn("AmazonS3ReadOnlyAccess"))
    assert [v["VersionId"] for v in versions["Versions"]] == ["v1"]


def test_attachable_everywhere(server: Server) -> None:
    """An AWS-managed policy attaches to users, groups and roles; AttachmentCount and
    ListEntitiesForPolicy count only this account's entities (IAM User Guide: AWS
    managed policies)."""
    iam = root_client(server, "iam")
    other = other_account(server)
    arn = aws_arn("AmazonS3FullAccess")
    before = iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"]
    user, group, role = fresh("u"), fresh("g"), fresh("r")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(
        server.root["account_id"]))  # type: ignore[attr-defined]
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == before + 3
    assert other.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    theirs = other.list_entities_for_policy(PolicyArn=arn)
    assert theirs["PolicyUsers"] == theirs["PolicyGroups"] == theirs["PolicyRoles"] == []
    ours = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Group")
    assert group in [g["GroupName"] for g in ours["PolicyGroups"]]
    attached = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    assert arn in [p["Arn"] for p in attached]


@pytest.mark.parametrize("change", ["delete_policy", "create_policy_version",
                                    "delete_policy_version", "set_default_policy_version"])
def test_accounts_cannot_change_them(server: Server, change: str) -> None:
    """No account, not even its root user, may delete or version an AWS-managed policy:
    AccessDenied, and the policy is unchanged (IAM User Guide: AWS managed policies,
    "You cannot change the permissions defined in AWS managed policies")."""
    iam = root_client(server, "iam")
    arn = aws_arn("AmazonS3ReadOnlyAccess")
    arguments: dict[str, str] = {"PolicyArn": arn}
    if change == "create_policy_version":
        arguments["PolicyDocument"] = allow("s3:*")
    if change in ("delete_policy_version", "set_default_policy_version"):
        arguments["VersionId"] = "v1"
    assert code_of(getattr(iam, change), **arguments) == "AccessDenied"
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert policy["DefaultVersionId"] == "v1"
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 1


def test_attach_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam attach-group-policy --policy-arn arn:aws:iam::aws:policy/…` and
    `list-attached-group-policies` work with the real AWS CLI."""
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    group = fresh("cli")
    cli.run("iam", "create-group", "--group-name", group, "--profile", "admin")
    cli.run("iam", "attach-group-policy", "--group-name", group, "--policy-arn",
            aws_arn("AmazonS3ReadOnlyAccess"), "--profile", "admin")
    listed = cli.json("iam", "list-attached-group-policies", "--group-name", group,
                      "--profile", "admin")
    assert listed["AttachedPolicies"] == [{"PolicyName": "AmazonS3ReadOnlyAccess",
                                           "PolicyArn": aws_arn("AmazonS3ReadOnlyAccess")}]
    scoped = cli.json("iam", "list-policies", "--scope", "AWS", "--profile", "admin")
    assert {p["PolicyName"] for p in scoped["Policies"]} == set(NAMES)
