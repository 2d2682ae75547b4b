"""Talking to the person at the terminal: messages, and questions asked on ``/dev/tty``.

Questions go to the controlling terminal, never to stdout, because stdout may be the
data channel: the AWS CLI reads ``credential_process`` output from it and captures
stderr too ("Sourcing credentials with an external process", AWS CLI User Guide).
"""

from __future__ import annotations

import io
import os
import sys
from typing import Protocol, TextIO

from karashi.mfa.errors import MfaError


class Terminal(Protocol):
    def say(self, message: str) -> None:
        """Tell the person something (progress, warnings)."""

    def can_ask(self) -> bool:
        """Whether a person can be asked a question."""

    def ask(self, prompt: str, *, secret: bool = False, default: str | None = None) -> str:
        """One answer, typed hidden when ``secret``; ``default`` for an empty answer."""


class TtyTerminal:
    """The controlling terminal. ``messages_to_tty`` sends messages there too, for
    commands whose stderr is captured by another program."""

    def __init__(self, messages_to_tty: bool = False) -> None:
        self._messages_to_tty = messages_to_tty
        self._tty: TextIO | None = None
        self._opened = False

    def _open(self) -> TextIO | None:
        if not self._opened:
            self._opened = True
            try:
                fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
            except OSError:
                return None
            self._tty = io.TextIOWrapper(io.FileIO(fd, "r+"), encoding="utf-8",
                                         line_buffering=True)
        return self._tty

    def say(self, message: str) -> None:
        tty = self._open() if self._messages_to_tty else None
        stream = tty or sys.stderr
        stream.write(message + "\n")
        stream.flush()

    def can_ask(self) -> bool:
        return self._open() is not None

    def ask(self, prompt: str, *, secret: bool = False, default: str | None = None) -> str:
        tty = self._open()
        if tty is None:
            raise MfaError("there is no terminal to ask on",
                           "run the command from a terminal, or give the value as an option")
        shown = f"{prompt} [{default}]: " if default and not secret else f"{prompt}: "
        tty.write(shown)
        tty.flush()
        line = _read_hidden(tty) if secret else tty.readline()
        if not line:
            raise MfaError("the terminal closed before an answer was typed")
        return line.rstrip("\r\n").strip() or (default or "")

    def close(self) -> None:
        if self._tty is not None:
            self._tty.close()
            self._tty = None


def _read_hidden(tty: TextIO) -> str:
    """A line read with echo off; the terminal's settings are restored whatever happens."""
    import termios

    fd = tty.fileno()
    saved = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
    try:
        line = tty.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        tty.write("\n")
        tty.flush()
    return line
