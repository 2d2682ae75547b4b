"""Who is calling: an access key id (and session token) resolved to a principal."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Row, Select, Table, select

from karashi.identity import ids
from karashi.identity.errors import ExpiredToken, InvalidAccessKeyId, InvalidToken
from karashi.identity.users import User
from karashi.store import Store, as_utc
from karashi.store.schema import access_keys, sessions, users


@dataclass(frozen=True)
class Session:
    """What a session key carries beyond its principal."""

    expires_at: datetime
    mfa_at: datetime | None
    mfa_serial: str | None


@dataclass(frozen=True)
class Caller:
    """An authenticated principal: an account's root user or an IAM user."""

    account_id: str
    user: User | None
    access_key_id: str
    secret_access_key: str
    session: Session | None = None

    def __repr__(self) -> str:
        return (f"Caller(arn={self.arn!r}, access_key_id={self.access_key_id!r}, "
                f"session={self.session is not None})")

    @property
    def is_root(self) -> bool:
        return self.user is None

    @property
    def arn(self) -> str:
        return ids.root_arn(self.account_id) if self.user is None else self.user.arn

    @property
    def user_id(self) -> str:
        """aws:userid: the user's unique id, or the account id for its root user."""
        return self.account_id if self.user is None else self.user.id

    @property
    def mfa_authenticated(self) -> bool:
        return self.session is not None and self.session.mfa_at is not None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unknown(key_id: str) -> InvalidAccessKeyId:
    return InvalidAccessKeyId("The AWS Access Key Id you provided does not exist in our "
                              "records.", AWSAccessKeyId=key_id)


def _with_user(table: Table, key_column: Column[str], key_id: str) -> Select[Any]:
    """The credential row and its user's columns, in one query."""
    return (select(table, users.c.name.label("user_name"), users.c.path.label("user_path"),
                   users.c.created_at.label("user_created"))
            .outerjoin(users, users.c.id == table.c.user_id).where(key_column == key_id))


def _user(row: Row[Any], key_id: str) -> User | None:
    """The row's user; None for a root credential. A user deleted since the credential
    was issued makes the credential unknown."""
    if row.user_id is None:
        return None
    if row.user_name is None:
        raise _unknown(key_id)
    return User(row.user_id, row.account_id, row.user_name, row.user_path,
                as_utc(row.user_created))


def resolve_caller(store: Store, key_id: str, token: str | None) -> Caller:
    """The caller behind ``key_id``, or the error AWS gives for that credential."""
    with store.engine.connect() as conn:
        if key_id.startswith("ASIA"):
            row = conn.execute(_with_user(sessions, sessions.c.access_key_id, key_id)).first()
            if row is None or token is None:
                raise _unknown(key_id)
            if not hmac.compare_digest(token_hash(token), row.token_hash):
                raise InvalidToken("The provided token is malformed or otherwise invalid.")
            if as_utc(row.expires_at) <= store.now():
                raise ExpiredToken("The provided token has expired.")
            user = _user(row, key_id)
            secret = store.sealer.open(row.secret_sealed, key_id).decode()
            session = Session(as_utc(row.expires_at),
                              as_utc(row.mfa_at) if row.mfa_at else None, row.mfa_serial)
            return Caller(row.account_id, user, key_id, secret, session)

        row = conn.execute(_with_user(access_keys, access_keys.c.id, key_id)).first()
        if row is None or row.status != "Active":
            raise _unknown(key_id)
        if token is not None:
            raise InvalidToken("The provided token is malformed or otherwise invalid.")
        user = _user(row, key_id)
        secret = store.sealer.open(row.secret_sealed, key_id).decode()
        return Caller(row.account_id, user, key_id, secret)
