"""Accounts and their root users' access keys."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from karashi.identity import ids
from karashi.identity.errors import EntityAlreadyExists, ValidationError
from karashi.store import Store
from karashi.store.schema import access_keys, accounts

_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class NewAccount:
    account_id: str
    name: str
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return (f"NewAccount(account_id={self.account_id!r}, name={self.name!r}, "
                f"access_key_id={self.access_key_id!r}, secret_access_key=<redacted>)")


def create_account(store: Store, name: str) -> NewAccount:
    """Create an account and one access key for its root user, in one transaction."""
    if not _ACCOUNT_NAME.fullmatch(name):
        raise ValidationError("account names are 1-64 letters, digits, '.', '_' or '-'")
    with store.engine.begin() as conn:
        if conn.execute(select(accounts.c.id).where(accounts.c.name == name)).first():
            raise EntityAlreadyExists(f"An account named {name} already exists.")
        account = _unused_account_id(conn)
        now = store.now()
        conn.execute(insert(accounts).values(id=account, name=name, created_at=now))
        key_id, secret = ids.access_key_id(), ids.secret_access_key()
        conn.execute(insert(access_keys).values(
            id=key_id, account_id=account, user_id=None, status="Active", created_at=now,
            secret_sealed=store.sealer.seal(secret.encode(), key_id)))
    return NewAccount(account, name, key_id, secret)


def _unused_account_id(conn: Connection) -> str:
    while True:
        candidate = ids.account_id()
        if not conn.execute(select(accounts.c.id).where(accounts.c.id == candidate)).first():
            return candidate


def account_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(accounts)).scalar_one())
