"""IAM roles end to end: trust policies, session durations, updates, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import root_client
from e2e.awscli import AwsCli
from iam_support import allow, code_of, error_of, fresh, trust_policy
from server import Server

SERVICE_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}


def test_role_lifecycle(server: Server) -> None:
    """CreateRole, GetRole (the trust policy as put), ListRoles, UpdateRole,
    UpdateAssumeRolePolicy and DeleteRole (IAM API Reference: CreateRole, GetRole,
    UpdateRole, UpdateAssumeRolePolicy)."""
    iam = root_client(server, "iam")
    account = server.root["account_id"]  # type: ignore[attr-defined]
    name = fresh("role")
    created = iam.create_role(RoleName=name, Path="/app/", Description="reads things",
                              AssumeRolePolicyDocument=trust_policy(account))["Role"]
    assert created["Arn"] == f"arn:aws:iam::{account}:role/app/{name}"
    assert created["RoleId"].startswith("AROA")

    role = iam.get_role(RoleName=name)["Role"]
    assert role["AssumeRolePolicyDocument"] == json.loads(trust_policy(account))
    assert role["Description"] == "reads things" and role["MaxSessionDuration"] == 3600
    listed = iam.list_roles(PathPrefix="/app/", MaxItems=1000)["Roles"]
    assert name in [r["RoleName"] for r in listed]

    iam.update_role(RoleName=name, Description="reads more", MaxSessionDuration=43200)
    role = iam.get_role(RoleName=name)["Role"]
    assert role["Description"] == "reads more" and role["MaxSessionDuration"] == 43200
    described = iam.update_role_description(RoleName=name, Description="again")["Role"]
    assert described["Description"] == "again"

    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(SERVICE_TRUST))
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == SERVICE_TRUST

    iam.delete_role(RoleName=name)
    assert code_of(iam.get_role, RoleName=name) == "NoSuchEntity"
    assert code_of(iam.delete_role, RoleName=name) == "NoSuchEntity"


def test_role_validation(server: Server) -> None:
    """Role names are 1-64 characters and unique without regard to case; MaxSessionDuration
    is 3600-43200 (ValidationError otherwise); a refused update changes nothing (IAM API
    Reference: CreateRole, UpdateRole)."""
    iam = root_client(server, "iam")
    unchecked = root_client(server, "iam", parameter_validation=False)
    account = server.root["account_id"]  # type: ignore[attr-defined]
    trust = trust_policy(account)
    name = fresh("r") + "x" * (64 - len(fresh("r")))
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    assert code_of(iam.create_role, RoleName=name.upper(),
                   AssumeRolePolicyDocument=trust) == "EntityAlreadyExists"
    assert code_of(unchecked.create_role, RoleName=name + "y",
                   AssumeRolePolicyDocument=trust) == "ValidationError"
    for seconds in (3599, 43201):
        assert code_of(unchecked.create_role, RoleName=fresh("r"), MaxSessionDuration=seconds,
                       AssumeRolePolicyDocument=trust) == "ValidationError"
        assert code_of(unchecked.update_role, RoleName=name,
                       MaxSessionDuration=seconds) == "ValidationError"
    assert iam.get_role(RoleName=name)["Role"]["MaxSessionDuration"] == 3600
    assert code_of(unchecked.create_role, RoleName=fresh("r"), Description="d" * 1001,
                   AssumeRolePolicyDocument=trust) == "ValidationError"
    assert code_of(iam.update_role, RoleName=fresh("none"),
                   Description="x") == "NoSuchEntity"


def test_trust_policy_is_checked(server: Server) -> None:
    """A trust policy needs a Principal, may name only sts:AssumeRole* actions, must not
    have a Resource and must fit 2,048 characters: MalformedPolicyDocument or
    LimitExceeded (IAM User Guide: Role trust policy; IAM and AWS STS quotas)."""
    iam = root_client(server, "iam")
    account = server.root["account_id"]  # type: ignore[attr-defined]
    principal = {"AWS": f"arn:aws:iam::{account}:root"}
    bad = [
        {"Effect": "Allow", "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"},
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole",
         "Resource": "*"},
    ]
    for statement in bad:
        document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        assert code_of(iam.create_role, RoleName=fresh("r"),
                       AssumeRolePolicyDocument=document) == "MalformedPolicyDocument"
    assert code_of(iam.create_role, RoleName=fresh("r"),
                   AssumeRolePolicyDocument="not json") == "MalformedPolicyDocument"
    many = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        for i in range(40)]})
    assert code_of(iam.create_role, RoleName=fresh("r"),
                   AssumeRolePolicyDocument=many) == "LimitExceeded"

    name = fresh("r")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy(account))
    assert code_of(iam.update_assume_role_policy, RoleName=name,
                   PolicyDocument=allow("s3:GetObject")) == "MalformedPolicyDocument"
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == \
        json.loads(trust_policy(account))


def test_delete_role_conflicts(server: Server) -> None:
    """DeleteRole is a DeleteConflict while the role has attached or inline policies
    (IAM API Reference: DeleteRole)."""
    iam = root_client(server, "iam")
    account = server.root["account_id"]  # type: ignore[attr-defined]
    name = fresh("r")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy(account))
    arn = iam.create_policy(PolicyName=fresh("p"),
                            PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    error = error_of(iam.delete_role, RoleName=name)
    assert error["Code"] == "DeleteConflict" and "detach" in error["Message"]
    iam.detach_role_policy(RoleName=name, PolicyArn=arn)
    iam.put_role_policy(RoleName=name, PolicyName="inline",
                        PolicyDocument=allow("s3:ListBucket"))
    error = error_of(iam.delete_role, RoleName=name)
    assert error["Code"] == "DeleteConflict" and "policies" in error["Message"]
    iam.delete_role_policy(RoleName=name, PolicyName="inline")
    iam.delete_role(RoleName=name)


def test_list_roles_paging(server: Server) -> None:
    """ListRoles pages with Marker and MaxItems without repeats or gaps."""
    iam = root_client(server, "iam")
    account = server.root["account_id"]  # type: ignore[attr-defined]
    for _ in range(3):
        iam.create_role(RoleName=fresh("pr"), AssumeRolePolicyDocument=trust_policy(account))
    paged = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(
        PaginationConfig={"PageSize": 2}) for r in page["Roles"]]
    assert paged == [r["RoleName"] for r in iam.list_roles(MaxItems=1000)["Roles"]]
    assert len(paged) == len(set(paged)) >= 3


def test_roles_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam create-role --assume-role-policy-document file://…` and `get-role` work
    with the real AWS CLI."""
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    (tmp_path / "trust.json").write_text(json.dumps(SERVICE_TRUST, indent=2))
    name = fresh("cli")
    created = cli.json("iam", "create-role", "--role-name", name,
                       "--assume-role-policy-document", "file://trust.json",
                       "--max-session-duration", "7200", "--profile", "admin")
    assert created["Role"]["RoleName"] == name
    got = cli.json("iam", "get-role", "--role-name", name, "--profile", "admin")
    assert got["Role"]["AssumeRolePolicyDocument"] == SERVICE_TRUST
    assert got["Role"]["MaxSessionDuration"] == 7200
