"""``karashi mfa env``: the session as environment variables, quoted for each shell."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from dotenv import dotenv_values
from e2e.awscli import AWS
from e2e.helpers import MfaUser

from karashi.mfa.errors import MfaError
from karashi.mfa.session import SessionCredentials
from karashi.mfa.shells import ALL_NAMES, detect, render, render_unset, session_variables
from mfa.support import Home

NASTY = "a'b\"c $HOME `id` \\n; echo pwned & | % ! ‘x’"
KARASHI = f"{sys.executable} -m karashi mfa"


def test_bash_eval_then_aws_without_profile(home: Home, demo: MfaUser) -> None:
    """eval of env in bash gives the AWS CLI the session; --unset clears it again."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0))
    script = (f'eval "$({KARASHI} env --profile mfa-demo --shell bash)"\n'
              f"{AWS} s3 ls >/dev/null && echo listed\n"
              'echo "expires $AWS_CREDENTIAL_EXPIRATION at $AWS_ENDPOINT_URL_S3"\n'
              f'eval "$({KARASHI} env --unset --shell bash)"\n'
              "env | grep '^AWS_' || echo cleared\n")
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                         env=home.env, cwd=home.path, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "listed"
    assert lines[1].startswith("expires 20") and lines[1].endswith(f"Z at {home.server.endpoint}")
    assert lines[2] == "cleared"


def test_expired_or_missing_session(home: Home, demo: MfaUser) -> None:
    """Without a session, env says how to get one and exits 11."""
    result = home.mfa("env", "--profile", "mfa-demo", "--shell", "bash", check=False)
    assert result.returncode == 11 and result.stdout == ""
    assert result.stderr.strip() == ("karashi mfa: profile mfa-demo has no session credentials."
                                     " Run: karashi mfa login --profile mfa-demo.")


@pytest.mark.parametrize("shell", ["bash", "dash"])
def test_posix_quoting_round_trips(shell: str) -> None:
    """Any value survives eval in bash and dash unchanged: nothing is expanded or run."""
    lines = render({"AWS_SESSION_TOKEN": NASTY, "AWS_REGION": "us-east-1"}, "bash")
    out = subprocess.run([shell, "-c", f'{lines}\nprintf "%s" "$AWS_SESSION_TOKEN"'],
                         capture_output=True, text=True, timeout=10, check=False)
    assert out.stdout == NASTY and "pwned" not in out.stderr


def test_quoting_of_other_shells() -> None:
    """fish, PowerShell and cmd each get their own quoting."""
    value = "it's a \\ test ‘q’"
    assert render({"X": value}, "fish") == "set -gx X 'it\\'s a \\\\ test ‘q’'"
    assert render({"X": value}, "powershell") == "$Env:X = 'it''s a \\ test ‘‘q’’'"
    assert render({"X": "a&b|c<d>^e f"}, "cmd") == 'set "X=a&b|c<d>^e f"'
    with pytest.raises(MfaError, match="cannot be written safely for cmd"):
        render({"X": "100%"}, "cmd")


def test_dotenv_and_json_parse_back() -> None:
    """dotenv output reads back with python-dotenv, json output with json."""
    variables = {"AWS_SESSION_TOKEN": "IQoJb3+/x==", "AWS_ENDPOINT_URL_S3": "http://h:9/",
                 "NOTE": "two words"}
    parsed = dotenv_values(stream=io.StringIO(render(variables, "dotenv")))
    assert parsed == variables
    assert json.loads(render(variables, "json")) == variables


def test_unset_lines() -> None:
    """--unset clears the legacy AWS_SECURITY_TOKEN and the endpoint variables too."""
    bash = render_unset(ALL_NAMES, "bash").splitlines()
    assert "unset AWS_SECURITY_TOKEN" in bash and "unset AWS_ENDPOINT_URL_STS" in bash
    assert render_unset(("A",), "fish") == "set -e A"
    assert render_unset(("A",), "cmd") == "set A="
    assert render_unset(("A",), "powershell") == "Remove-Item Env:A -ErrorAction SilentlyContinue"
    with pytest.raises(MfaError):
        render_unset(("A",), "json")


def test_variables_of_a_session() -> None:
    """The three credentials, the expiration in RFC 3339, the region and the endpoints."""
    from karashi.mfa.endpoints import Endpoint

    creds = SessionCredentials("ASIAX", "secret", "token",
                               datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))
    found = session_variables(creds, "eu-central-2", {
        "sts": Endpoint("sts", "https://sts.wasabisys.com", "x"),
        "s3": Endpoint("s3", "https://s3.eu-central-2.wasabisys.com", "x"),
        "iam": Endpoint("iam", None, "default")})
    assert found == {"AWS_ACCESS_KEY_ID": "ASIAX", "AWS_SECRET_ACCESS_KEY": "secret",
                     "AWS_SESSION_TOKEN": "token",
                     "AWS_CREDENTIAL_EXPIRATION": "2030-01-02T03:04:05Z",
                     "AWS_DEFAULT_REGION": "eu-central-2", "AWS_REGION": "eu-central-2",
                     "AWS_ENDPOINT_URL_STS": "https://sts.wasabisys.com",
                     "AWS_ENDPOINT_URL_S3": "https://s3.eu-central-2.wasabisys.com"}


@pytest.mark.parametrize(("parent", "shell_var", "expected"), [
    ("bash", "/bin/zsh", "bash"), ("fish", "/bin/bash", "fish"), ("pwsh", "", "powershell"),
    ("python3", "/usr/bin/zsh", "zsh"), ("-zsh", "", "zsh"), ("make", "", "bash")])
def test_shell_detection(parent: str, shell_var: str, expected: str) -> None:
    """The parent process names the shell; $SHELL is the fallback; POSIX syntax last."""
    assert detect({"SHELL": shell_var}, parent=parent) == expected
