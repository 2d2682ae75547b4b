"""UpdateUser through the IAM API against a real server: renaming and moving a user."""

from __future__ import annotations

from conftest import root_client
from e2e.helpers import FORCE_MFA, make_user
from iam_support import code_of, fresh
from server import Server


def test_rename_keeps_everything_attached(server: Server) -> None:
    """A user renamed and moved keeps its keys, MFA device, attached policy and login
    profile; the old name is gone, the key still signs as the renamed user, and its MFA
    device still gives session credentials (IAM API Reference: UpdateUser; IAM User
    Guide: Renaming an IAM user)."""
    iam = root_client(server, "iam")
    user = make_user(server, FORCE_MFA)
    iam.create_login_profile(UserName=user.name, Password="Correct-Horse-9-Battery")
    policies = iam.list_attached_user_policies(UserName=user.name)["AttachedPolicies"]
    new_name = fresh("renamed")

    iam.update_user(UserName=user.name, NewUserName=new_name, NewPath="/team/")
    renamed = iam.get_user(UserName=new_name)["User"]
    assert renamed["Path"] == "/team/" and renamed["Arn"].endswith(f":user/team/{new_name}")
    assert code_of(iam.get_user, UserName=user.name) == "NoSuchEntity"
    keys = iam.list_access_keys(UserName=new_name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [user.key]
    devices = iam.list_mfa_devices(UserName=new_name)["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [user.serial]
    assert iam.list_attached_user_policies(UserName=new_name)["AttachedPolicies"] == policies
    assert iam.get_login_profile(UserName=new_name)["LoginProfile"]["UserName"] == new_name

    sts = user.client(server, "sts")
    assert sts.get_caller_identity()["Arn"] == renamed["Arn"]
    creds = sts.get_session_token(SerialNumber=user.serial, TokenCode=user.code())
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_update_user_errors(server: Server) -> None:
    """UpdateUser: a name another user holds (in any case) is EntityAlreadyExists, an
    unknown user NoSuchEntity, a bad name or path a ValidationError; changing only the
    case of one's own name is allowed (IAM API Reference: UpdateUser)."""
    iam = root_client(server, "iam")
    unchecked = root_client(server, "iam", parameter_validation=False)
    first, second = fresh("first"), fresh("second")
    iam.create_user(UserName=first)
    iam.create_user(UserName=second)
    assert code_of(iam.update_user, UserName=first,
                   NewUserName=second.upper()) == "EntityAlreadyExists"
    assert code_of(iam.update_user, UserName=fresh("nobody"),
                   NewUserName=fresh("x")) == "NoSuchEntity"
    assert code_of(unchecked.update_user, UserName=first,
                   NewUserName="bad/name") == "ValidationError"
    assert code_of(unchecked.update_user, UserName=first,
                   NewUserName="n" * 65) == "ValidationError"
    assert code_of(unchecked.update_user, UserName=first, NewPath="no-slashes") == \
        "ValidationError"
    iam.update_user(UserName=first, NewUserName=first.upper())
    assert iam.get_user(UserName=first)["User"]["UserName"] == first.upper()
