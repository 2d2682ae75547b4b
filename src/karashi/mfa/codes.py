"""TOTP codes: where they come from, their shape, and never sending one twice.

A service accepts each code once (AWS and Karashi refuse a reused code), so the helper
remembers the codes it sent, per MFA device, and when a source hands it the same code
again it waits for the authenticator's next 30-second step instead of sending it.
Only a digest of each code is kept, in a file of mode 0600.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Protocol

from karashi.mfa.clock import STEP_SECONDS, Clock
from karashi.mfa.errors import MfaError, UsageError
from karashi.mfa.inifile import write_atomic
from karashi.mfa.terminal import Terminal

_SIX_DIGITS = re.compile(r"[0-9]{6}")
#: A code for step s is accepted while the service's clock is within one step of s.
_REUSE_STEPS = 2
_ATTEMPTS = 3


def check_code(code: str, where: str = "--token-code") -> str:
    """Six ASCII digits (spaces, as apps show them, are dropped), checked before sending."""
    compact = "".join(code.split())
    if not _SIX_DIGITS.fullmatch(compact):
        shape = f"{len(compact)} characters" if compact.isdigit() or not compact else \
            "characters other than digits"
        raise UsageError(f"the MFA code from {where} must be six digits, not {shape}",
                         "give the code your authenticator app shows now")
    return compact


class CodeSource(Protocol):
    #: Whether asking again later gives a new code (a prompt or a command can).
    renewable: bool
    name: str

    def read(self, serial: str) -> str:
        """A code for the device, checked to be six digits."""


class GivenCode:
    """The code given with ``--token-code``."""

    renewable = False
    name = "--token-code"

    def __init__(self, code: str) -> None:
        self._code = check_code(code)

    def read(self, serial: str) -> str:
        return self._code


class ProcessCode:
    """The code printed by the profile's ``mfa_process`` command, such as a YubiKey OATH
    read-out (``ykman oath accounts code --single NAME``). The command is split like a
    shell would, run without a shell, and its last word is the code."""

    renewable = True
    name = "mfa_process"

    def __init__(self, command: str) -> None:
        self.command = command

    def read(self, serial: str) -> str:
        try:
            argv = shlex.split(self.command)
            done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=120,
                                  check=False)
        except (ValueError, IndexError):
            raise MfaError(f"mfa_process is not a command line: {self.command!r}",
                           "fix mfa_process in the profile") from None
        except FileNotFoundError:
            raise MfaError(f"mfa_process command not found: {argv[0]}",
                           "install it or fix mfa_process in the profile") from None
        except subprocess.TimeoutExpired:
            raise MfaError("mfa_process gave no code within 2 minutes") from None
        if done.returncode != 0:
            raise MfaError(f"mfa_process ({argv[0]}) failed with exit status {done.returncode}",
                           "run it by hand to see why")
        words = done.stdout.split()
        return check_code(words[-1] if words else "", "mfa_process")


class PromptCode:
    """A code typed, hidden, on the terminal; a mistyped one is asked again."""

    renewable = True
    name = "the terminal"

    def __init__(self, terminal: Terminal) -> None:
        self._terminal = terminal

    def read(self, serial: str) -> str:
        for attempt in range(_ATTEMPTS):
            typed = self._terminal.ask(f"MFA code for {serial}", secret=True)
            try:
                return check_code(typed, "the terminal")
            except UsageError as exc:
                if attempt == _ATTEMPTS - 1:
                    raise
                self._terminal.say(f"{exc.problem}; try again.")
        raise AssertionError("unreachable")


class UsedCodes:
    """Digests of the codes sent, per device, with the 30-second step they were sent in."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, float | str]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _digest(serial: str, code: str) -> str:
        return hashlib.sha256(f"{serial}\n{code}".encode()).hexdigest()[:32]

    def sent_at(self, serial: str, code: str, now: float) -> float | None:
        """When this code was sent, if it is still within its validity window."""
        entry = self._load().get(serial)
        if not entry or entry.get("digest") != self._digest(serial, code):
            return None
        at = float(entry.get("at", 0))
        if now // STEP_SECONDS - at // STEP_SECONDS > _REUSE_STEPS:
            return None
        return at

    def record(self, serial: str, code: str, now: float) -> None:
        data = self._load()
        data[serial] = {"digest": self._digest(serial, code), "at": now}
        write_atomic(self.path, json.dumps(data, indent=1) + "\n")


def obtain(source: CodeSource, serial: str, used: UsedCodes, clock: Clock,
           terminal: Terminal) -> str:
    """A code from ``source`` that was not sent before, waiting for the next step if the
    source repeats one."""
    for _ in range(_ATTEMPTS):
        code = source.read(serial)
        now = clock.time()
        sent = used.sent_at(serial, code, now)
        if sent is None:
            return code
        wait = max(0.0, (sent // STEP_SECONDS + 1) * STEP_SECONDS + 1 - now)
        when = datetime.fromtimestamp(sent).astimezone().strftime("%H:%M:%S")
        if not source.renewable:
            raise MfaError(f"the code from {source.name} was already sent at {when} and a "
                           "code is accepted only once",
                           f"wait {int(wait) + 1} s for the next code and run again with it")
        terminal.say(f"The code from {source.name} was already used at {when}; waiting "
                     f"{int(wait) + 1} s for the next one.")
        clock.sleep(wait)
    raise MfaError(f"{source.name} keeps giving a code that was already used",
                   "check that the authenticator's clock is right")
