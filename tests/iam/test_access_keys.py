"""Access keys through the IAM API against a real server: UpdateAccessKey (an Inactive
key is refused when it signs) and GetAccessKeyLastUsed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from conftest import client, root_client
from e2e.awscli import AwsCli
from iam_support import allow, code_of, error_of, fresh
from key_support import KeyedUser, user_with_key
from server import Server

READER = allow(["s3:ListAllMyBuckets", "iam:GetUser"])


def last_used(iam: Any, key: str) -> dict[str, Any]:
    return dict(iam.get_access_key_last_used(AccessKeyId=key)["AccessKeyLastUsed"])


def wait_for_use(iam: Any, key: str) -> dict[str, Any]:
    """The key's last use once recorded: the write happens beside the request."""
    deadline = time.monotonic() + 10
    while "LastUsedDate" not in (used := last_used(iam, key)):
        assert time.monotonic() < deadline, f"the use of {key} was never recorded"
        time.sleep(0.1)
    return used


def test_inactive_key_is_refused_and_reactivated(server: Server) -> None:
    """An Inactive key is refused at authentication, InvalidAccessKeyId in S3 and
    InvalidClientTokenId in IAM; made Active again, it works (IAM API Reference:
    UpdateAccessKey)."""
    iam = root_client(server, "iam")
    user = user_with_key(iam, READER)
    s3, own_iam = user.client(server, "s3"), user.client(server, "iam")
    s3.list_buckets()

    iam.update_access_key(UserName=user.name, AccessKeyId=user.key, Status="Inactive")
    (listed,) = iam.list_access_keys(UserName=user.name)["AccessKeyMetadata"]
    assert listed["Status"] == "Inactive"
    assert code_of(s3.list_buckets) == "InvalidAccessKeyId"
    assert code_of(own_iam.get_user) == "InvalidClientTokenId"

    iam.update_access_key(UserName=user.name, AccessKeyId=user.key, Status="Active")
    s3.list_buckets()
    assert own_iam.get_user()["User"]["UserName"] == user.name


def test_update_access_key_errors(server: Server) -> None:
    """UpdateAccessKey: a Status other than Active or Inactive is a ValidationError; an
    unknown key, another user's key or an unknown user is NoSuchEntity (IAM API
    Reference: UpdateAccessKey)."""
    iam = root_client(server, "iam")
    unchecked = root_client(server, "iam", parameter_validation=False)
    user, other = user_with_key(iam), user_with_key(iam)
    assert code_of(unchecked.update_access_key, UserName=user.name, AccessKeyId=user.key,
                   Status="Disabled") == "ValidationError"
    assert code_of(iam.update_access_key, UserName=user.name,
                   AccessKeyId="AKIA" + "Z" * 16, Status="Inactive") == "NoSuchEntity"
    assert code_of(iam.update_access_key, UserName=user.name, AccessKeyId=other.key,
                   Status="Inactive") == "NoSuchEntity"
    assert code_of(iam.update_access_key, UserName=fresh("nobody"), AccessKeyId=user.key,
                   Status="Inactive") == "NoSuchEntity"
    assert iam.list_access_keys(UserName=other.name)["AccessKeyMetadata"][0]["Status"] == \
        "Active"


def test_a_user_deactivates_its_own_key(server: Server) -> None:
    """Without UserName, UpdateAccessKey acts on the calling user's own keys (IAM API
    Reference: UpdateAccessKey, "the user name is determined implicitly")."""
    iam = root_client(server, "iam")
    user = user_with_key(iam, allow("iam:UpdateAccessKey",
                                    "arn:aws:iam::*:user/${aws:username}"))
    second = iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"]
    user.client(server, "iam").update_access_key(AccessKeyId=second, Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"]
                for k in iam.list_access_keys(UserName=user.name)["AccessKeyMetadata"]}
    assert statuses == {user.key: "Active", second: "Inactive"}


def test_last_used_before_the_first_use(server: Server) -> None:
    """A key never used shows ServiceName and Region "N/A" and no LastUsedDate (IAM API
    Reference: AccessKeyLastUsed)."""
    iam = root_client(server, "iam")
    user = user_with_key(iam)
    answer = iam.get_access_key_last_used(AccessKeyId=user.key)
    assert answer["UserName"] == user.name
    assert answer["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}


def test_last_used_is_recorded_at_most_once_per_interval(server: Server) -> None:
    """A signed request records the key's last use (date, service, region); further
    requests soon after do not write it again, so the date and service stay those of the
    first (IAM API Reference: GetAccessKeyLastUsed)."""
    iam = root_client(server, "iam")
    user = user_with_key(iam, READER)
    before = time.time()
    user.client(server, "s3").list_buckets()
    first = wait_for_use(iam, user.key)
    assert first["ServiceName"] == "s3" and first["Region"] == "us-east-1"
    assert before - 2 <= first["LastUsedDate"].timestamp() <= time.time() + 2

    user.client(server, "iam").get_user()
    user.client(server, "s3").list_buckets()
    time.sleep(0.5)
    assert last_used(iam, user.key) == first


def test_last_used_is_authorized_on_the_key_owner(server: Server) -> None:
    """GetAccessKeyLastUsed is authorized on the user that owns the key: a user allowed on
    its own ARN reads its own key, not another user's; an unknown key is AccessDenied
    even for the root user (Service Authorization Reference, IAM: GetAccessKeyLastUsed,
    resource type user)."""
    iam = root_client(server, "iam")
    user = user_with_key(iam, allow("iam:GetAccessKeyLastUsed",
                                    "arn:aws:iam::*:user/${aws:username}"))
    other: KeyedUser = user_with_key(iam)
    own = user.client(server, "iam")
    assert own.get_access_key_last_used(AccessKeyId=user.key)["UserName"] == user.name
    error = error_of(own.get_access_key_last_used, AccessKeyId=other.key)
    assert error["Code"] == "AccessDenied" and other.name in error["Message"]
    error = error_of(iam.get_access_key_last_used, AccessKeyId="AKIA" + "Q" * 16)
    assert error["Code"] == "AccessDenied" and "AKIA" + "Q" * 16 in error["Message"]


@pytest.mark.parametrize("service", ["sts", "iam"])
def test_last_used_names_the_service(server: Server, service: str) -> None:
    """The recorded service is the one the request was signed for (IAM API Reference:
    AccessKeyLastUsed, ServiceName)."""
    iam = root_client(server, "iam")
    user = user_with_key(iam, READER)
    if service == "sts":
        client(server, "sts", user.key, user.secret).get_caller_identity()
    else:
        user.client(server, "iam").get_user()
    assert wait_for_use(iam, user.key)["ServiceName"] == service


def test_keys_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam update-access-key` and `aws iam get-access-key-last-used` work with the real
    AWS CLI (AWS CLI Command Reference: iam update-access-key)."""
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    user = user_with_key(root_client(server, "iam"), READER)
    cli.configure("user", user.key, user.secret)
    cli.run("s3", "ls", "--profile", "user")
    cli.run("iam", "update-access-key", "--user-name", user.name, "--access-key-id",
            user.key, "--status", "Inactive", "--profile", "admin")
    refused = cli.run("s3", "ls", "--profile", "user", check=False)
    assert refused.returncode != 0 and "InvalidAccessKeyId" in refused.stderr
    used = cli.json("iam", "get-access-key-last-used", "--access-key-id", user.key,
                    "--profile", "admin")
    assert used["UserName"] == user.name
    assert used["AccessKeyLastUsed"]["ServiceName"] in ("s3", "N/A")
