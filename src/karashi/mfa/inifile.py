"""The AWS shared files on disk: read with exact round-trips, written atomically, locked.

``configupdater`` keeps every comment, blank line and untouched profile byte for byte,
which ``configparser`` would not. A write goes to a temporary file in the same folder
(mode 0600), is flushed to disk and renamed over the original, so a reader never sees
half a file; one lock file serialises writers of this helper.
"""

from __future__ import annotations

import configparser
import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from configupdater import ConfigUpdater

from karashi.mfa.errors import MfaError

LOCK_NAME = ".karashi-mfa.lock"


def shown(path: Path) -> str:
    """The path as the person knows it: ``~/.aws/credentials`` rather than its full form."""
    home = os.environ.get("HOME")
    if home and path.is_relative_to(home):
        return "~/" + str(path.relative_to(home))
    return str(path)


def read_text(path: Path) -> str:
    """The file's text ('' when it does not exist), or an error saying what to do."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise MfaError(f"cannot read {shown(path)}: {exc.strerror}",
                       "make it a readable file you own (mode 600); nothing was changed"
                       ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MfaError(f"{shown(path)} is not UTF-8 text (byte {exc.start})",
                       "fix or move the file; nothing was changed") from None


def parse(path: Path, text: str) -> ConfigUpdater:
    """The file parsed for editing, or one line naming the line that is wrong."""
    updater = ConfigUpdater()
    try:
        updater.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise MfaError(f"{shown(path)} is malformed: {_describe(exc)}",
                       "fix that line (it is an INI file of [sections] and key = value "
                       "lines); nothing was changed") from None
    return updater


def _describe(exc: configparser.Error) -> str:
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno} comes before any [section] header"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"line {exc.lineno}: section [{exc.section}] appears twice"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"line {exc.lineno}: '{exc.option}' appears twice in [{exc.section}]"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        lineno, _ = exc.errors[0]
        return f"line {lineno} is neither a [section] nor a key = value line"
    return str(exc).splitlines()[0]


def write_atomic(path: Path, text: str) -> None:
    """Replace the file's content all at once, mode 0600, following a symlinked dotfile."""
    target = path.resolve()
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk too.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the helper's lock on the folder of the AWS files while editing them."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
