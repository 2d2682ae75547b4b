"""``karashi mfa status``: exit 0, 10 and 11, checked against botocore using the profile.

The clock is the test's: libfaketime moves ``karashi mfa``, the AWS CLI and a second
server on the same data folder forward together (as tests/e2e/test_sessions.py does).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.helpers import MfaUser
from server import FAKETIME_LIB, Server, free_port

from mfa.support import Home


@pytest.fixture
def later(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[Server, Path]]:
    """A server on the same data whose clock offset is read from a file the test writes."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.fail("libfaketime is missing: scripts/test installs the Debian package faketime")
    offset = tmp_path / "offset"
    offset.write_text("+0\n")
    monkeypatch.setenv("LD_PRELOAD", FAKETIME_LIB)
    monkeypatch.setenv("FAKETIME_TIMESTAMP_FILE", str(offset))
    monkeypatch.setenv("FAKETIME_NO_CACHE", "1")
    srv = Server(server.data_dir, free_port()).start()
    monkeypatch.delenv("LD_PRELOAD")
    yield srv, offset
    srv.stop()


def test_exit_codes_match_what_botocore_does(home: Home, demo: MfaUser,
                                             later: tuple[Server, Path]) -> None:
    """Exit 0 and 10 while botocore's requests work, 11 once they fail with ExpiredToken."""
    srv, offset = later
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
             "--duration-seconds", "1800", "--endpoint-url", srv.endpoint)
    faked = {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": str(offset),
             "FAKETIME_NO_CACHE": "1"}

    now = home.mfa("status", "--profile", "mfa-demo", env=faked)
    assert now.stdout.startswith(f"mfa-demo-temporary: valid ({demo.arn} from mfa-demo); "
                                 "ends ")
    assert home.aws("s3", "ls", "--profile", "mfa-demo-temporary", env=faked).returncode == 0

    offset.write_text("+20m\n")
    soon = home.mfa("status", "--profile", "mfa-demo-temporary", check=False, env=faked)
    assert soon.returncode == 10, soon.stdout
    assert "expiring" in soon.stdout and " min" in soon.stdout
    assert home.aws("s3", "ls", "--profile", "mfa-demo-temporary", env=faked).returncode == 0

    offset.write_text("+31m\n")
    ended = home.mfa("status", check=False, env=faked)
    assert ended.returncode == 11 and "mfa-demo-temporary: expired" in ended.stdout
    denied = home.aws("s3", "ls", "--profile", "mfa-demo-temporary", env=faked, check=False)
    assert denied.returncode != 0 and "ExpiredToken" in denied.stderr


def test_json_and_warning_window(home: Home, demo: MfaUser) -> None:
    """--json lists each session; --warning-minutes sets when exit 10 starts."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
             "--duration-seconds", "3600")
    listed = home.mfa("status", "--json")
    [entry] = json.loads(listed.stdout)
    assert entry["profile"] == "mfa-demo-temporary" and entry["source"] == "mfa-demo"
    assert entry["identity"] == demo.arn and entry["state"] == "valid"
    assert entry["expiration"].endswith("Z") and 3500 < entry["seconds_left"] <= 3600
    wide = home.mfa("status", "--warning-minutes", "61", check=False)
    assert wide.returncode == 10


def test_missing_sessions(home: Home, demo: MfaUser) -> None:
    """No session, or no such profile, is exit 11 with a hint."""
    none = home.mfa("status", check=False)
    assert none.returncode == 11 and "karashi mfa login --profile" in none.stdout
    source = home.mfa("status", "--profile", "mfa-demo", check=False)
    assert source.returncode == 11
    assert source.stdout.strip() == ("mfa-demo-temporary: missing (unknown identity from "
                                     "mfa-demo); no session: run karashi mfa login --profile "
                                     "mfa-demo")
