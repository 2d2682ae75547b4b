"""STS sessions end to end: durations, MFA codes, expiry, and what sessions may call."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from conftest import client, root_client
from e2e.awscli import AwsCli
from e2e.helpers import FORCE_MFA, make_user
from server import FAKETIME_LIB, Server, free_port


def error_code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def test_duration_bounds(server: Server) -> None:
    """DurationSeconds outside 900..129600 is a ValidationError; the bounds are accepted."""
    user = make_user(server, FORCE_MFA)
    sts = user.client(server, "sts")
    unchecked = user.client(server, "sts", parameter_validation=False)
    for bad in (899, 129_601):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            unchecked.get_session_token(DurationSeconds=bad)
        assert error_code(info.value) == "ValidationError"
    creds = sts.get_session_token(DurationSeconds=900)["Credentials"]
    left = creds["Expiration"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=890) < left <= dt.timedelta(seconds=900)


def test_root_session_is_cut_to_one_hour(server: Server) -> None:
    """A root user's session lasts at most 3,600 s, as AWS does, even if more is asked."""
    creds = root_client(server, "sts").get_session_token(DurationSeconds=7200)["Credentials"]
    left = creds["Expiration"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=3590) < left <= dt.timedelta(seconds=3600)


def test_session_without_mfa_cannot_call_iam_or_pass_the_mfa_policy(server: Server) -> None:
    """Without a code the session is not MFA-backed: IAM answers InvalidClientTokenId and
    the article's policy denies S3."""
    user = make_user(server, FORCE_MFA)
    creds = user.client(server, "sts").get_session_token()["Credentials"]
    key, secret, token = creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client(server, "iam", key, secret, token).list_users()
    assert error_code(info.value) == "InvalidClientTokenId"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client(server, "s3", key, secret, token).list_buckets()
    assert error_code(info.value) == "AccessDenied"


def test_mfa_session_identity(server: Server) -> None:
    """GetCallerIdentity with MFA session credentials names the user."""
    user = make_user(server, FORCE_MFA)
    creds = user.client(server, "sts").get_session_token(
        SerialNumber=user.serial, TokenCode=user.code())["Credentials"]
    me = client(server, "sts", creds["AccessKeyId"], creds["SecretAccessKey"],
                creds["SessionToken"]).get_caller_identity()
    assert me["Arn"] == user.arn
    assert me["Account"] == user.arn.split(":")[4]


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "abcdef", "١٢٣٤٥٦"])
def test_token_code_must_be_six_digits(server: Server, code: str) -> None:
    """A TOTP code of the wrong length or with letters is a ValidationError."""
    user = make_user(server, FORCE_MFA)
    sts = user.client(server, "sts", parameter_validation=False)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sts.get_session_token(SerialNumber=user.serial, TokenCode=code)
    assert error_code(info.value) == "ValidationError"


def test_expired_session_gets_expired_token(server: Server, tmp_path: Path) -> None:
    """A session past its expiry is refused with ExpiredToken. The clock is the test's:
    a second server on the same data folder runs 16 minutes ahead, and so does the CLI."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.fail("libfaketime is missing: .ci/run installs the Debian package faketime")
    user = make_user(server, FORCE_MFA)
    creds = user.client(server, "sts").get_session_token(
        SerialNumber=user.serial, TokenCode=user.code(), DurationSeconds=900)["Credentials"]
    session_env = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                   "AWS_SESSION_TOKEN": creds["SessionToken"],
                   "AWS_DEFAULT_REGION": "us-east-1"}

    cli = AwsCli(tmp_path, server.endpoint)
    assert cli.run("s3", "ls", env=session_env).returncode == 0

    later = Server(server.data_dir, free_port(), faketime="+16m").start()
    try:
        future = AwsCli(tmp_path, later.endpoint)
        result = future.run("s3", "ls", env={**session_env, "LD_PRELOAD": FAKETIME_LIB,
                                             "FAKETIME": "+16m"}, check=False)
        assert result.returncode != 0
        assert "ExpiredToken" in result.stderr
    finally:
        later.stop()


def test_one_code_under_concurrent_requests(server: Server) -> None:
    """Eight concurrent GetSessionToken calls with the same code: exactly one succeeds,
    the others are AccessDenied (never a 500)."""
    from concurrent.futures import ThreadPoolExecutor

    user = make_user(server, FORCE_MFA)
    code = user.code()
    clients = [user.client(server, "sts") for _ in range(8)]

    def attempt(sts: Any) -> str:
        try:
            sts.get_session_token(SerialNumber=user.serial, TokenCode=code)
            return "ok"
        except botocore.exceptions.ClientError as exc:
            return error_code(exc)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, clients))
    assert sorted(outcomes) == ["AccessDenied"] * 7 + ["ok"]


def test_guessing_codes_locks_the_device(server: Server) -> None:
    """After five wrong codes a device takes no code for a while, not even the right one;
    other devices are unaffected. (AWS and Wasabi throttle MFA attempts too.)"""
    user, other = make_user(server, FORCE_MFA), make_user(server, FORCE_MFA)
    sts = user.client(server, "sts")
    valid = {user.code(step) for step in range(-2, 3)}
    wrong = [c for c in ("000000", "111111", "222222", "333333", "444444", "555555",
                         "666666") if c not in valid][:5]
    for code in wrong:
        with pytest.raises(botocore.exceptions.ClientError) as info:
            sts.get_session_token(SerialNumber=user.serial, TokenCode=code)
        assert "invalid MFA one time pass code" in info.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sts.get_session_token(SerialNumber=user.serial, TokenCode=user.code())
    assert error_code(info.value) == "AccessDenied"
    assert "too many wrong codes" in info.value.response["Error"]["Message"]
    creds = other.client(server, "sts").get_session_token(SerialNumber=other.serial,
                                                          TokenCode=other.code())
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")
