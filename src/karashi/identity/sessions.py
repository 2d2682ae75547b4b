"""STS sessions: temporary credentials, optionally backed by an MFA code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert

from karashi.identity import ids
from karashi.identity.caller import Caller, token_hash
from karashi.identity.errors import AccessDenied, ValidationError
from karashi.identity.mfa import check_code, serial_for, verify_code
from karashi.store import Store
from karashi.store.schema import sessions

MIN_DURATION = 900
MAX_DURATION = 129_600
DEFAULT_DURATION = 43_200
#: Sessions of an account's root user are cut to one hour, as AWS does.
ROOT_MAX_DURATION = 3_600


@dataclass(frozen=True)
class SessionCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime

    def __repr__(self) -> str:
        return (f"SessionCredentials(access_key_id={self.access_key_id!r}, "
                f"expiration={self.expiration.isoformat()!r}, secret=<redacted>)")


def check_duration(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_DURATION
    try:
        seconds = int(value)
    except ValueError:
        raise ValidationError(f"Value '{value}' at 'durationSeconds' failed to satisfy "
                              "constraint: Member must be an integer") from None
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        bound = ("greater than or equal to 900" if seconds < MIN_DURATION
                 else "less than or equal to 129600")
        raise ValidationError(f"1 validation error detected: Value '{seconds}' at "
                              f"'durationSeconds' failed to satisfy constraint: Member must "
                              f"have value {bound}")
    return seconds


def get_session_token(store: Store, caller: Caller, duration: str | None,
                      serial: str | None, code: str | None,
                      accept_user_arn: bool = True) -> SessionCredentials:
    """Issue session credentials for a caller using long-term keys."""
    if caller.session is not None:
        raise AccessDenied("Cannot call GetSessionToken with session credentials")
    seconds = check_duration(duration)
    if caller.is_root:
        seconds = min(seconds, ROOT_MAX_DURATION)
    if (serial is None) != (code is None):
        raise ValidationError("SerialNumber and TokenCode must be given together.")
    if code is not None:
        check_code("tokenCode", code)

    now = store.now()
    key_id, secret, token = ids.session_key_id(), ids.secret_access_key(), ids.session_token()
    expires = now + timedelta(seconds=seconds)
    with store.engine.begin() as conn:
        mfa_serial = None
        if serial is not None and code is not None:
            if caller.user is None:
                raise AccessDenied("MultiFactorAuthentication failed, unable to validate MFA "
                                   "code for the root user: Karashi assigns MFA devices to "
                                   "IAM users.")
            mfa_serial = serial_for(conn, caller.account_id, caller.user, serial,
                                    accept_user_arn)
            verify_code(store, conn, mfa_serial, code)
        conn.execute(delete(sessions).where(sessions.c.expires_at < now))
        conn.execute(insert(sessions).values(
            access_key_id=key_id, account_id=caller.account_id,
            user_id=caller.user.id if caller.user else None,
            secret_sealed=store.sealer.seal(secret.encode(), key_id),
            token_hash=token_hash(token), mfa_at=now if mfa_serial else None,
            mfa_serial=mfa_serial, expires_at=expires, created_at=now))
    return SessionCredentials(key_id, secret, token, expires)
