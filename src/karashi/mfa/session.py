"""Session credentials: what GetSessionToken returns and a temporary profile holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from karashi.mfa.clock import parse_rfc3339, rfc3339
from karashi.mfa.errors import MfaError
from karashi.mfa.profiles import EXPIRATION, IDENTITY, MARKER


@dataclass(frozen=True)
class SessionCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def __repr__(self) -> str:
        return (f"SessionCredentials(access_key_id={self.access_key_id!r}, "
                f"expiration={rfc3339(self.expiration)!r}, secret=<redacted>)")

    def seconds_left(self, now: float) -> float:
        return self.expiration.timestamp() - now

    def process_output(self) -> str:
        """The JSON ``credential_process`` must print: ``Version`` is the integer 1 and
        ``Expiration`` an ISO 8601 timestamp with a zone ("Sourcing credentials with an
        external process", AWS CLI User Guide)."""
        return json.dumps({"Version": 1, "AccessKeyId": self.access_key_id,
                           "SecretAccessKey": self.secret_access_key,
                           "SessionToken": self.session_token,
                           "Expiration": rfc3339(self.expiration)}, indent=2)


@dataclass(frozen=True)
class TemporaryProfile:
    """A profile this helper wrote, as found in the credentials file."""

    name: str
    source: str | None
    identity: str | None
    credentials: SessionCredentials | None  # None when the file lacks a part

    @classmethod
    def read(cls, name: str, values: dict[str, str]) -> TemporaryProfile:
        parts = [values.get(key) for key in ("aws_access_key_id", "aws_secret_access_key",
                                             "aws_session_token", EXPIRATION)]
        credentials = None
        if all(parts):
            key, secret, token, stamp = (str(part) for part in parts)
            try:
                credentials = SessionCredentials(key, secret, token, parse_rfc3339(stamp))
            except ValueError:
                credentials = None
        return cls(name, values.get(MARKER), values.get(IDENTITY), credentials)

    def require(self) -> SessionCredentials:
        if self.credentials is None:
            raise MfaError(f"profile {self.name} has no complete session credentials",
                           f"run: karashi mfa login --profile {self.source or 'SOURCE'}")
        return self.credentials
