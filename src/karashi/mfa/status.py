"""``karashi mfa status``: each temporary profile, whose it is, and the time it has left.

The exit status is meant for shell prompts and cron: 0 while every session shown is
valid, 10 when one ends within the warning window, 11 when one has ended or is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from karashi.mfa.clock import duration, local_time, rfc3339
from karashi.mfa.errors import MfaError
from karashi.mfa.profiles import EXPIRATION, MARKER, Profiles
from karashi.mfa.session import TemporaryProfile

VALID, EXPIRING, EXPIRED = 0, 10, 11
STATES = {VALID: "valid", EXPIRING: "expiring", EXPIRED: "expired"}
WARNING_MINUTES = 15


@dataclass(frozen=True)
class Entry:
    profile: str
    source: str | None
    identity: str | None
    expiration: datetime | None
    seconds_left: float | None
    code: int

    @property
    def state(self) -> str:
        return "missing" if self.expiration is None else STATES[self.code]


def is_temporary(profiles: Profiles, name: str) -> bool:
    values = profiles.in_credentials(name)
    return MARKER in values or (EXPIRATION in values and "aws_session_token" in values)


def temporaries_of(profiles: Profiles, name: str) -> list[str]:
    """The temporary profiles made from ``name``; ``name`` itself if it is one."""
    if is_temporary(profiles, name):
        return [name]
    made = [t for t in profiles.temporaries() if profiles.in_credentials(t)[MARKER] == name]
    made.sort(key=lambda t: t != f"{name}-temporary")
    return made


def find_temporary(profiles: Profiles, name: str) -> TemporaryProfile:
    """The temporary profile ``name`` names (itself, or the one made from it)."""
    found = temporaries_of(profiles, name)
    if not found:
        hint = (f"run: karashi mfa login --profile {name}" if profiles.exists(name)
                else f"no profile {name} exists; karashi mfa status lists the sessions")
        raise MfaError(f"profile {name} has no session credentials", hint,
                       exit_code=EXPIRED)
    return TemporaryProfile.read(found[0], profiles.in_credentials(found[0]))


def _entry(profiles: Profiles, name: str, now: float, warning: float) -> Entry:
    temporary = TemporaryProfile.read(name, profiles.in_credentials(name))
    creds = temporary.credentials
    if creds is None:
        return Entry(name, temporary.source, temporary.identity, None, None, EXPIRED)
    left = creds.seconds_left(now)
    code = EXPIRED if left <= 0 else EXPIRING if left <= warning else VALID
    return Entry(name, temporary.source, temporary.identity, creds.expiration, left, code)


def collect(profiles: Profiles, name: str | None, now: float,
            warning_minutes: float = WARNING_MINUTES) -> list[Entry]:
    """The sessions for one profile (long-term or temporary), or for every profile."""
    warning = warning_minutes * 60
    if name is None:
        names = [n for n in profiles.names() if is_temporary(profiles, n)]
        return [_entry(profiles, n, now, warning) for n in names]
    names = temporaries_of(profiles, name)
    if not names:
        source = name if profiles.exists(name) else None
        return [Entry(f"{name}-temporary" if source else name, source, None, None, None,
                      EXPIRED)]
    return [_entry(profiles, n, now, warning) for n in names]


def exit_code(entries: list[Entry]) -> int:
    return max((entry.code for entry in entries), default=EXPIRED)


def render_text(entries: list[Entry]) -> str:
    if not entries:
        return "No temporary profiles. Make one: karashi mfa login --profile PROFILE"
    lines = []
    for entry in entries:
        who = entry.identity or "unknown identity"
        origin = f" from {entry.source}" if entry.source else ""
        if entry.expiration is None or entry.seconds_left is None:
            when = "no session: run karashi mfa login" + (
                f" --profile {entry.source}" if entry.source else "")
        elif entry.seconds_left <= 0:
            when = f"ended {local_time(entry.expiration)}"
        else:
            when = (f"ends {local_time(entry.expiration)}, "
                    f"in {duration(entry.seconds_left)}")
        lines.append(f"{entry.profile}: {entry.state} ({who}{origin}); {when}")
    return "\n".join(lines)


def render_json(entries: list[Entry]) -> str:
    return json.dumps([{
        "profile": e.profile, "source": e.source, "identity": e.identity,
        "state": e.state, "expiration": rfc3339(e.expiration) if e.expiration else None,
        "seconds_left": int(e.seconds_left) if e.seconds_left is not None else None,
    } for e in entries], indent=2)
