"""GetAccountSummary and GetAccountAuthorizationDetails, on an account of their own."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest

from conftest import client
from e2e.awscli import AwsCli
from iam_support import allow, fresh, trust_policy
from server import Server, create_account

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass
class Populated:
    """A fresh account with two users, a group, a role and a customer managed policy."""

    keys: dict[str, str]
    iam: Any
    users: tuple[str, str]
    group: str
    role: str
    policy_arn: str


@pytest.fixture(scope="module")
def populated(server: Server) -> Populated:
    keys = create_account(server.data_dir, fresh("views"))
    iam = client(server, "iam", keys["access_key_id"], keys["secret_access_key"])
    first, second, group, role = fresh("u1"), fresh("u2"), fresh("g"), fresh("r")
    for user in (first, second):
        iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=first)
    iam.attach_group_policy(GroupName=group, PolicyArn=ADMIN)
    iam.put_group_policy(GroupName=group, PolicyName="group-inline",
                         PolicyDocument=allow("s3:ListBucket"))
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(keys["account_id"]))
    iam.put_role_policy(RoleName=role, PolicyName="role-inline",
                        PolicyDocument=allow("s3:GetObject"))
    arn = iam.create_policy(PolicyName=fresh("p"),
                            PolicyDocument=allow("s3:PutObject"))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("s3:DeleteObject"))
    iam.attach_user_policy(UserName=second, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.put_user_policy(UserName=second, PolicyName="user-inline",
                        PolicyDocument=allow("s3:GetObjectTagging"))
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=first)["VirtualMFADevice"]
    totp, now = pyotp.TOTP(device["Base32StringSeed"].decode()), time.time()
    iam.enable_mfa_device(UserName=first, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp.at(now - 30),
                          AuthenticationCode2=totp.at(now))
    iam.create_virtual_mfa_device(VirtualMFADeviceName=fresh("spare"))
    return Populated(keys, iam, (first, second), group, role, arn)


def test_account_summary(populated: Populated) -> None:
    """SummaryMap counts the account's users, groups, roles, policies, attachments and MFA
    devices, and reports AWS's default quotas (IAM API Reference: GetAccountSummary)."""
    summary = populated.iam.get_account_summary()["SummaryMap"]
    assert {k: summary[k] for k in (
        "Users", "Groups", "Roles", "Policies", "PolicyVersionsInUse", "MFADevices",
        "MFADevicesInUse", "AccountAccessKeysPresent", "AccountMFAEnabled")} == {
        "Users": 2, "Groups": 1, "Roles": 1, "Policies": 1, "PolicyVersionsInUse": 3,
        "MFADevices": 2, "MFADevicesInUse": 1, "AccountAccessKeysPresent": 1,
        "AccountMFAEnabled": 0}
    assert {k: summary[k] for k in (
        "UsersQuota", "GroupsQuota", "RolesQuota", "PoliciesQuota", "PolicyVersionsInUseQuota",
        "VersionsPerPolicyQuota", "PolicySizeQuota", "UserPolicySizeQuota",
        "GroupPolicySizeQuota", "RolePolicySizeQuota", "GroupsPerUserQuota",
        "AttachedPoliciesPerUserQuota", "AccessKeysPerUserQuota")} == {
        "UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
        "PolicyVersionsInUseQuota": 10000, "VersionsPerPolicyQuota": 5,
        "PolicySizeQuota": 6144, "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120,
        "RolePolicySizeQuota": 10240, "GroupsPerUserQuota": 10,
        "AttachedPoliciesPerUserQuota": 10, "AccessKeysPerUserQuota": 2}


def test_authorization_details(populated: Populated) -> None:
    """GetAccountAuthorizationDetails lists every user, group and role with their inline
    policies, groups and attached policies, and the managed policies with every version;
    AWS-managed policies only when attached (IAM API Reference:
    GetAccountAuthorizationDetails)."""
    details = populated.iam.get_account_authorization_details()
    first, second = populated.users
    users = {u["UserName"]: u for u in details["UserDetailList"]}
    assert set(users) == {first, second}
    assert users[first]["GroupList"] == [populated.group]
    assert users[second]["UserPolicyList"] == [
        {"PolicyName": "user-inline", "PolicyDocument": json.loads(allow("s3:GetObjectTagging"))}]
    assert [p["PolicyArn"] for p in users[second]["AttachedManagedPolicies"]] == \
        [populated.policy_arn]

    (group,) = details["GroupDetailList"]
    assert group["GroupName"] == populated.group
    assert group["GroupPolicyList"][0]["PolicyDocument"] == json.loads(allow("s3:ListBucket"))
    assert group["AttachedManagedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}]

    (role,) = details["RoleDetailList"]
    assert role["RoleName"] == populated.role
    assert role["AssumeRolePolicyDocument"] == json.loads(
        trust_policy(populated.keys["account_id"]))
    assert [p["PolicyName"] for p in role["RolePolicyList"]] == ["role-inline"]

    policies = {p["Arn"]: p for p in details["Policies"]}
    assert set(policies) == {populated.policy_arn, ADMIN}
    versions = policies[populated.policy_arn]["PolicyVersionList"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == \
        [("v2", False), ("v1", True)]
    assert versions[1]["Document"] == json.loads(allow("s3:PutObject"))
    assert policies[populated.policy_arn]["AttachmentCount"] == 2


def test_authorization_details_filter_and_paging(populated: Populated) -> None:
    """Filter limits the answer to the kinds named; MaxItems and Marker page through the
    whole answer without repeats or gaps (IAM API Reference:
    GetAccountAuthorizationDetails, Filter.member.N)."""
    iam = populated.iam
    only_roles = iam.get_account_authorization_details(Filter=["Role"])
    assert [r["RoleName"] for r in only_roles["RoleDetailList"]] == [populated.role]
    assert only_roles["UserDetailList"] == only_roles["GroupDetailList"] == []
    assert only_roles["Policies"] == []
    aws_only = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
    assert [p["Arn"] for p in aws_only["Policies"]] == [ADMIN]
    local_only = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])
    assert [p["Arn"] for p in local_only["Policies"]] == [populated.policy_arn]

    whole = iam.get_account_authorization_details()
    pages = list(iam.get_paginator("get_account_authorization_details").paginate(
        PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3  # six items: two users, a group, a role, two policies
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
        assert [item for page in pages for item in page[key]] == whole[key]


def test_account_views_with_the_aws_cli(server: Server, populated: Populated,
                                        tmp_path: Path) -> None:
    """`aws iam get-account-summary` and `get-account-authorization-details --filter`
    work with the real AWS CLI."""
    cli = AwsCli(tmp_path, server.endpoint)
    cli.configure("views", populated.keys["access_key_id"],
                  populated.keys["secret_access_key"])
    summary = cli.json("iam", "get-account-summary", "--profile", "views")["SummaryMap"]
    assert summary["Users"] == 2 and summary["GroupsQuota"] == 300
    details = cli.json("iam", "get-account-authorization-details", "--filter", "Group",
                       "--profile", "views")
    assert [g["GroupName"] for g in details["GroupDetailList"]] == [populated.group]
    assert details["UserDetailList"] == []
