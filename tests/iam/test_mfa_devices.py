"""Virtual MFA devices through the IAM API against a real server: ListVirtualMFADevices,
GetMFADevice, ResyncMFADevice and the one-device-per-user rule."""

from __future__ import annotations

import os
import time

import pyotp
import pytest

from conftest import client, root_client
from e2e.helpers import FORCE_MFA, make_user
from iam_support import code_of, error_of, fresh
from server import FAKETIME_LIB, Server, free_port


def test_list_virtual_mfa_devices_by_assignment(server: Server) -> None:
    """ListVirtualMFADevices lists Assigned devices with their user and EnableDate,
    Unassigned ones without, Any both, pages with MaxItems/Marker, and refuses another
    AssignmentStatus (IAM API Reference: ListVirtualMFADevices)."""
    iam = root_client(server, "iam")
    user = make_user(server)
    spare = iam.create_virtual_mfa_device(
        VirtualMFADeviceName=fresh("spare"))["VirtualMFADevice"]["SerialNumber"]

    assigned = {d["SerialNumber"]: d for d in iam.list_virtual_mfa_devices(
        AssignmentStatus="Assigned", MaxItems=1000)["VirtualMFADevices"]}
    mine = assigned[user.serial]
    assert mine["User"]["UserName"] == user.name and mine["User"]["Arn"] == user.arn
    assert "EnableDate" in mine and spare not in assigned
    unassigned = {d["SerialNumber"]: d for d in iam.list_virtual_mfa_devices(
        AssignmentStatus="Unassigned", MaxItems=1000)["VirtualMFADevices"]}
    assert unassigned[spare] == {"SerialNumber": spare} and user.serial not in unassigned

    paged = [d["SerialNumber"] for page in iam.get_paginator("list_virtual_mfa_devices")
             .paginate(PaginationConfig={"PageSize": 2}) for d in page["VirtualMFADevices"]]
    assert len(paged) == len(set(paged)) and {spare, user.serial} <= set(paged)
    assert paged == sorted(assigned.keys() | unassigned.keys())

    unchecked = root_client(server, "iam", parameter_validation=False)
    assert code_of(unchecked.list_virtual_mfa_devices,
                   AssignmentStatus="Enabled") == "ValidationError"


def test_get_mfa_device(server: Server) -> None:
    """GetMFADevice answers for a device assigned to the user, else NoSuchEntity (IAM API
    Reference: GetMFADevice; IAM serves it for FIDO keys only, Karashi for its virtual
    devices)."""
    iam = root_client(server, "iam")
    user, other = make_user(server), make_user(server, mfa=False)
    device = iam.get_mfa_device(UserName=user.name, SerialNumber=user.serial)
    assert device["UserName"] == user.name and device["SerialNumber"] == user.serial
    assert "EnableDate" in device
    assert code_of(iam.get_mfa_device, UserName=other.name,
                   SerialNumber=user.serial) == "NoSuchEntity"
    assert code_of(iam.get_mfa_device, UserName=user.name,
                   SerialNumber=user.serial + "x") == "NoSuchEntity"


def test_one_device_per_user(server: Server) -> None:
    """A user with an enabled device cannot enable a second one: LimitExceeded, as Wasabi
    allows one virtual device per user (IAM API Reference: EnableMFADevice,
    LimitExceeded)."""
    iam = root_client(server, "iam")
    user = make_user(server)
    second = iam.create_virtual_mfa_device(VirtualMFADeviceName=fresh("second"))
    totp, now = pyotp.TOTP(second["VirtualMFADevice"]["Base32StringSeed"].decode()), time.time()
    error = error_of(iam.enable_mfa_device, UserName=user.name,
                     SerialNumber=second["VirtualMFADevice"]["SerialNumber"],
                     AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    assert error["Code"] == "LimitExceeded" and "MFADevicesPerUser" in error["Message"]


def test_resync_after_the_server_clock_ran_ahead(server: Server) -> None:
    """A code accepted while the server's clock ran ten minutes ahead leaves the device's
    last accepted step in the future, so current codes are refused as already used;
    ResyncMFADevice with two consecutive current codes re-anchors it and the next code
    works (IAM API Reference: ResyncMFADevice)."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.fail("libfaketime is missing: .ci/run installs the Debian package faketime")
    iam = root_client(server, "iam")
    user = make_user(server, FORCE_MFA)
    totp = pyotp.TOTP(user.seed)
    # Ten minutes is inside SigV4's 15-minute skew: boto3 signs with the real clock.
    ahead = Server(server.data_dir, free_port(), faketime="+10m").start()
    try:
        client(ahead, "sts", user.key, user.secret).get_session_token(
            SerialNumber=user.serial, TokenCode=totp.at(time.time() + 600))
    finally:
        ahead.stop()

    sts = user.client(server, "sts")
    error = error_of(sts.get_session_token, SerialNumber=user.serial,
                     TokenCode=totp.at(time.time()))
    assert error["Code"] == "AccessDenied" and "already been used" in error["Message"]

    now = time.time()
    iam.resync_mfa_device(UserName=user.name, SerialNumber=user.serial,
                          AuthenticationCode1=totp.at(now - 30),
                          AuthenticationCode2=totp.at(now))
    creds = sts.get_session_token(SerialNumber=user.serial, TokenCode=user.code())
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_resync_takes_codes_of_a_drifted_device(server: Server) -> None:
    """ResyncMFADevice accepts two consecutive codes from a device whose clock is three
    minutes behind, but not two codes that are not consecutive (IAM API Reference:
    ResyncMFADevice, InvalidAuthenticationCode)."""
    iam = root_client(server, "iam")
    user = make_user(server)
    totp, behind = pyotp.TOTP(user.seed), time.time() - 180
    assert code_of(iam.resync_mfa_device, UserName=user.name, SerialNumber=user.serial,
                   AuthenticationCode1=totp.at(behind),
                   AuthenticationCode2=totp.at(behind + 60)) == "InvalidAuthenticationCode"
    iam.resync_mfa_device(UserName=user.name, SerialNumber=user.serial,
                          AuthenticationCode1=totp.at(behind - 30),
                          AuthenticationCode2=totp.at(behind))


def test_resync_errors(server: Server) -> None:
    """ResyncMFADevice: a device not assigned to the user or an unknown user is
    NoSuchEntity; a code that is not six digits is a ValidationError (IAM API Reference:
    ResyncMFADevice)."""
    iam = root_client(server, "iam")
    user, other = make_user(server), make_user(server, mfa=False)
    totp, now = pyotp.TOTP(user.seed), time.time()
    codes = {"AuthenticationCode1": totp.at(now - 30), "AuthenticationCode2": totp.at(now)}
    assert code_of(iam.resync_mfa_device, UserName=other.name, SerialNumber=user.serial,
                   **codes) == "NoSuchEntity"
    assert code_of(iam.resync_mfa_device, UserName=fresh("nobody"),
                   SerialNumber=user.serial, **codes) == "NoSuchEntity"
    unchecked = root_client(server, "iam", parameter_validation=False)
    assert code_of(unchecked.resync_mfa_device, UserName=user.name, SerialNumber=user.serial,
                   AuthenticationCode1="12345",
                   AuthenticationCode2=codes["AuthenticationCode2"]) == "ValidationError"
