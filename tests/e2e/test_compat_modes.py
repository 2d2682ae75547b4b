"""Wasabi and AWS modes: where long-term keys' aws:MultiFactorAuthPresent comes from.

"AWS global condition context keys" (IAM User Guide), aws:MultiFactorAuthPresent: AWS
leaves the key out of requests signed with long-term keys, so the article's
``Bool {"aws:MultiFactorAuthPresent": "false"}`` deny does not apply there; Wasabi sets
it to false, so the same deny refuses them. Karashi's default is Wasabi's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import botocore.exceptions
import pytest

from conftest import root_client
from e2e.helpers import FORCE_MFA, make_user
from server import Server, create_account, free_port


@pytest.fixture(scope="module")
def aws_mode(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data: Path = tmp_path_factory.mktemp("karashi-aws-mode")
    srv = Server(data, free_port(), extra_args=["--compat", "aws"])
    srv.root = create_account(data, "aws-mode")  # type: ignore[attr-defined]
    srv.start()
    yield srv
    srv.stop()


def _bucket(srv: Server, name: str) -> str:
    root_client(srv, "s3").create_bucket(Bucket=name)
    return name


def test_wasabi_mode_denies_long_term_keys(server: Server) -> None:
    """Default (Wasabi) mode: the article's policy refuses a long-term key."""
    bucket = _bucket(server, "compat-wasabi")
    user = make_user(server, FORCE_MFA)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        user.client(server, "s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    assert info.value.response["Error"]["Code"] == "AccessDenied"


def test_aws_mode_leaves_the_key_absent(aws_mode: Server) -> None:
    """--compat aws: the key is absent for long-term keys, so the Bool deny does not
    match and the Allow stands, exactly as AWS decides (use BoolIfExists there)."""
    bucket = _bucket(aws_mode, "compat-aws")
    user = make_user(aws_mode, FORCE_MFA)
    user.client(aws_mode, "s3").put_object(Bucket=bucket, Key="k", Body=b"x")

    if_exists = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
    strict = make_user(aws_mode, if_exists)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        strict.client(aws_mode, "s3").put_object(Bucket=bucket, Key="k", Body=b"x")
    assert info.value.response["Error"]["Code"] == "AccessDenied"


def test_aws_mode_refuses_the_user_arn_as_serial(aws_mode: Server) -> None:
    """--compat aws: GetSessionToken takes only the MFA device's ARN, as AWS does; the
    user's own ARN (which Karashi accepts by default) is refused."""
    user = make_user(aws_mode, FORCE_MFA)
    sts = user.client(aws_mode, "sts")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sts.get_session_token(SerialNumber=user.arn, TokenCode=user.code(1))
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    creds = sts.get_session_token(SerialNumber=user.serial, TokenCode=user.code(1))
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_wasabi_mode_accepts_the_user_arn(server: Server) -> None:
    """Default mode: the user's ARN stands for its one enabled device, as the article
    tells people to copy "the ARN of this user"."""
    user = make_user(server, FORCE_MFA)
    creds = user.client(server, "sts").get_session_token(SerialNumber=user.arn,
                                                         TokenCode=user.code(1))
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")
