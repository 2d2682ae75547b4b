"""MFA codes: their shape, where they come from, and never sending one twice."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest
from conftest import client
from e2e.helpers import MfaUser

from karashi.mfa.codes import check_code
from karashi.mfa.errors import UsageError
from karashi.mfa.login import LoginRequest, login
from karashi.mfa.runtime import Runtime
from mfa.support import Home


class FakeClock:
    """Starts at the real time; ``sleep`` moves it on instead of waiting."""

    def __init__(self) -> None:
        self.now = time.time()
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Recorder:
    """A terminal that records what it is told and cannot be asked anything."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, message: str) -> None:
        self.said.append(message)

    def can_ask(self) -> bool:
        return False

    def ask(self, prompt: str, *, secret: bool = False, default: str | None = None) -> str:
        raise AssertionError("nothing should be asked")


class Authenticator:
    """A code source reading an authenticator app at the fake clock's time."""

    renewable = True
    name = "the authenticator"

    def __init__(self, seed: str, now: Callable[[], float]) -> None:
        self._totp, self._now = pyotp.TOTP(seed), now
        self.shown: list[str] = []

    def read(self, serial: str) -> str:
        self.shown.append(self._totp.at(self._now()))
        return self.shown[-1]


@pytest.mark.parametrize("code", ["123456", " 123 456 ", "000000"])
def test_six_digits_accepted(code: str) -> None:
    """Six ASCII digits are a code; the space apps show in the middle is dropped."""
    assert check_code(code) == code.replace(" ", "")


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "12-456"])
def test_other_shapes_refused(code: str) -> None:
    """Anything but six ASCII digits is refused before it is sent."""
    with pytest.raises(UsageError, match="must be six digits"):
        check_code(code)


def test_same_code_waits_for_the_next_step(home: Home, demo: MfaUser,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeated code is not resent: the helper says so and waits for the next step."""
    monkeypatch.setenv("HOME", str(home.path))
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    clock, terminal = FakeClock(), Recorder()
    runtime = Runtime(environ=dict(os.environ), clock=clock, terminal=terminal)
    app = Authenticator(demo.seed, clock.time)

    first = login(LoginRequest("mfa-demo", source=app), runtime)
    second = login(LoginRequest("mfa-demo", source=app), runtime)

    assert app.shown[0] == app.shown[1] != app.shown[2]
    assert len(clock.slept) == 1 and 0 < clock.slept[0] <= 31
    assert any("already used" in line and "waiting" in line for line in terminal.said)
    assert first.credentials.access_key_id != second.credentials.access_key_id
    session = second.credentials
    s3 = client(home.server, "s3", session.access_key_id, session.secret_access_key,
                session.session_token)
    s3.list_buckets()


def test_given_code_is_not_sent_twice(home: Home, demo: MfaUser) -> None:
    """The same --token-code twice: the second run sends nothing and says when to retry."""
    code = demo.code(0)
    home.mfa("login", "--profile", "mfa-demo", "--token-code", code)
    before = home.files()
    again = home.mfa("login", "--profile", "mfa-demo", "--token-code", code, check=False)
    assert again.returncode == 1
    assert "was already sent at" in again.stderr and "Wait " in again.stderr
    assert "for the next code and run again with it" in again.stderr
    assert home.files() == before


def test_failing_mfa_process(home: Home, demo: MfaUser) -> None:
    """An mfa_process that fails, or prints no code, is reported in one line."""
    broken = home.script("broken.py", "import sys\nsys.exit(3)\n")
    chatty = home.script("chatty.py", "print('touch your key')\n")
    for script, message in ((broken, "failed with exit status 3"),
                            (chatty, "the MFA code from mfa_process must be six digits")):
        result = home.mfa("login", "--profile", "mfa-demo", check=False,
                          env={"AWS_CONFIG_FILE": str(_with_process(home, script))})
        assert result.returncode != 0 and message in result.stderr
        assert len(result.stderr.splitlines()) == 1


def _with_process(home: Home, script: Path) -> Path:
    config = home.path / f"config-{script.stem}"
    config.write_text(home.config.read_text() + f"mfa_process = {script}\n")
    return config
