"""``karashi mfa doctor``: endpoints, clock, environment, files, key and MFA devices."""

from __future__ import annotations

import os
import re

import pytest
from e2e.helpers import FORCE_MFA, MfaUser
from server import FAKETIME_LIB, Server

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


def test_denied_listing_is_a_permission_not_a_refused_code(home: Home, user: MfaUser) -> None:
    """An AccessDenied from ListMFADevices names the permission, never a refused MFA code."""
    home.configure("nolist", user, endpoint_url=home.server.endpoint, mfa_serial=user.serial)
    out = home.mfa("doctor", "--profile", "nolist").stdout
    line = next(li for li in out.splitlines() if " MFA devices: " in li)
    assert line.startswith("[warn] MFA devices: ")
    assert "not allowed to list MFA devices (iam:ListMFADevices)" in line
    assert "Ask an administrator, or set mfa_serial" in line
    assert "code" not in line.lower()


def test_root_caller_is_told_root_has_no_devices(home: Home) -> None:
    """Root's key gets "root has no MFA devices in Karashi", not a raw ValidationError."""
    root = home.server.root  # type: ignore[attr-defined]
    home.credentials.parent.mkdir(exist_ok=True)
    home.credentials.write_text(f"[root]\naws_access_key_id = {root['access_key_id']}\n"
                                f"aws_secret_access_key = {root['secret_access_key']}\n")
    home.config.write_text(f"[profile root]\nregion = us-east-1\n"
                           f"endpoint_url = {home.server.endpoint}\n")
    out = home.mfa("doctor", "--profile", "root", check=False).stdout
    line = next(li for li in out.splitlines() if " MFA devices: " in li)
    assert "the root user has no MFA devices in Karashi" in line
    assert "--user-name" in line
    assert "ValidationError" not in out and "code was refused" not in out


def test_untrusted_certificate_names_the_ca_bundle(home: Home, tls_server: Server) -> None:
    """A TLS endpoint whose CA is not trusted is a failure that names AWS_CA_BUNDLE."""
    user = make_mfa_user(tls_server, LISTING)
    home.configure("tls", user, endpoint_url=tls_server.endpoint, mfa_serial=user.serial)
    result = home.mfa("doctor", "--profile", "tls", check=False)
    sts = next(li for li in result.stdout.splitlines() if " sts endpoint: " in li)
    assert result.returncode == 1
    assert sts.startswith(f"[FAIL] sts endpoint: cannot reach {tls_server.endpoint} "
                          "(TLS certificate not trusted")
    assert "AWS_CA_BUNDLE" in sts and "ca_bundle in profile tls" in sts

    assert tls_server.tls is not None
    trusted = home.mfa("doctor", "--profile", "tls",
                       env={"AWS_CA_BUNDLE": str(tls_server.tls[0])})
    assert f"[  ok] MFA devices: enabled: {user.serial}" in trusted.stdout
