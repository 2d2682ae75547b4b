"""IAM users and their access keys, including when each key was last used."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from karashi.identity import ids
from karashi.identity.errors import (
    DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity, ValidationError,
)
from karashi.identity.names import check_name, check_path
from karashi.store import Store, as_utc
from karashi.store.schema import (
    access_keys, group_members, inline_policies, login_profiles, mfa_devices, sessions,
    user_policy_attachments, users,
)

logger = logging.getLogger(__name__)

MAX_KEYS_PER_USER = 2
_KEY_ID = re.compile(r"\w+", re.ASCII)


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


def require_user(conn: Connection, account: str, name: str) -> User:
    """The user named ``name`` (any case), or NoSuchEntity as IAM words it."""
    user = _find(conn, account, name)
    if user is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    return user


def get_user(store: Store, account: str, name: str) -> User:
    with store.engine.connect() as conn:
        user = require_user(conn, account, name)
    return user


def update_user(store: Store, account: str, name: str, new_name: str | None = None,
                new_path: str | None = None) -> User:
    """Rename and/or move a user (UpdateUser).

    Keys, devices, login profile, attachments and memberships all refer to the user's
    id, which does not change, so they follow the user to its new name.
    """
    if new_name is not None:
        check_name("newUserName", new_name, 64)
    if new_path is not None:
        new_path = check_path(new_path)
    taken = EntityAlreadyExists(f"User with name {new_name} already exists.")
    try:
        with store.engine.begin() as conn:
            user = require_user(conn, account, name)
            if new_name is not None:
                holder = _find(conn, account, new_name)
                if holder is not None and holder.id != user.id:
                    raise taken
            renamed = User(user.id, account, new_name or user.name, new_path or user.path,
                           user.created_at)
            conn.execute(update(users).where(users.c.id == user.id).values(
                name=renamed.name, path=renamed.path))
    except IntegrityError:
        raise taken from None  # a concurrent CreateUser or UpdateUser took the name
    return renamed


def get_user_by_id(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def list_users(store: Store, account: str, path_prefix: str = "/") -> list[User]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(users).where(users.c.account_id == account)
                            .order_by(users.c.name)).all()
    return [u for u in map(_user, rows) if u.path.startswith(path_prefix)]


def delete_user(store: Store, account: str, name: str) -> None:
    """Delete a user that has nothing attached, as IAM requires (else DeleteConflict).

    IAM API Reference, DeleteUser: keys, login profile, MFA devices, attached and inline
    policies and group memberships must all be removed first.
    """
    with store.engine.begin() as conn:
        user = require_user(conn, account, name)
        blockers = [
            (access_keys.c.user_id, None, "must delete access keys first"),
            (user_policy_attachments.c.user_id, None, "must detach all policies first"),
            (inline_policies.c.owner_id, inline_policies.c.owner_kind == "user",
             "must delete policies first"),
            (group_members.c.user_id, None, "must remove user from all groups first"),
            (mfa_devices.c.user_id, None, "must delete MFA device first"),
            (login_profiles.c.user_id, None, "must delete login profile first"),
        ]
        for column, extra, what in blockers:
            query = select(column).where(column == user.id)
            if extra is not None:
                query = query.where(extra)
            if conn.execute(query.limit(1)).first():
                raise DeleteConflict(f"Cannot delete entity, {what}.")
        conn.execute(delete(sessions).where(sessions.c.user_id == user.id))
        conn.execute(delete(users).where(users.c.id == user.id))


def create_access_key(store: Store, account: str, user_name: str) -> AccessKey:
    with store.engine.begin() as conn:
        user = require_user(conn, account, user_name)
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
        user = require_user(conn, account, user_name)
        rows = conn.execute(select(access_keys).where(access_keys.c.user_id == user.id)
                            .order_by(access_keys.c.created_at)).all()
    return [AccessKey(r.id, user.name, r.status, as_utc(r.created_at)) for r in rows]


def delete_access_key(store: Store, account: str, user_name: str | None, key_id: str) -> None:
    with store.engine.begin() as conn:
        query = delete(access_keys).where(access_keys.c.id == key_id,
                                          access_keys.c.account_id == account)
        if user_name is not None:
            user = require_user(conn, account, user_name)
            query = query.where(access_keys.c.user_id == user.id)
        if conn.execute(query).rowcount == 0:
            raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")


def _check_key_id(key_id: str) -> str:
    if not 16 <= len(key_id) <= 128 or not _KEY_ID.fullmatch(key_id):
        raise ValidationError(f"1 validation error detected: Value '{key_id}' at "
                              "'accessKeyId' failed to satisfy constraint: Member must "
                              "satisfy regular expression pattern: [\\w]+ with length 16 "
                              "to 128")
    return key_id


def update_access_key(store: Store, account: str, user_name: str | None, key_id: str,
                      status: str) -> None:
    """Make a key Active or Inactive (UpdateAccessKey); ``user_name`` None: the root's.

    An Inactive key is refused when it signs a request (identity/caller.py), and works
    again once made Active.
    """
    _check_key_id(key_id)
    if status not in ("Active", "Inactive"):
        raise ValidationError(f"1 validation error detected: Value '{status}' at 'status' "
                              "failed to satisfy constraint: Member must satisfy enum value "
                              "set: [Active, Inactive]")
    with store.engine.begin() as conn:
        owner: ColumnElement[bool] = access_keys.c.user_id.is_(None)
        if user_name is not None:
            user = require_user(conn, account, user_name)
            owner = access_keys.c.user_id == user.id
        if not conn.execute(update(access_keys).where(
                access_keys.c.id == key_id, access_keys.c.account_id == account, owner,
        ).values(status=status)).rowcount:
            raise NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")


@dataclass(frozen=True)
class KeyLastUsed:
    """GetAccessKeyLastUsed's answer; ``used_at`` None before the key's first use."""

    key_id: str
    user_name: str | None
    used_at: datetime | None
    service: str | None
    region: str | None


def access_key_last_used(store: Store, account: str, key_id: str) -> KeyLastUsed | None:
    """When a long-term key of ``account`` last signed a request; None: no such key."""
    _check_key_id(key_id)
    with store.engine.connect() as conn:
        row = conn.execute(select(access_keys.c.user_id, access_keys.c.last_used_at,
                                  access_keys.c.last_used_service,
                                  access_keys.c.last_used_region)
                           .where(access_keys.c.id == key_id,
                                  access_keys.c.account_id == account)).first()
        if row is None:
            return None
        user = get_user_by_id(conn, row.user_id) if row.user_id else None
    used_at = as_utc(row.last_used_at) if row.last_used_at else None
    return KeyLastUsed(key_id, user.name if user else None, used_at,
                       row.last_used_service, row.last_used_region)


#: A key's last use is written at most once per this many seconds, so that signing a
#: request does not cost a database write: GetAccessKeyLastUsed is that coarse.
LAST_USED_INTERVAL = 300
_MAX_REMEMBERED = 100_000
_last_noted: dict[str, float] = {}
# One writer thread: the request never waits for the write, and writes never contend
# with each other.
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="karashi-key-use")


def note_key_use(store: Store, key_id: str, service: str, region: str) -> None:
    """Record that long-term key ``key_id`` signed an authenticated request.

    Called on every authenticated request, so it decides in memory and returns at once:
    within LAST_USED_INTERVAL of the last write it does nothing, otherwise it hands the
    write to a background thread. Session keys (ASIA...) are not recorded, as in IAM.
    """
    if not key_id.startswith("AKIA"):
        return
    now = store.clock()
    last = _last_noted.get(key_id)
    if last is not None and now - last < LAST_USED_INTERVAL:
        return
    if len(_last_noted) >= _MAX_REMEMBERED:
        stale = [k for k, t in list(_last_noted.items()) if now - t >= LAST_USED_INTERVAL]
        for old in stale:
            del _last_noted[old]
    _last_noted[key_id] = now
    _writer.submit(_write_key_use, store, key_id, store.now(), service[:16], region[:32])


def _write_key_use(store: Store, key_id: str, used_at: datetime, service: str,
                   region: str) -> None:
    try:
        with store.engine.begin() as conn:
            conn.execute(update(access_keys).where(access_keys.c.id == key_id).values(
                last_used_at=used_at, last_used_service=service, last_used_region=region))
    except Exception:
        # Usage tracking never fails a request; the key's next interval writes again.
        logger.warning("could not record the last use of access key %s", key_id,
                       exc_info=True)
