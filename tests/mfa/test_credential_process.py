"""``credential_process = karashi mfa credential-process``, as botocore runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import botocore.session
import pexpect
import pytest
from conftest import client
from e2e.awscli import AWS
from e2e.helpers import MfaUser

from mfa.support import Home, code_printer

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def add_auto_profile(home: Home) -> None:
    """A profile whose credentials come from the helper, for the user's profile mfa-demo."""
    with open(home.config, "a") as fh:
        fh.write(f"\n[profile auto]\nregion = us-east-1\nendpoint_url = {home.server.endpoint}\n"
                 f"credential_process = {sys.executable} -m karashi mfa credential-process "
                 "--profile mfa-demo\n")


def test_aws_cli_uses_it_and_the_session_is_cached(home: Home, demo: MfaUser) -> None:
    """The AWS CLI gets a session through credential_process; the next call uses the cache."""
    printer = code_printer(home, demo)
    home.set("mfa-demo", mfa_process=str(printer))
    add_auto_profile(home)
    home.aws("s3", "mb", "s3://via-credential-process", "--profile", "auto")
    listing = home.aws("s3", "ls", "--profile", "auto").stdout
    assert "via-credential-process" in listing
    assert (home.path / "code.py.count").read_text() == "1"
    assert "[mfa-demo-temporary]" in home.credentials.read_text()


def test_output_is_what_botocore_requires(home: Home, demo: MfaUser,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Version is integer 1, Expiration RFC 3339; botocore loads it and S3 accepts it."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0))
    printed = home.mfa("credential-process", "--profile", "mfa-demo")
    document = json.loads(printed.stdout)
    assert document["Version"] == 1 and type(document["Version"]) is int
    assert RFC3339.fullmatch(document["Expiration"])
    assert set(document) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken",
                             "Expiration"}
    assert printed.stderr == ""

    add_auto_profile(home)
    monkeypatch.setenv("HOME", str(home.path))
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    creds = botocore.session.Session(profile="auto").get_credentials()
    assert creds.method == "custom-process"
    frozen = creds.get_frozen_credentials()
    assert frozen.access_key == document["AccessKeyId"]
    client(home.server, "s3", frozen.access_key, frozen.secret_key, frozen.token).list_buckets()


def test_short_session_is_renewed(home: Home, demo: MfaUser) -> None:
    """A cached session with 15 minutes or less left is not served: a new one is made."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
             "--duration-seconds", "900")
    old = home.credentials.read_text()
    printer = code_printer(home, demo, "next.py")
    # The next code: the current one was just used.
    printer.write_text(printer.read_text().replace("time.time()", "time.time() + 30"))
    home.set("mfa-demo", mfa_process=str(printer))
    printed = json.loads(home.mfa("credential-process", "--profile", "mfa-demo").stdout)
    assert printed["AccessKeyId"] not in old
    assert (home.path / "next.py.count").read_text() == "1"


def test_code_asked_on_the_terminal(home: Home, demo: MfaUser) -> None:
    """With no mfa_process the code is asked on /dev/tty while botocore reads stdout."""
    add_auto_profile(home)
    child = home.spawn(AWS, "sts", "get-caller-identity", "--profile", "auto",
                       "--output", "text")
    child.expect(f"MFA code for {re.escape(demo.serial)}: ")
    child.sendline(demo.code(0))
    child.expect(re.escape(demo.arn))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_failure_is_one_line(home: Home, demo: MfaUser) -> None:
    """Without a terminal or mfa_process it fails with one line, which the AWS CLI shows."""
    add_auto_profile(home)
    direct = home.mfa("credential-process", "--profile", "mfa-demo", check=False)
    assert direct.returncode == 1 and direct.stdout == ""
    assert direct.stderr == ("karashi mfa: no MFA code: there is no terminal to ask for one. "
                             "Give --token-code, or set mfa_process in the profile.\n")
    # A new session has no controlling terminal, even when pytest runs in one.
    through = subprocess.run([AWS, "s3", "ls", "--profile", "auto"], capture_output=True,
                             text=True, env=home.env, start_new_session=True, timeout=60,
                             check=False)
    assert through.returncode != 0
    assert "karashi mfa: no MFA code" in through.stderr
