"""The IAM query API through boto3 and the AWS CLI, against a real server."""

from __future__ import annotations

import io
import json
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import botocore.exceptions
import pyotp
import pytest
import zxingcpp
from PIL import Image

from conftest import client, root_client
from e2e.awscli import AwsCli
from e2e.helpers import FORCE_MFA, make_user
from server import Server


def code_of(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def test_users_keys_and_listing(server: Server) -> None:
    """Create, get, list and delete a user and its keys; at most two keys per user."""
    iam = root_client(server, "iam")
    name = "u-" + secrets.token_hex(4)
    created = iam.create_user(UserName=name, Path="/team/")["User"]
    assert created["Arn"].endswith(f":user/team/{name}")
    assert iam.get_user(UserName=name)["User"]["UserId"] == created["UserId"]
    assert name in [u["UserName"] for u in iam.list_users()["Users"]]
    first = iam.create_access_key(UserName=name)["AccessKey"]
    iam.create_access_key(UserName=name)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.create_access_key(UserName=name)
    assert code_of(info.value) == "LimitExceeded"
    keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert len(keys) == 2 and all(k["Status"] == "Active" for k in keys)
    for key in keys:
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.get_user(UserName=name)
    assert code_of(info.value) == "NoSuchEntity"
    assert first["SecretAccessKey"] not in (server.log() or "")


def test_duplicate_and_invalid_names(server: Server) -> None:
    """A second user of the same name is EntityAlreadyExists; a bad name ValidationError."""
    iam = root_client(server, "iam")
    name = "dup-" + secrets.token_hex(4)
    iam.create_user(UserName=name)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.create_user(UserName=name.upper())
    assert code_of(info.value) == "EntityAlreadyExists"
    unchecked = root_client(server, "iam", parameter_validation=False)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        unchecked.create_user(UserName="bad/name")
    assert code_of(info.value) == "ValidationError"


def test_policies_round_trip(server: Server) -> None:
    """CreatePolicy, GetPolicy, GetPolicyVersion (the document as stored), attach, list,
    detach and delete; a policy still attached cannot be deleted."""
    iam = root_client(server, "iam")
    user = make_user(server, mfa=False)
    document = json.dumps(FORCE_MFA, indent=2)
    policy = iam.create_policy(PolicyName="p-" + secrets.token_hex(4),
                               PolicyDocument=document, Description="force MFA")["Policy"]
    arn = policy["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == FORCE_MFA and version["IsDefaultVersion"]
    iam.attach_user_policy(UserName=user.name, PolicyArn=arn)
    attached = iam.list_attached_user_policies(UserName=user.name)["AttachedPolicies"]
    assert arn in [p["PolicyArn"] for p in attached]
    assert arn in [p["Arn"] for p in iam.list_policies(OnlyAttached=True)["Policies"]]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.delete_policy(PolicyArn=arn)
    assert code_of(info.value) == "DeleteConflict"
    iam.detach_user_policy(UserName=user.name, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.get_policy(PolicyArn=arn)
    assert code_of(info.value) == "NoSuchEntity"


def test_list_paging(server: Server) -> None:
    """MaxItems and Marker page through ListUsers without repeats or gaps."""
    iam = root_client(server, "iam")
    for _ in range(5):
        iam.create_user(UserName="page-" + secrets.token_hex(4))
    names = [u["UserName"] for page in iam.get_paginator("list_users").paginate(
        PaginationConfig={"PageSize": 2}) for u in page["Users"]]
    assert names == [u["UserName"] for u in iam.list_users(MaxItems=1000)["Users"]]
    assert len(names) == len(set(names)) >= 5


def test_qr_code_png_scans_to_a_working_seed(server: Server, tmp_path: Path) -> None:
    """`aws iam create-virtual-mfa-device --bootstrap-method QRCodePNG --outfile` writes a
    PNG whose QR code, read as an authenticator app would, enables the device."""
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    user = make_user(server, FORCE_MFA, mfa=False)
    device = cli.json("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name",
                      user.name, "--outfile", "qr.png", "--bootstrap-method", "QRCodePNG",
                      "--profile", "admin")
    png = (tmp_path / "qr.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    uri = urlparse(decoded.text)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    seed = parse_qs(uri.query)["secret"][0]
    totp, now = pyotp.TOTP(seed), time.time()
    cli.run("iam", "enable-mfa-device", "--user-name", user.name, "--serial-number",
            device["VirtualMFADevice"]["SerialNumber"], "--authentication-code1",
            totp.at(now - 30), "--authentication-code2", totp.at(now), "--profile", "admin")
    listed = cli.json("iam", "list-mfa-devices", "--user-name", user.name,
                      "--profile", "admin")["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [device["VirtualMFADevice"]["SerialNumber"]]


def test_enable_needs_two_consecutive_codes(server: Server) -> None:
    """EnableMFADevice refuses two codes that are not consecutive."""
    iam = root_client(server, "iam")
    user = make_user(server, mfa=False)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]
    totp, now = pyotp.TOTP(device["Base32StringSeed"].decode()), time.time()
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.enable_mfa_device(UserName=user.name, SerialNumber=device["SerialNumber"],
                              AuthenticationCode1=totp.at(now),
                              AuthenticationCode2=totp.at(now))
    assert code_of(info.value) == "InvalidAuthenticationCode"


def test_mfa_device_lifecycle(server: Server) -> None:
    """An assigned device cannot be deleted; deactivated, it can, and the user can go."""
    iam = root_client(server, "iam")
    user = make_user(server)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.delete_virtual_mfa_device(SerialNumber=user.serial)
    assert code_of(info.value) == "DeleteConflict"
    iam.deactivate_mfa_device(UserName=user.name, SerialNumber=user.serial)
    assert iam.list_mfa_devices(UserName=user.name)["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=user.serial)
    iam.delete_access_key(UserName=user.name, AccessKeyId=user.key)
    iam.delete_user(UserName=user.name)


def test_iam_calls_are_authorized_by_policy(server: Server) -> None:
    """A user with only S3 permissions is denied IAM calls; with iam:ListUsers allowed and
    an MFA session, ListUsers succeeds."""
    user = make_user(server, FORCE_MFA)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        user.client(server, "iam").list_users()
    assert code_of(info.value) == "AccessDenied"
    assert "iam:ListUsers" in info.value.response["Error"]["Message"]

    reader = make_user(server, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]})
    with pytest.raises(botocore.exceptions.ClientError):
        reader.client(server, "iam").list_users()
    creds = reader.client(server, "sts").get_session_token(
        SerialNumber=reader.serial, TokenCode=reader.code())["Credentials"]
    iam = client(server, "iam", creds["AccessKeyId"], creds["SecretAccessKey"],
                 creds["SessionToken"])
    assert reader.name in [u["UserName"] for u in iam.list_users(MaxItems=1000)["Users"]]
