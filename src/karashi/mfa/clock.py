"""The helper's clock, injectable so tests can move time, and how times are shown."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

#: TOTP codes change every 30 seconds (RFC 6238, section 4: the default time step X).
STEP_SECONDS = 30


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch."""

    def sleep(self, seconds: float) -> None:
        """Wait; a test clock advances instead."""


class SystemClock:
    """The machine's clock."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def seconds_to_next_step(now: float) -> float:
    """How long until the authenticator shows a new code, plus a second of margin."""
    return STEP_SECONDS - (now % STEP_SECONDS) + 1.0


def rfc3339(moment: datetime) -> str:
    """UTC with a ``Z``: the form botocore parses for ``Expiration``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime:
    """A timestamp with a zone; a naive one is taken as UTC."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_time(moment: datetime) -> str:
    """The moment in the machine's local time zone, with the zone's name."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def duration(seconds: float) -> str:
    """A short human duration: ``11 h 59 min``, ``4 min 10 s``, ``12 s``."""
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if minutes < 10 else f"{minutes} min"
    return f"{secs} s"
