"""Managed policies, their versions, and their attachment to users."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, func, insert, select

from karashi.identity import ids
from karashi.identity.errors import (
    DeleteConflict, EntityAlreadyExists, InvalidInput, LimitExceeded, MalformedPolicyDocument,
    NoSuchEntity,
)
from karashi.identity.names import check_name, check_path
from karashi.identity.users import _find as find_user
from karashi.policy import MalformedPolicy, parse_policy
from karashi.store import Store, as_utc
from karashi.store.schema import managed_policies, policy_versions, user_policy_attachments

#: AWS counts a managed policy's size without whitespace.
MAX_MANAGED_POLICY_SIZE = 6144
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ManagedPolicy:
    id: str
    account_id: str
    name: str
    path: str
    arn: str
    description: str
    default_version: str
    created_at: datetime
    updated_at: datetime
    attachment_count: int = 0


@dataclass(frozen=True)
class PolicyVersion:
    policy_arn: str
    version_id: str
    document: str
    is_default: bool
    created_at: datetime


def _policy(row: Row, attachments: int = 0) -> ManagedPolicy:  # type: ignore[type-arg]
    return ManagedPolicy(row.id, row.account_id, row.name, row.path, row.arn, row.description,
                         row.default_version, as_utc(row.created_at), as_utc(row.updated_at),
                         attachments)


def validate_document(document: str | None, name: str) -> None:
    """Refuse what AWS refuses before anything is stored."""
    if not document:
        raise MalformedPolicyDocument("The policy document must not be empty.")
    if len(_WHITESPACE.sub("", document)) > MAX_MANAGED_POLICY_SIZE:
        raise LimitExceeded(f"Cannot exceed quota for PolicySize: {MAX_MANAGED_POLICY_SIZE}")
    try:
        parse_policy(document, kind="identity", name=name)
    except MalformedPolicy as exc:
        raise MalformedPolicyDocument(str(exc)) from exc


def create_policy(store: Store, account: str, name: str, document: str,
                  path: str | None = None, description: str = "") -> ManagedPolicy:
    check_name("policyName", name, 128)
    path = check_path(path)
    arn = ids.policy_arn(account, name, path)
    validate_document(document, arn)
    with store.engine.begin() as conn:
        if conn.execute(select(managed_policies.c.id).where(
                managed_policies.c.account_id == account,
                func.lower(managed_policies.c.name) == name.lower())).first():
            raise EntityAlreadyExists(f"A policy called {name} already exists. "
                                      "Duplicate names are not allowed.")
        now = store.now()
        policy = ManagedPolicy(ids.policy_id(), account, name, path, arn, description or "",
                               "v1", now, now)
        conn.execute(insert(managed_policies).values(
            id=policy.id, account_id=account, name=name, path=path, arn=arn,
            description=policy.description, default_version="v1", created_at=now,
            updated_at=now))
        conn.execute(insert(policy_versions).values(
            policy_id=policy.id, version_id="v1", document=document, created_at=now))
    return policy


def _by_arn(conn: Connection, account: str, arn: str) -> ManagedPolicy:
    row = conn.execute(select(managed_policies).where(managed_policies.c.arn == arn)).first()
    if row is None or row.account_id != account:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    count = conn.execute(select(func.count()).select_from(user_policy_attachments)
                         .where(user_policy_attachments.c.policy_id == row.id)).scalar_one()
    return _policy(row, int(count))


def get_policy(store: Store, account: str, arn: str) -> ManagedPolicy:
    with store.engine.connect() as conn:
        return _by_arn(conn, account, arn)


def get_policy_version(store: Store, account: str, arn: str, version_id: str) -> PolicyVersion:
    with store.engine.connect() as conn:
        policy = _by_arn(conn, account, arn)
        row = conn.execute(select(policy_versions).where(
            policy_versions.c.policy_id == policy.id,
            policy_versions.c.version_id == version_id)).first()
    if row is None:
        raise NoSuchEntity(f"Policy {arn} version {version_id} does not exist or is not "
                           "attachable.")
    return PolicyVersion(arn, row.version_id, row.document,
                         row.version_id == policy.default_version, as_utc(row.created_at))


def list_policies(store: Store, account: str, only_attached: bool = False,
                  path_prefix: str = "/") -> list[ManagedPolicy]:
    counts = (select(user_policy_attachments.c.policy_id, func.count().label("n"))
              .group_by(user_policy_attachments.c.policy_id).subquery())
    query = (select(managed_policies, func.coalesce(counts.c.n, 0).label("attachments"))
             .outerjoin(counts, counts.c.policy_id == managed_policies.c.id)
             .where(managed_policies.c.account_id == account)
             .order_by(managed_policies.c.name))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = [_policy(r, int(r.attachments)) for r in rows if r.path.startswith(path_prefix)]
    return [p for p in found if p.attachment_count or not only_attached]


def delete_policy(store: Store, account: str, arn: str) -> None:
    with store.engine.begin() as conn:
        policy = _by_arn(conn, account, arn)
        if policy.attachment_count:
            raise DeleteConflict("Cannot delete a policy attached to entities.")
        conn.execute(delete(policy_versions).where(policy_versions.c.policy_id == policy.id))
        conn.execute(delete(managed_policies).where(managed_policies.c.id == policy.id))


def attach_user_policy(store: Store, account: str, user_name: str, arn: str) -> None:
    with store.engine.begin() as conn:
        user = find_user(conn, account, user_name)
        if user is None:
            raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
        if not arn.startswith("arn:"):
            raise InvalidInput(f"ARN {arn} is not valid.")
        policy = _by_arn(conn, account, arn)
        exists = conn.execute(select(user_policy_attachments.c.user_id).where(
            user_policy_attachments.c.user_id == user.id,
            user_policy_attachments.c.policy_id == policy.id)).first()
        if not exists:
            conn.execute(insert(user_policy_attachments).values(
                user_id=user.id, policy_id=policy.id, attached_at=store.now()))


def detach_user_policy(store: Store, account: str, user_name: str, arn: str) -> None:
    with store.engine.begin() as conn:
        user = find_user(conn, account, user_name)
        if user is None:
            raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
        policy = _by_arn(conn, account, arn)
        removed = conn.execute(delete(user_policy_attachments).where(
            user_policy_attachments.c.user_id == user.id,
            user_policy_attachments.c.policy_id == policy.id)).rowcount
    if not removed:
        raise NoSuchEntity(f"Policy {arn} was not found.")


def list_attached_user_policies(store: Store, account: str, user_name: str
                                ) -> list[ManagedPolicy]:
    with store.engine.connect() as conn:
        user = find_user(conn, account, user_name)
        if user is None:
            raise NoSuchEntity(f"The user with name {user_name} cannot be found.")
        rows = conn.execute(
            select(managed_policies)
            .join(user_policy_attachments,
                  user_policy_attachments.c.policy_id == managed_policies.c.id)
            .where(user_policy_attachments.c.user_id == user.id)
            .order_by(managed_policies.c.name)).all()
    return [_policy(r) for r in rows]


def documents_for_user(conn: Connection, user_id: str) -> list[tuple[str, str, str]]:
    """(policy ARN, default version id, document) of every policy attached to the user."""
    rows = conn.execute(
        select(managed_policies.c.arn, managed_policies.c.default_version,
               policy_versions.c.document)
        .join(user_policy_attachments,
              user_policy_attachments.c.policy_id == managed_policies.c.id)
        .join(policy_versions, (policy_versions.c.policy_id == managed_policies.c.id)
              & (policy_versions.c.version_id == managed_policies.c.default_version))
        .where(user_policy_attachments.c.user_id == user_id)).all()
    return [(r.arn, r.default_version, r.document) for r in rows]
