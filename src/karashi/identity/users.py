"""IAM users, their access keys and login profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Connection, Row, delete, func, insert, select

from karashi.identity import ids
from karashi.identity.errors import (
    DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity, ValidationError,
)
from karashi.identity.names import check_name, check_path
from karashi.store import Store, as_utc
from karashi.store.schema import (
    access_keys, login_profiles, mfa_devices, sessions, user_policy_attachments, users,
)

MAX_KEYS_PER_USER = 2
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    id: str
    account_id: str
    name: str
    path: str
    created_at: datetime

    @property
    def arn(self) -> str:
        return ids.user_arn(self.account_id, self.name, self.path)


@dataclass(frozen=True)
class AccessKey:
    id: str
    user_name: str | None
    status: str
    created_at: datetime
    secret: str | None = None

    def __repr__(self) -> str:
        return f"AccessKey(id={self.id!r}, user_name={self.user_name!r}, status={self.status!r})"


def _user(row: Row) -> User:  # type: ignore[type-arg]
    return User(row.id, row.account_id, row.name, row.path, as_utc(row.created_at))


def create_user(store: Store, account: str, name: str, path: str | None = None) -> User:
    check_name("userName", name, 64)
    path = check_path(path)
    with store.engine.begin() as conn:
        if _find(conn, account, name) is not None:
            raise EntityAlreadyExists(f"User with name {name} already exists.")
        user = User(ids.user_id(), account, name, path, store.now())
        conn.execute(insert(users).values(
            id=user.id, account_id=account, name=name, path=path, created_at=user.created_at))
    return user


def _find(conn: Connection, account: str, name: str) -> User | None:
    # IAM names are unique without regard to case.
    row = conn.execute(select(users).where(
        users.c.account_id == account, func.lower(users.c.name) == name.lower())).first()
    return _user(row) if row else None


def get_user(store: Store, account: str, name: str) -> User:
    with store.engine.connect() as conn:
        user = _find(conn, account, name)
    if user is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    return user


def get_user_by_id(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def list_users(store: Store, account: str, path_prefix: str = "/") -> list[User]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(users).where(users.c.account_id == account)
                            .order_by(users.c.name)).all()
    return [u for u in map(_user, rows) if u.path.startswith(path_prefix)]


def delete_user(store: Store, account: str, name: str) -> None:
    """Delete a user that has nothing attached, as IAM requires (else DeleteConflict)."""
    with store.engine.begin() as conn:
        user = _find(conn, account, name)
        if user is None:
            raise NoSuchEntity(f"The user with name {name} cannot be found.")
        blockers = {
            "access keys": access_keys.c.user_id,
            "attached policies": user_policy_attachments.c.user_id,
            "MFA devices": mfa_devices.c.user_id,
            "a login profile": login_profiles.c.user_id,
        }
        for what, column in blockers.items():
            if conn.execute(select(column).where(column == user.id).limit(1)).first():
                raise DeleteConflict(f"Cannot delete entity, must remove {what} first.")
        conn.execute(delete(sessions).where(sessions.c.user_id == user.id))
        conn.execute(delete(users).where(users.c.id == user.id))


def create_access_key(store: Store, account: str, user_name: str) -> AccessKey:
    with store.engine.begin() as conn:
        user = _find(conn, account, user_name)
        if user is None:
            raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
        count = conn.execute(select(func.count()).select_from(access_keys)
                             .where(access_keys.c.user_id == user.id)).scalar_one()
        if count >= MAX_KEYS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS_PER_USER}")
        key_id, secret, now = ids.access_key_id(), ids.secret_access_key(), store.now()
        conn.execute(insert(access_keys).values(
            id=key_id, account_id=account, user_id=user.id, status="Active", created_at=now,
            secret_sealed=store.sealer.seal(secret.encode(), key_id)))
    return AccessKey(key_id, user.name, "Active", now, secret)


def list_access_keys(store: Store, account: str, user_name: str) -> list[AccessKey]:
    with store.engine.connect() as conn:
        user = _find(conn, account, user_name)
        if user is None:
            raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
        rows = conn.execute(select(access_keys).where(access_keys.c.user_id == user.id)
                            .order_by(access_keys.c.created_at)).all()
    return [AccessKey(r.id, user.name, r.status, as_utc(r.created_at)) for r in rows]


def delete_access_key(store: Store, account: str, user_name: str | None, key_id: str) -> None:
    with store.engine.begin() as conn:
        query = delete(access_keys).where(access_keys.c.id == key_id,
                                          access_keys.c.account_id == account)
        if user_name is not None:
            user = _find(conn, account, user_name)
            if user is None:
                raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
            query = query.where(access_keys.c.user_id == user.id)
        if conn.execute(query).rowcount == 0:
            raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")


def create_login_profile(store: Store, account: str, user_name: str, password: str,
                         reset_required: bool = False) -> datetime:
    if not password or len(password) > 128:
        raise ValidationError("The password must be 1 to 128 characters long.")
    with store.engine.begin() as conn:
        user = _find(conn, account, user_name)
        if user is None:
            raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
        if conn.execute(select(login_profiles.c.user_id)
                        .where(login_profiles.c.user_id == user.id)).first():
            raise EntityAlreadyExists(f"Login Profile for user {user_name} already exists.")
        now = store.now()
        conn.execute(insert(login_profiles).values(
            user_id=user.id, password_hash=_hasher.hash(password),
            reset_required=reset_required, created_at=now))
    return now
