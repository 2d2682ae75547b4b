"""``karashi mfa watch``: the article's closing tip as one command.

It checks the temporary profiles on an interval, warns before a session ends (a desktop
notification where there is a desktop, else the terminal), and with ``--refresh`` asks
for a new code (``mfa_process``, or the terminal) and renews the profile.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping

from karashi.mfa.clock import duration, local_time
from karashi.mfa.errors import MfaError
from karashi.mfa.login import LoginRequest, login
from karashi.mfa.runtime import Runtime
from karashi.mfa.status import EXPIRED, VALID, Entry, collect, exit_code
from karashi.mfa.terminal import Terminal


class Notifier:
    """Desktop notifications (notify-send, or osascript on macOS), else the terminal."""

    def __init__(self, environ: Mapping[str, str], terminal: Terminal) -> None:
        self._environ = environ
        self._terminal = terminal

    def _desktop(self) -> list[str] | None:
        path = self._environ.get("PATH")
        if sys.platform == "darwin" and shutil.which("osascript", path=path):
            return ["osascript", "-e"]
        graphical = any(self._environ.get(name) for name in (
            "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"))
        if graphical and shutil.which("notify-send", path=path):
            return ["notify-send", "--app-name=karashi mfa"]
        return None

    def notify(self, title: str, message: str) -> None:
        command = self._desktop()
        if command is not None:
            if command[0] == "osascript":
                script = f"display notification {_applescript(message)} with title " \
                         f"{_applescript(title)}"
                argv = [*command, script]
            else:
                argv = [*command, title, message]
            done = subprocess.run(argv, capture_output=True, check=False, timeout=10,
                                  env=dict(self._environ))
            if done.returncode == 0:
                return
        self._terminal.say(f"\a{title}: {message}")


def _applescript(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _message(entry: Entry) -> tuple[str, str]:
    renew = f"Renew: karashi mfa login --profile {entry.source or 'PROFILE'}"
    if entry.expiration is None or entry.seconds_left is None:
        return "AWS session missing", f"{entry.profile} has no session. {renew}"
    at = entry.expiration.astimezone().strftime("%H:%M")
    if entry.code == EXPIRED:
        return "AWS session ended", f"{entry.profile} ended at {at}. {renew}"
    return ("AWS session ending",
            f"{entry.profile} ends at {at} (in {duration(entry.seconds_left)}). {renew}")


def _refresh(entry: Entry, runtime: Runtime, notifier: Notifier) -> bool:
    """Renew the profile from its long-term profile; False (and a notice) if it cannot."""
    assert entry.source is not None
    try:
        result = login(LoginRequest(profile=entry.source, target=entry.profile), runtime)
    except MfaError as exc:
        notifier.notify("AWS session not renewed", f"{entry.profile}: {exc}")
        return False
    runtime.terminal.say(f"Renewed {entry.profile}; the session ends "
                         f"{local_time(result.credentials.expiration)}.")
    return True


def watch(runtime: Runtime, profile: str | None, *, warning_minutes: float = 15,
          interval: float = 60, refresh: bool = False, checks: int | None = None,
          notifier: Notifier | None = None) -> int:
    """Check every ``interval`` seconds (``checks`` times, or forever); returns the last
    check's ``status`` exit code."""
    notifier = notifier or Notifier(runtime.environ, runtime.terminal)
    warned: dict[str, int] = {}
    done = 0
    while True:
        entries = collect(runtime.profiles(), profile, runtime.clock.time(), warning_minutes)
        renewed = False
        for entry in entries:
            if entry.code == VALID:
                warned.pop(entry.profile, None)
                continue
            if refresh and entry.source and _refresh(entry, runtime, notifier):
                renewed = True
                continue
            if warned.get(entry.profile) != entry.code:
                notifier.notify(*_message(entry))
                warned[entry.profile] = entry.code
        if renewed:
            entries = collect(runtime.profiles(), profile, runtime.clock.time(),
                              warning_minutes)
        done += 1
        if checks is not None and done >= checks:
            return exit_code(entries)
        runtime.clock.sleep(interval)
