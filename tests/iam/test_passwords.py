"""Console passwords through the IAM API against a real server: login profiles, the
account password policy (enforced on every password set) and ChangePassword."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from conftest import client
from e2e.awscli import AwsCli
from iam_support import code_of, error_of, fresh, new_account
from key_support import KeyedUser, user_with_key
from server import Server

STRONG = "Correct-Horse-9-Battery"
STRONGER = "Staple+Battery-42-Horse"
#: What the AWS-managed policy IAMUserChangePassword grants.
CHANGE_OWN_PASSWORD = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iam:ChangePassword",
     "Resource": "arn:aws:iam::*:user/${aws:username}"},
    {"Effect": "Allow", "Action": "iam:GetAccountPasswordPolicy", "Resource": "*"}]})
STRICT = {"MinimumPasswordLength": 12, "RequireSymbols": True, "RequireNumbers": True,
          "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True}


@pytest.fixture(scope="module")
def account(server: Server) -> tuple[Any, dict[str, str]]:
    """An account of these tests' own: they change its account-wide password policy."""
    return new_account(server)


@pytest.fixture
def iam(account: tuple[Any, dict[str, str]]) -> Iterator[Any]:
    """The account's root IAM client; the password policy is removed after each test."""
    root = account[0]
    yield root
    try:
        root.delete_account_password_policy()
    except botocore.exceptions.ClientError as err:
        assert err.response["Error"]["Code"] == "NoSuchEntity"


def password_user(iam: Any, password: str = STRONG, reset: bool = False) -> KeyedUser:
    """A user with a key, a login profile and permission to change its own password."""
    user = user_with_key(iam, CHANGE_OWN_PASSWORD, prefix="pw")
    iam.create_login_profile(UserName=user.name, Password=password,
                             PasswordResetRequired=reset)
    return user


def test_login_profile_lifecycle(server: Server, iam: Any) -> None:
    """Create, get, update and delete a login profile, with NoSuchEntity and
    EntityAlreadyExists where IAM gives them; the password never reaches the log (IAM
    API Reference: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
    DeleteLoginProfile)."""
    name = fresh("lp")
    iam.create_user(UserName=name)
    created = iam.create_login_profile(UserName=name, Password=STRONG,
                                       PasswordResetRequired=True)["LoginProfile"]
    assert created["UserName"] == name and created["PasswordResetRequired"] is True
    got = iam.get_login_profile(UserName=name)["LoginProfile"]
    assert got["CreateDate"] == created["CreateDate"] and got["PasswordResetRequired"]
    assert code_of(iam.create_login_profile, UserName=name,
                   Password=STRONGER) == "EntityAlreadyExists"

    iam.update_login_profile(UserName=name, PasswordResetRequired=False)
    assert iam.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
    iam.update_login_profile(UserName=name, Password=STRONGER)

    iam.delete_login_profile(UserName=name)
    assert code_of(iam.get_login_profile, UserName=name) == "NoSuchEntity"
    assert code_of(iam.delete_login_profile, UserName=name) == "NoSuchEntity"
    assert code_of(iam.update_login_profile, UserName=name, Password=STRONG) == "NoSuchEntity"
    assert code_of(iam.create_login_profile, UserName=fresh("nobody"),
                   Password=STRONG) == "NoSuchEntity"
    iam.delete_user(UserName=name)
    assert STRONG not in server.log() and STRONGER not in server.log()


@pytest.mark.parametrize("password", ["x" * 129, "Euro-sign-€-123"])
def test_password_format_is_validated(account: tuple[Any, dict[str, str]], server: Server,
                                      password: str) -> None:
    """A password longer than 128 characters, or with a character above U+00FF, is a
    ValidationError that does not echo it (IAM API Reference: CreateLoginProfile,
    Password)."""
    made = account[1]
    unchecked = client(server, "iam", made["access_key_id"], made["secret_access_key"],
                       parameter_validation=False)
    name = fresh("fmt")
    unchecked.create_user(UserName=name)
    error = error_of(unchecked.create_login_profile, UserName=name, Password=password)
    assert error["Code"] == "ValidationError" and password not in error["Message"]


def test_default_policy_applies_without_a_custom_one(iam: Any,
                                                     account: tuple[Any, dict[str, str]]
                                                     ) -> None:
    """With no password policy, GetAccountPasswordPolicy is NoSuchEntity and IAM's default
    policy holds: 8 characters, three character classes, not the account name (IAM User
    Guide: Set an account password policy for IAM users)."""
    assert code_of(iam.get_account_password_policy) == "NoSuchEntity"
    name = fresh("dflt")
    iam.create_user(UserName=name)
    refused = {"Ab1-xyz": "minimum length of 8", "onlylowercase12": "three of",
               account[1]["name"]: "account name"}
    for password, rule in refused.items():
        error = error_of(iam.create_login_profile, UserName=name, Password=password)
        assert error["Code"] == "PasswordPolicyViolation" and rule in error["Message"]
    iam.create_login_profile(UserName=name, Password=STRONG)


def test_update_get_delete_policy(iam: Any) -> None:
    """UpdateAccountPasswordPolicy stores every setting and GetAccountPasswordPolicy shows
    them; an update replaces the whole policy (no partial update); DeleteAccountPassword
    Policy removes it (IAM API Reference: UpdateAccountPasswordPolicy,
    GetAccountPasswordPolicy, DeleteAccountPasswordPolicy)."""
    iam.update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
        RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True, MaxPasswordAge=90, PasswordReusePrevention=5,
        HardExpiry=True)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy == {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 5, "HardExpiry": True}

    iam.update_account_password_policy(MinimumPasswordLength=10)
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 10, "RequireSymbols": False, "RequireNumbers": False,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False, "ExpirePasswords": False, "HardExpiry": False}

    iam.update_account_password_policy()
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 6
    iam.delete_account_password_policy()
    assert code_of(iam.get_account_password_policy) == "NoSuchEntity"
    assert code_of(iam.delete_account_password_policy) == "NoSuchEntity"


@pytest.mark.parametrize(("setting", "value"), [
    ("MinimumPasswordLength", 5), ("MinimumPasswordLength", 129),
    ("MaxPasswordAge", 0), ("MaxPasswordAge", 1096),
    ("PasswordReusePrevention", 0), ("PasswordReusePrevention", 25)])
def test_policy_settings_out_of_range(server: Server, account: tuple[Any, dict[str, str]],
                                      setting: str, value: int) -> None:
    """Settings outside IAM's ranges (length 6-128, age 1-1095 days, reuse 1-24) are a
    ValidationError and change nothing (IAM API Reference: UpdateAccountPasswordPolicy)."""
    made = account[1]
    unchecked = client(server, "iam", made["access_key_id"], made["secret_access_key"],
                       parameter_validation=False)
    error = error_of(unchecked.update_account_password_policy, **{setting: value})
    assert error["Code"] == "ValidationError" and str(value) in error["Message"]
    assert code_of(unchecked.get_account_password_policy) == "NoSuchEntity"


@pytest.mark.parametrize(("password", "rule"), [
    ("Short-9-Aa", "minimum length of 12"),
    ("lowercase-only-9", "uppercase letter"),
    ("UPPERCASE-ONLY-9", "lowercase letter"),
    ("No-Numbers-Here-At-All", "number"),
    ("NoSymbolsHere12345", "symbol")])
def test_policy_enforced_on_every_set(server: Server, iam: Any, password: str,
                                      rule: str) -> None:
    """CreateLoginProfile, UpdateLoginProfile and ChangePassword each refuse a password
    that breaks the policy with PasswordPolicyViolation naming the rule, and store nothing
    (IAM API Reference: PasswordPolicyViolation on each of the three)."""
    iam.update_account_password_policy(**STRICT)
    name = fresh("set")
    iam.create_user(UserName=name)
    error = error_of(iam.create_login_profile, UserName=name, Password=password)
    assert error["Code"] == "PasswordPolicyViolation" and rule in error["Message"]
    assert code_of(iam.get_login_profile, UserName=name) == "NoSuchEntity"

    user = password_user(iam)
    error = error_of(iam.update_login_profile, UserName=user.name, Password=password)
    assert error["Code"] == "PasswordPolicyViolation" and rule in error["Message"]
    own = user.client(server, "iam")
    error = error_of(own.change_password, OldPassword=STRONG, NewPassword=password)
    assert error["Code"] == "PasswordPolicyViolation" and rule in error["Message"]
    own.change_password(OldPassword=STRONG, NewPassword=STRONGER)  # STRONG was kept


def test_change_password(server: Server, iam: Any) -> None:
    """The calling user changes its own password with the right old one, which clears
    PasswordResetRequired; a wrong old password and the root user are InvalidUserType; no
    login profile is NoSuchEntity; without iam:ChangePassword it is AccessDenied (IAM API
    Reference: ChangePassword; IAM User Guide: Permitting IAM users to change their own
    passwords)."""
    iam.update_account_password_policy(**STRICT)
    user = password_user(iam, reset=True)
    own = user.client(server, "iam")
    assert own.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 12
    error = error_of(own.change_password, OldPassword="Wrong-Password-1",
                     NewPassword=STRONGER)
    assert error["Code"] == "InvalidUserType" and "old password" in error["Message"]
    own.change_password(OldPassword=STRONG, NewPassword=STRONGER)
    assert iam.get_login_profile(UserName=user.name)["LoginProfile"][
        "PasswordResetRequired"] is False
    assert code_of(own.change_password, OldPassword=STRONG,
                   NewPassword=STRONG + "-2") == "InvalidUserType"
    own.change_password(OldPassword=STRONGER, NewPassword=STRONG)

    assert code_of(iam.change_password, OldPassword=STRONG,
                   NewPassword=STRONGER) == "InvalidUserType"
    no_profile = user_with_key(iam, CHANGE_OWN_PASSWORD).client(server, "iam")
    assert code_of(no_profile.change_password, OldPassword=STRONG,
                   NewPassword=STRONGER) == "NoSuchEntity"
    unprivileged = user_with_key(iam)
    iam.create_login_profile(UserName=unprivileged.name, Password=STRONG)
    error = error_of(unprivileged.client(server, "iam").change_password,
                     OldPassword=STRONG, NewPassword=STRONGER)
    assert error["Code"] == "AccessDenied" and "iam:ChangePassword" in error["Message"]


def test_reuse_prevention_refuses_the_current_password(server: Server, iam: Any) -> None:
    """With PasswordReusePrevention set, setting the current password again is a
    PasswordPolicyViolation, through UpdateLoginProfile and ChangePassword alike (IAM API
    Reference: UpdateAccountPasswordPolicy, PasswordReusePrevention)."""
    iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=1)
    user = password_user(iam)
    error = error_of(iam.update_login_profile, UserName=user.name, Password=STRONG)
    assert error["Code"] == "PasswordPolicyViolation" and "previous" in error["Message"]
    own = user.client(server, "iam")
    assert code_of(own.change_password, OldPassword=STRONG,
                   NewPassword=STRONG) == "PasswordPolicyViolation"
    own.change_password(OldPassword=STRONG, NewPassword=STRONGER)


def test_change_password_with_the_aws_cli(server: Server, iam: Any, tmp_path: Path) -> None:
    """`aws iam get-account-password-policy` and `aws iam change-password` work for an IAM
    user with the real AWS CLI; a wrong old password fails with InvalidUserType, and no
    password reaches the server's log (AWS CLI Command Reference: iam change-password)."""
    iam.update_account_password_policy(MinimumPasswordLength=10, RequireNumbers=True,
                                       AllowUsersToChangePassword=True)
    user = password_user(iam)
    cli = AwsCli(tmp_path, server.endpoint)
    cli.configure("me", user.key, user.secret)
    policy = cli.json("iam", "get-account-password-policy", "--profile", "me")
    assert policy["PasswordPolicy"]["AllowUsersToChangePassword"] is True
    cli.run("iam", "change-password", "--old-password", STRONG, "--new-password", STRONGER,
            "--profile", "me")
    wrong = cli.run("iam", "change-password", "--old-password", STRONG, "--new-password",
                    "Another-Password-77", "--profile", "me", check=False)
    assert wrong.returncode != 0 and "InvalidUserType" in wrong.stderr
    log = server.log()
    assert STRONG not in log and STRONGER not in log and "Another-Password-77" not in log
