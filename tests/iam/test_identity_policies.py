"""What a user may do: policies attached to the user and to its groups, managed and
inline, take effect on the next request and stop on the next request."""

from __future__ import annotations

import secrets

import botocore.exceptions
import pytest

from conftest import client, root_client
from e2e.helpers import MfaUser, make_user
from iam_support import allow, code_of, fresh
from server import Server

READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture
def bucket(server: Server) -> str:
    """A bucket of the test account, holding one object "seed.txt"."""
    name = "authz-" + secrets.token_hex(4)
    s3 = root_client(server, "s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="seed.txt", Body=b"seed")
    return name


def can_put(server: Server, user: MfaUser, bucket: str) -> bool:
    # A client of its own: after a refused PUT the server may leave the unread body on a
    # kept-alive connection (reported separately); this test is about the decision.
    s3 = user.client(server, "s3")
    try:
        s3.put_object(Bucket=bucket, Key=fresh("put"), Body=b"x")
    except botocore.exceptions.ClientError as exc:
        assert exc.response["Error"]["Code"] == "AccessDenied"
        return False
    return True


def group_with(server: Server, user: MfaUser, arn: str | None = None) -> str:
    iam = root_client(server, "iam")
    group = fresh("g")
    iam.create_group(GroupName=group)
    if arn is not None:
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    iam.add_user_to_group(GroupName=group, UserName=user.name)
    return group


def test_group_with_s3_read_only(server: Server, bucket: str) -> None:
    """A user in a group with AmazonS3ReadOnlyAccess can list and get but not put, and
    loses the access as soon as it leaves the group (IAM User Guide: Policy evaluation
    logic; AWS Managed Policy Reference: AmazonS3ReadOnlyAccess)."""
    user = make_user(server, mfa=False)
    s3 = user.client(server, "s3")
    assert code_of(s3.list_objects_v2, Bucket=bucket) == "AccessDenied"
    group = group_with(server, user, READ_ONLY)

    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["seed.txt"]
    assert s3.get_object(Bucket=bucket, Key="seed.txt")["Body"].read() == b"seed"
    assert not can_put(server, user, bucket)

    root_client(server, "iam").remove_user_from_group(GroupName=group, UserName=user.name)
    assert code_of(s3.get_object, Bucket=bucket, Key="seed.txt") == "AccessDenied"


def test_inline_user_policy_takes_effect_at_once(server: Server, bucket: str) -> None:
    """An inline user policy allowing s3:PutObject works on the next request; replaced by
    a deny it stops at once, and deleted it stops at once (IAM User Guide: Managed
    policies and inline policies)."""
    iam = root_client(server, "iam")
    user = make_user(server, mfa=False)
    assert not can_put(server, user, bucket)

    iam.put_user_policy(UserName=user.name, PolicyName="put",
                        PolicyDocument=allow("s3:PutObject", f"arn:aws:s3:::{bucket}/*"))
    assert can_put(server, user, bucket)
    iam.put_user_policy(UserName=user.name, PolicyName="put",
                        PolicyDocument=allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    assert not can_put(server, user, bucket)
    iam.put_user_policy(UserName=user.name, PolicyName="put",
                        PolicyDocument=allow("s3:PutObject", f"arn:aws:s3:::{bucket}/*"))
    assert can_put(server, user, bucket)
    iam.delete_user_policy(UserName=user.name, PolicyName="put")
    assert not can_put(server, user, bucket)


def test_group_inline_policy_and_explicit_deny(server: Server, bucket: str) -> None:
    """A group's inline policy applies to its members, and an explicit deny in one group
    beats an allow from another (IAM User Guide: Policy evaluation logic, "explicit deny
    overrides allow")."""
    iam = root_client(server, "iam")
    user = make_user(server, mfa=False)
    writers = group_with(server, user)
    iam.put_group_policy(GroupName=writers, PolicyName="write",
                         PolicyDocument=allow("s3:PutObject", f"arn:aws:s3:::{bucket}/*"))
    assert can_put(server, user, bucket)

    deniers = group_with(server, user)
    iam.put_group_policy(GroupName=deniers, PolicyName="no-writes",
                         PolicyDocument=allow("s3:PutObject").replace("Allow", "Deny"))
    assert not can_put(server, user, bucket)
    iam.delete_group_policy(GroupName=deniers, PolicyName="no-writes")
    assert can_put(server, user, bucket)


def test_new_default_version_takes_effect(server: Server, bucket: str) -> None:
    """Setting a managed policy's default version changes what its group's members may do
    on the next request (IAM User Guide: Versioning IAM policies)."""
    iam = root_client(server, "iam")
    user = make_user(server, mfa=False)
    arn = iam.create_policy(PolicyName=fresh("ver"), PolicyDocument=allow(
        "s3:GetObject", f"arn:aws:s3:::{bucket}/*"))["Policy"]["Arn"]
    group_with(server, user, arn)
    assert not can_put(server, user, bucket)
    iam.create_policy_version(PolicyArn=arn, SetAsDefault=True, PolicyDocument=allow(
        ["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{bucket}/*"))
    assert can_put(server, user, bucket)
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert not can_put(server, user, bucket)


def test_admin_group_with_mfa_session(server: Server) -> None:
    """A user in a group with AdministratorAccess can call IAM with MFA-backed session
    credentials, and cannot once it leaves the group (IAM User Guide: Policy evaluation
    logic; STS API Reference: GetSessionToken)."""
    user = make_user(server)
    creds = user.client(server, "sts").get_session_token(
        SerialNumber=user.serial, TokenCode=user.code())["Credentials"]
    iam = client(server, "iam", creds["AccessKeyId"], creds["SecretAccessKey"],
                 creds["SessionToken"])
    assert code_of(iam.list_users) == "AccessDenied"

    group = group_with(server, user, ADMIN)
    assert user.name in [u["UserName"] for u in iam.list_users(MaxItems=1000)["Users"]]
    created = fresh("by-admin")
    iam.create_group(GroupName=created)
    assert iam.get_group(GroupName=created)["Group"]["GroupName"] == created
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Groups"] >= 2

    root_client(server, "iam").remove_user_from_group(GroupName=group, UserName=user.name)
    assert code_of(iam.list_users) == "AccessDenied"


def test_iam_actions_are_authorized_on_group_and_role_arns(server: Server) -> None:
    """IAM calls on groups and roles are authorized as iam:<Action> on the group's or
    role's ARN (Service Authorization Reference: Actions defined by AWS Identity and
    Access Management)."""
    account = server.root["account_id"]  # type: ignore[attr-defined]
    mine, theirs = fresh("mine"), fresh("theirs")
    root = root_client(server, "iam")
    root.create_group(GroupName=theirs)
    user = make_user(server, mfa=False)
    root.put_user_policy(UserName=user.name, PolicyName="groups", PolicyDocument=allow(
        ["iam:CreateGroup", "iam:GetGroup"], f"arn:aws:iam::{account}:group/{mine}"))
    iam = user.client(server, "iam")
    iam.create_group(GroupName=mine)
    assert iam.get_group(GroupName=mine)["Group"]["GroupName"] == mine
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.get_group(GroupName=theirs)
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert f"group/{theirs}" in info.value.response["Error"]["Message"]


def test_iam_user_change_password(server: Server) -> None:
    """Through a group, IAMUserChangePassword lets a user change its own password and read
    the account password policy, and allows nothing else in IAM (AWS Managed Policy
    Reference: IAMUserChangePassword)."""
    root = root_client(server, "iam")
    user = make_user(server, mfa=False)
    root.create_login_profile(UserName=user.name, Password="Kx9!mP2#vL7$qR4@aZ")
    iam = user.client(server, "iam")
    assert code_of(iam.change_password, OldPassword="Kx9!mP2#vL7$qR4@aZ",
                   NewPassword="Tw8%nB3^cY6&sD1*eX") == "AccessDenied"

    group_with(server, user, "arn:aws:iam::aws:policy/IAMUserChangePassword")
    iam.change_password(OldPassword="Kx9!mP2#vL7$qR4@aZ", NewPassword="Tw8%nB3^cY6&sD1*eX")
    try:
        iam.get_account_password_policy()
    except botocore.exceptions.ClientError as exc:  # no policy set: allowed, but none
        assert exc.response["Error"]["Code"] == "NoSuchEntity"
    assert code_of(iam.list_users) == "AccessDenied"
    assert code_of(iam.get_login_profile, UserName=user.name) == "AccessDenied"
