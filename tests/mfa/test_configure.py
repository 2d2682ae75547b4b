"""``karashi mfa configure``: the wizard, driven through a pseudo-terminal."""

from __future__ import annotations

import io
import re

import pexpect
from e2e.helpers import MfaUser

from karashi.mfa.endpoints import wasabi
from mfa.support import KARASHI_MFA, Home, make_mfa_user
from mfa.test_doctor import LISTING


def test_wizard_writes_a_working_profile(home: Home) -> None:
    """The wizard hides the secret, offers the listed MFA device and writes a usable profile."""
    user = make_mfa_user(home.server, LISTING)
    endpoint = home.server.endpoint
    child = home.spawn(*KARASHI_MFA, "configure", "--profile", "newbie")
    child.logfile_read = seen = io.StringIO()
    child.expect_exact("Access key ID: ")
    child.sendline(user.key)
    child.expect_exact("Secret access key (hidden): ")
    child.sendline(user.secret)
    child.expect_exact("Region [us-east-1]: ")
    child.sendline("")
    child.expect_exact("S3 endpoint URL (empty for AWS): ")
    child.sendline(endpoint)
    child.expect_exact(f"STS endpoint URL [{endpoint}]: ")
    child.sendline("")
    child.expect_exact(f"IAM endpoint URL [{endpoint}]: ")
    child.sendline("")
    child.expect_exact(f"The key belongs to {user.arn}.")
    child.expect_exact(f"MFA device ARN (mfa_serial; empty for none) [{user.serial}]: ")
    child.sendline("")
    child.expect_exact("Saved profile newbie. Next: karashi mfa login --profile newbie")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert user.secret not in seen.getvalue()

    assert f"[newbie]\naws_access_key_id = {user.key}\n" in home.credentials.read_text()
    assert home.config.read_text() == (f"[profile newbie]\nregion = us-east-1\n"
                                       f"mfa_serial = {user.serial}\n"
                                       f"endpoint_url = {endpoint}\n")
    home.mfa("login", "--profile", "newbie", "--token-code", user.code(0))
    home.aws("s3", "ls", "--profile", "newbie-temporary")


def test_separate_endpoints_from_flags(home: Home, user: MfaUser) -> None:
    """Endpoints given per service become a services section, which login passes on."""
    port = home.server.port
    child = home.spawn(*KARASHI_MFA, "configure", "--profile", "split", "--access-key-id",
                       user.key, "--region", "us-east-1", "--serial-number", user.serial,
                       "--sts-endpoint", f"http://localhost:{port}",
                       "--iam-endpoint", f"http://localhost:{port}",
                       "--s3-endpoint", f"http://127.0.0.1:{port}")
    child.expect_exact("Secret access key (hidden): ")
    child.sendline(user.secret)
    child.expect_exact("Saved profile split.")
    child.expect(pexpect.EOF)
    assert re.search(r"\[services split\]\nsts =\n  endpoint_url = http://localhost:\d+\n",
                     home.config.read_text())
    home.mfa("login", "--profile", "split", "--token-code", user.code(0))
    home.aws("s3", "ls", "--profile", "split-temporary")


def test_refused_key_writes_nothing(home: Home, user: MfaUser) -> None:
    """A secret the service refuses is reported in one line and nothing is written."""
    child = home.spawn(*KARASHI_MFA, "configure", "--profile", "typo", "--access-key-id",
                       user.key, "--region", "us-east-1", "--endpoint-url", home.server.endpoint)
    child.expect_exact("Secret access key (hidden): ")
    child.sendline("not-the-secret")
    child.expect_exact("karashi mfa: the access key of profile typo was refused "
                       "(SignatureDoesNotMatch).")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert not home.credentials.exists() and not home.config.exists()


def test_wasabi_endpoints() -> None:
    """--wasabi fills in Wasabi's endpoints: regional S3, global STS and IAM."""
    assert wasabi("eu-central-2") == {"s3": "https://s3.eu-central-2.wasabisys.com",
                                      "sts": "https://sts.wasabisys.com",
                                      "iam": "https://iam.wasabisys.com"}


def test_secret_from_stdin_without_a_terminal(home: Home) -> None:
    """With no terminal, --secret-access-key-stdin and options configure a working profile."""
    user = make_mfa_user(home.server, LISTING)
    out = home.mfa("configure", "--profile", "piped", "--access-key-id", user.key,
                   "--region", "us-east-1", "--endpoint-url", home.server.endpoint,
                   "--secret-access-key-stdin", stdin=user.secret + "\n")
    assert "Saved profile piped." in out.stdout and user.secret not in out.stdout + out.stderr
    assert f"mfa_serial = {user.serial}\n" in home.config.read_text()
    home.mfa("login", "--profile", "piped", "--token-code", user.code(0))


def test_no_terminal_names_the_stdin_option(home: Home, user: MfaUser) -> None:
    """Without a terminal and without the secret, the error names --secret-access-key-stdin."""
    result = home.mfa("configure", "--profile", "piped", "--access-key-id", user.key,
                      "--region", "us-east-1", "--endpoint-url", home.server.endpoint,
                      check=False)
    assert result.returncode == 1
    assert "--secret-access-key-stdin" in result.stderr
    assert not home.credentials.exists() and not home.config.exists()


def test_unreachable_endpoint_still_saves(home: Home, user: MfaUser) -> None:
    """An endpoint that cannot be reached saves the profile and says how to set mfa_serial."""
    result = home.mfa("configure", "--profile", "offline", "--access-key-id", user.key,
                      "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9",
                      "--secret-access-key-stdin", stdin=user.secret + "\n")
    assert "Saved profile offline." in result.stdout
    assert "cannot reach the STS endpoint http://127.0.0.1:9" in result.stderr
    assert "mfa_serial could not be looked up" in result.stderr
    assert "aws configure set mfa_serial ARN --profile offline" in result.stderr
    assert f"[offline]\naws_access_key_id = {user.key}\n" in home.credentials.read_text()
    assert home.config.read_text() == ("[profile offline]\nregion = us-east-1\n"
                                       "endpoint_url = http://127.0.0.1:9\n")
