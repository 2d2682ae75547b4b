"""Bad input to ``karashi mfa login``: one clear line, a non-zero exit, files unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from e2e.helpers import MfaUser

from mfa.support import Home, wrong_code

Case = Callable[[Home, MfaUser], list[str]]


def _missing_profile(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "nobody", "--token-code", user.code(0)]


def _short_code(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "mfa-demo", "--token-code", "12345"]


def _letters(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "mfa-demo", "--token-code", "12a456"]


def _unknown_serial(home: Home, user: MfaUser) -> list[str]:
    serial = user.serial.replace(user.name, "no-such-device")
    return ["--profile", "mfa-demo", "--serial-number", serial, "--token-code", user.code(0)]


def _refused_code(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "mfa-demo", "--token-code", wrong_code(user)]


def _unreachable(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "mfa-demo", "--token-code", user.code(0),
            "--sts-endpoint", "http://127.0.0.1:9"]


def _bad_url(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "mfa-demo", "--token-code", user.code(0), "--endpoint-url", "sts.x"]


def _malformed(home: Home, user: MfaUser) -> list[str]:
    with open(home.credentials, "a") as fh:
        fh.write("this line is not ini\n")
    return ["--profile", "mfa-demo", "--token-code", user.code(0)]


def _duplicate(home: Home, user: MfaUser) -> list[str]:
    with open(home.config, "a") as fh:
        fh.write("[profile mfa-demo]\nregion = eu-west-1\n")
    return ["--profile", "mfa-demo", "--token-code", user.code(0)]


def _not_utf8(home: Home, user: MfaUser) -> list[str]:
    with open(home.credentials, "ab") as fh:
        fh.write(b"# caf\xe9\n")
    return ["--profile", "mfa-demo", "--token-code", user.code(0)]


def _unreadable(home: Home, user: MfaUser) -> list[str]:
    home.config.unlink()
    home.config.mkdir()  # root reads any file, so "unreadable" is a folder here
    return ["--profile", "mfa-demo", "--token-code", user.code(0)]


def _no_keys(home: Home, user: MfaUser) -> list[str]:
    with open(home.config, "a") as fh:
        fh.write("[profile keyless]\nregion = us-east-1\n")
    return ["--profile", "keyless", "--token-code", user.code(0)]


def _duration(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "mfa-demo", "--token-code", user.code(0), "--duration-seconds", "60"]


def _no_terminal(home: Home, user: MfaUser) -> list[str]:
    return ["--profile", "mfa-demo"]


CASES: list[tuple[Case, int, str]] = [
    (_missing_profile, 1, ("profile nobody is in neither ~/.aws/credentials nor ~/.aws/config. "
                          "Create it: karashi mfa configure --profile nobody.")),
    (_short_code, 2, "the MFA code from --token-code must be six digits, not 5 characters"),
    (_letters, 2, "must be six digits, not characters other than digits"),
    (_unknown_serial, 1, ("is not an enabled device of the user of profile mfa-demo. Check "
                         "--serial-number or mfa_serial")),
    (_refused_code, 1, "the MFA code was refused: it is wrong, expired or already used"),
    (_unreachable, 1, ("cannot reach the STS endpoint http://127.0.0.1:9 (connection failed; "
                      "set by --sts-endpoint)")),
    (_bad_url, 2, "--endpoint-url is not an endpoint URL: 'sts.x'"),
    (_malformed, 1, ("~/.aws/credentials is malformed: line 4 is neither a [section] nor a "
                    "key = value line")),
    (_duplicate, 1, ("~/.aws/config is malformed: line 5: section [profile mfa-demo] appears "
                    "twice")),
    (_not_utf8, 1, "~/.aws/credentials is not UTF-8 text (byte "),
    (_unreadable, 1, "cannot read ~/.aws/config: Is a directory"),
    (_no_keys, 1, "profile keyless has no aws_access_key_id and aws_secret_access_key"),
    (_duration, 2, "the session duration must be 900 to 129600 seconds, not 60"),
    (_no_terminal, 1, ("no MFA code: there is no terminal to ask for one. Give --token-code, "
                      "or set mfa_process in the profile.")),
]


@pytest.mark.parametrize(("case", "status", "message"), CASES,
                         ids=[case.__name__.strip("_") for case, _, _ in CASES])
def test_bad_input(home: Home, user: MfaUser, case: Case, status: int, message: str) -> None:
    """Each mistake: one actionable line, a non-zero exit, files unchanged."""
    home.configure("mfa-demo", user, endpoint_url=home.server.endpoint, mfa_serial=user.serial)
    args = case(home, user)
    before = _snapshot(home)
    result = home.mfa("login", *args, check=False)
    assert result.returncode == status, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("karashi mfa: "), result.stderr
    assert message in lines[0]
    assert user.secret not in result.stderr
    assert _snapshot(home) == before


def _snapshot(home: Home) -> dict[str, bytes]:
    folder = home.credentials.parent
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".karashi")}
