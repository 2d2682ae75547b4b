"""``karashi mfa login`` against a real Karashi, checked with the real AWS CLI."""

from __future__ import annotations

import re
import stat
from datetime import datetime
from zoneinfo import ZoneInfo

from e2e.helpers import FORCE_MFA, MfaUser
from server import Server

from mfa.support import Home, code_printer, make_mfa_user

CREDENTIALS = """# Written by hand. Keep this comment.
[default]
aws_access_key_id = AKIAEXAMPLEDEFAULT00
aws_secret_access_key = default/secret  ; not a comment to botocore

# The work account
[work]
aws_access_key_id=AKIAEXAMPLEWORK00000
aws_secret_access_key=work-secret
"""
CONFIG = """; config comment
[default]
region = eu-central-1
s3 =
    addressing_style = path

[profile work]
region = us-west-2   # trailing text
"""


def section(text: str, name: str) -> dict[str, str]:
    """The key = value lines of one [section]."""
    found, inside = {}, False
    for line in text.splitlines():
        if line.startswith("["):
            inside = line.strip() == f"[{name}]"
        elif inside and "=" in line:
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def test_article_steps_8_to_10(home: Home, user: MfaUser) -> None:
    """The article's steps 8-10 with login instead of copy-and-paste, end to end."""
    # 5: what aws configure --profile mfa-demo writes.
    home.configure("mfa-demo", user)
    (home.path / "report.txt").write_text("quarterly numbers\n")
    denied = home.cli.run("s3", "mb", "s3://mfa-login-article", "--profile", "mfa-demo",
                          check=False)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr

    # 7-8: "copy the ARN of this user" and a code from the app.
    out = home.mfa("login", "--profile", "mfa-demo", "--serial-number", user.arn,
                   "--token-code", user.code(0), "--endpoint-url", home.server.endpoint)

    # 9: the profile is written, the three values plus the expiration.
    written = section(home.credentials.read_text(), "mfa-demo-temporary")
    assert written["aws_access_key_id"].startswith("ASIA")
    assert {"aws_secret_access_key", "aws_session_token",
            "aws_credential_expiration"} <= set(written)
    assert stat.S_IMODE(home.credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.config.stat().st_mode) == 0o600
    ends = datetime.fromisoformat(written["aws_credential_expiration"])
    local = ends.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M:%S %Z")
    assert f"The session ends {local} (in 1" in out.stdout
    assert re.search(r"in 1[12] h \d+ min", out.stdout)
    assert user.arn in out.stdout and written["aws_secret_access_key"] not in out.stdout

    # 10: the same upload succeeds with the temporary profile, no --endpoint-url.
    home.aws("s3", "mb", "s3://mfa-login-article", "--profile", "mfa-demo-temporary")
    home.aws("s3", "cp", "report.txt", "s3://mfa-login-article/report.txt",
             "--profile", "mfa-demo-temporary")
    listing = home.aws("s3", "ls", "s3://mfa-login-article/", "--profile",
                       "mfa-demo-temporary").stdout
    assert "report.txt" in listing


def test_other_profiles_and_comments_kept_byte_for_byte(home: Home, demo: MfaUser) -> None:
    """Everything the helper does not own stays byte for byte, across two logins."""
    original_credentials = CREDENTIALS + home.credentials.read_text()
    original_config = CONFIG + home.config.read_text()
    home.credentials.write_text(original_credentials)
    home.config.write_text(original_config)

    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0))
    first_credentials, first_config = home.files()
    assert first_credentials.startswith(original_credentials.encode() + b"\n[mfa-demo-temporary]")
    assert first_config.startswith(original_config.encode() + b"\n[profile mfa-demo-temporary]")

    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(1))
    second_credentials, second_config = home.files()
    assert second_config == first_config
    head = first_credentials.split(b"[mfa-demo-temporary]")[0]
    assert second_credentials.startswith(head)
    assert second_credentials.count(b"aws_session_token") == 1
    assert section(second_credentials.decode(), "mfa-demo-temporary") != \
        section(first_credentials.decode(), "mfa-demo-temporary")
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")


def test_config_of_the_temporary_profile(home: Home, demo: MfaUser) -> None:
    """The temporary profile gets the source's region and endpoint, and the helper's mark."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0))
    config = section(home.config.read_text(), "profile mfa-demo-temporary")
    assert config == {"region": "us-east-1", "endpoint_url": home.server.endpoint,
                      "karashi_mfa_source": "mfa-demo"}
    identity = home.aws("sts", "get-caller-identity", "--profile", "mfa-demo-temporary",
                        "--output", "json").stdout
    assert demo.arn in identity


def test_stale_security_token_removed(home: Home, demo: MfaUser) -> None:
    """A stale aws_security_token in the profile is removed at the next login."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0))
    text = home.credentials.read_text().replace(
        "[mfa-demo-temporary]\n", "[mfa-demo-temporary]\naws_security_token = stale\n")
    home.credentials.write_text(text)
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(1))
    assert "aws_security_token" not in home.credentials.read_text()


def test_profile_written_by_hand_needs_force(home: Home, demo: MfaUser) -> None:
    """A target profile the helper did not write is left alone unless --force is given."""
    with open(home.credentials, "a") as fh:
        fh.write("\n[mfa-demo-temporary]\naws_access_key_id = ASIAHANDWRITTEN\n")
    before = home.files()
    refused = home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
                       check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "karashi mfa: profile mfa-demo-temporary exists and was not written by karashi mfa. "
        "Choose another name with --target-profile, or replace it with --force.")
    assert home.files() == before

    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0), "--force")
    assert "ASIAHANDWRITTEN" not in home.credentials.read_text()
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")


def test_target_profile_and_duration_from_the_profile(home: Home, demo: MfaUser) -> None:
    """--target-profile names the profile; duration_seconds sets the session length."""
    home.set("mfa-demo", duration_seconds="900")
    out = home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
                   "--target-profile", "short")
    assert "Wrote profile short" in out.stdout and re.search(r"in 1[45] min", out.stdout)
    home.aws("s3", "ls", "--profile", "short")


def test_mfa_process_gives_the_code(home: Home, demo: MfaUser) -> None:
    """With mfa_process in the profile (a YubiKey-style read-out), no code is typed."""
    printer = code_printer(home, demo)
    home.set("mfa-demo", mfa_process=str(printer))
    home.mfa("login", "--profile", "mfa-demo")
    assert (home.path / "code.py.count").read_text() == "1"
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")


def test_code_asked_hidden_on_the_terminal(home: Home, demo: MfaUser) -> None:
    """Without a code the helper asks hidden on the terminal, again after a bad one."""
    child = home.spawn(*_karashi(), "login", "--profile", "mfa-demo")
    child.expect(f"MFA code for {re.escape(demo.serial)}: ")
    child.sendline("12345")
    child.expect("must be six digits, not 5 characters; try again")
    child.expect("MFA code for")
    code = demo.code(0)
    child.sendline(code)
    child.expect("Wrote profile mfa-demo-temporary")
    child.expect(r"The session ends .* \(in 1[12] h")
    child.expect(pexpect_eof())
    assert code not in (child.before or "") and "12345" not in (child.before or "")
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")


def test_serial_looked_up_when_missing(home: Home, user: MfaUser) -> None:
    """With no mfa_serial and one device the user may list, that device is used."""
    from e2e.helpers import FORCE_MFA

    from mfa.support import make_mfa_user

    listing = dict(FORCE_MFA)
    listing["Statement"] = [*FORCE_MFA["Statement"],
                            {"Effect": "Allow", "Action": "iam:ListMFADevices",
                             "Resource": "*"}]
    lister = make_mfa_user(home.server, listing)
    home.configure("lister", lister, endpoint_url=home.server.endpoint)
    out = home.mfa("login", "--profile", "lister", "--token-code", lister.code(0))
    assert f"Using the MFA device {lister.serial}" in out.stderr

    home.configure("nolist", user, endpoint_url=home.server.endpoint)
    refused = home.mfa("login", "--profile", "nolist", "--token-code", user.code(0),
                       check=False)
    assert refused.returncode == 1 and "has no mfa_serial" in refused.stderr


def _karashi() -> list[str]:
    from mfa.support import KARASHI_MFA
    return KARASHI_MFA


def pexpect_eof() -> object:
    import pexpect
    return pexpect.EOF


def test_code_not_burnt_by_an_unreachable_endpoint(home: Home, demo: MfaUser) -> None:
    """A code whose request never reached a server can be sent again to the right one."""
    code = demo.code(0)
    failed = home.mfa("login", "--profile", "mfa-demo", "--token-code", code,
                      "--endpoint-url", "http://127.0.0.1:9", check=False)
    assert failed.returncode == 1 and "cannot reach the STS endpoint" in failed.stderr
    home.mfa("login", "--profile", "mfa-demo", "--token-code", code)
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")

    # A code the server did receive, and refused, stays spent.
    again = home.mfa("login", "--profile", "mfa-demo", "--token-code", code, check=False)
    assert again.returncode == 1 and "already sent" in again.stderr


def test_settings_added_to_the_temporary_profile_kept(home: Home, demo: MfaUser) -> None:
    """Settings the person added to the temporary profile's config survive the next login."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0))
    text = home.config.read_text().replace(
        "[profile mfa-demo-temporary]\n",
        "[profile mfa-demo-temporary]\ncli_pager =\ns3 =\n  multipart_threshold = 1GB\n")
    home.config.write_text(text)
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(1))
    config = home.config.read_text()
    assert section(config, "profile mfa-demo-temporary") == {
        "cli_pager": "", "s3": "", "multipart_threshold": "1GB", "region": "us-east-1",
        "endpoint_url": home.server.endpoint, "karashi_mfa_source": "mfa-demo"}
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")


def test_untrusted_certificate_names_the_ca_bundle(home: Home, tls_server: Server) -> None:
    """A TLS failure names AWS_CA_BUNDLE and ca_bundle, and does not spend the code."""
    user = make_mfa_user(tls_server, FORCE_MFA)
    home.configure("tls", user, endpoint_url=tls_server.endpoint, mfa_serial=user.serial)
    code = user.code(0)
    failed = home.mfa("login", "--profile", "tls", "--token-code", code, check=False)
    assert failed.returncode == 1
    assert "(TLS certificate not trusted;" in failed.stderr
    assert "AWS_CA_BUNDLE" in failed.stderr and "ca_bundle in profile tls" in failed.stderr
    assert tls_server.tls is not None
    home.mfa("login", "--profile", "tls", "--token-code", code,
             env={"AWS_CA_BUNDLE": str(tls_server.tls[0])})
