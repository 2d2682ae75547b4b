"""``karashi mfa doctor``: endpoints, clock, environment, files, key and MFA devices."""

from __future__ import annotations

import os
import re

import pytest
from e2e.helpers import FORCE_MFA, MfaUser
from server import FAKETIME_LIB

from mfa.support import Home, make_mfa_user

LISTING = {**FORCE_MFA, "Statement": [
    *FORCE_MFA["Statement"],
    {"Effect": "Allow", "Action": "iam:ListMFADevices", "Resource": "*"}]}


@pytest.fixture
def lister(home: Home) -> MfaUser:
    """A user who may list their own MFA devices, configured as profile ``lister``."""
    user = make_mfa_user(home.server, LISTING)
    home.configure("lister", user, endpoint_url=home.server.endpoint, mfa_serial=user.serial)
    return user


def test_healthy_setup(home: Home, lister: MfaUser) -> None:
    """A healthy setup: exit 0, endpoints answer, clock agrees, key and device named."""
    result = home.mfa("doctor", "--profile", "lister")
    out = result.stdout
    for service in ("sts", "s3", "iam"):
        assert f"[  ok] {service} endpoint: {home.server.endpoint} answers (HTTP " in out
    # Same machine, same clock; but the server's Date header is refreshed by its event
    # loop, so on a loaded machine it can lag a few seconds: never a failure here.
    assert "[  ok] clock: this machine " in out or "[warn] clock: this machine " in out
    assert f"[  ok] access key: belongs to {lister.arn}" in out
    assert f"[  ok] MFA devices: enabled: {lister.serial}" in out
    assert "[FAIL]" not in out and lister.secret not in out


def test_problems_are_named(home: Home, lister: MfaUser) -> None:
    """Overriding variables, stale token, wrong serial and dead endpoint are each reported."""
    with open(home.credentials, "a") as fh:
        fh.write("[old]\naws_access_key_id = AKIAOLD\naws_secret_access_key = x\n"
                 "aws_session_token = new\naws_security_token = stale\n")
    wrong = lister.serial.replace(lister.name, "someone-else")
    result = home.mfa("doctor", "--profile", "lister", "--s3-endpoint", "http://127.0.0.1:9",
                      check=False, env={"AWS_ACCESS_KEY_ID": "AKIAENV",
                                        "AWS_ENDPOINT_URL_STS": home.server.endpoint})
    home.set("lister", mfa_serial=wrong)
    out = result.stdout
    assert result.returncode == 1
    assert "[warn] $AWS_ACCESS_KEY_ID: (set) takes precedence over every profile's keys" in out
    assert f"[warn] $AWS_ENDPOINT_URL_STS: {home.server.endpoint} overrides" in out
    assert "[warn] profile old: stale aws_security_token" in out
    assert "[FAIL] s3 endpoint: cannot reach http://127.0.0.1:9 (" in out
    assert "set by --s3-endpoint)" in out

    again = home.mfa("doctor", "--profile", "lister", check=False).stdout
    assert f"[FAIL] mfa_serial: {wrong} is not an enabled device of the user" in again


def test_missing_serial_and_no_permission_to_list(home: Home, user: MfaUser) -> None:
    """No mfa_serial is a warning; a user who may not list devices is told why."""
    home.configure("plain", user, endpoint_url=home.server.endpoint)
    out = home.mfa("doctor", "--profile", "plain").stdout
    assert "[warn] mfa_serial: profile plain has none; set it: aws configure set " \
           "mfa_serial ARN --profile plain" in out
    assert "[warn] MFA devices: cannot list them" in out
    assert "iam:ListMFADevices" in out


def test_clock_offset(home: Home, lister: MfaUser) -> None:
    """A clock two minutes slow is a failure: TOTP codes would be refused."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.fail("libfaketime is missing: scripts/test installs the Debian package faketime")
    result = home.mfa("doctor", "--profile", "lister", check=False,
                      env={"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "-2m"})
    assert result.returncode == 1, result.stdout
    clock = [line for line in result.stdout.splitlines() if " clock: " in line]
    assert clock and clock[0].startswith("[FAIL] clock: this machine is 1"), result.stdout
    assert re.search(r"is 1(1\d|2\d) s behind the service: TOTP codes will be refused",
                     clock[0]), clock


def test_missing_profile(home: Home) -> None:
    """A profile that does not exist is a failure with the command that creates it."""
    result = home.mfa("doctor", "--profile", "ghost", check=False)
    assert result.returncode == 1
    assert "karashi mfa configure --profile ghost" in result.stdout
