"""Managed policies, their versions, and their attachment to users, groups and roles.

A managed policy is either the account's own (customer managed) or one of the predefined
AWS-managed policies every account shares (``identity/aws_managed.py``); an account may
attach the latter but never change it. A version's document never changes once written
and a version id is never reused (``last_version`` counts up), so the authorizer can
cache compiled policies by version.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from sqlalchemy import (
    Connection, Row, Select, Table, delete, func, insert, select, union, update,
)
from sqlalchemy.sql.elements import ColumnElement

from karashi.errors import ServiceError
from karashi.identity import ids
from karashi.identity.aws_managed import is_aws_managed, refuse_change
from karashi.identity.errors import (
    DeleteConflict, EntityAlreadyExists, InvalidInput, LimitExceeded, MalformedPolicyDocument,
    NoSuchEntity, ValidationError,
)
from karashi.identity.groups import find_group
from karashi.identity.names import check_name, check_path
from karashi.identity.roles import find_role
from karashi.identity.users import _find as find_user
from karashi.policy import MalformedPolicy, parse_policy
from karashi.store import Store, as_utc
from karashi.store.schema import (
    group_members, group_policy_attachments, groups, inline_policies, managed_policies,
    policy_versions, role_policy_attachments, roles, user_policy_attachments, users,
)

OwnerKind = Literal["user", "group", "role"]

#: AWS counts a managed policy's size without whitespace.
MAX_MANAGED_POLICY_SIZE = 6144
MAX_VERSIONS = 5
#: Managed policies attached to one user, group or role (the default IAM quota).
MAX_ATTACHED = 10
_WHITESPACE = re.compile(r"\s+")
_VERSION_ID = re.compile(r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?")

_ATTACHMENTS: dict[str, tuple[Table, ColumnElement[str], Table]] = {
    "user": (user_policy_attachments, user_policy_attachments.c.user_id, users),
    "group": (group_policy_attachments, group_policy_attachments.c.group_id, groups),
    "role": (role_policy_attachments, role_policy_attachments.c.role_id, roles),
}
_QUOTA_NAMES = {"user": "PoliciesPerUser", "group": "PoliciesPerGroup",
                "role": "PoliciesPerRole"}


@dataclass(frozen=True)
class ManagedPolicy:
    id: str
    account_id: str | None
    name: str
    path: str
    arn: str
    description: str
    default_version: str
    created_at: datetime
    updated_at: datetime
    attachment_count: int = 0

    @property
    def aws_managed(self) -> bool:
        return self.account_id is None


@dataclass(frozen=True)
class PolicyVersion:
    policy_arn: str
    version_id: str
    document: str
    is_default: bool
    created_at: datetime


@dataclass(frozen=True)
class Owner:
    """The user, group or role a policy is attached to or embedded in."""

    kind: OwnerKind
    id: str
    name: str
    path: str


@dataclass(frozen=True)
class PolicyEntities:
    """ListEntitiesForPolicy: (name, id) of the users, groups and roles it is attached to."""

    users: list[tuple[str, str]]
    groups: list[tuple[str, str]]
    roles: list[tuple[str, str]]


class PolicySource(NamedTuple):
    """One document that applies to a principal, with the key its compiled form is cached
    under: a managed policy's version (never rewritten), or an inline policy's SHA-256
    (inline policies are overwritten in place, so their text is part of the key)."""

    name: str
    key: str
    document: str


def _policy(row: Row, attachments: int = 0) -> ManagedPolicy:  # type: ignore[type-arg]
    return ManagedPolicy(row.id, row.account_id, row.name, row.path, row.arn, row.description,
                         row.default_version, as_utc(row.created_at), as_utc(row.updated_at),
                         attachments)


def document_size(document: str) -> int:
    return len(_WHITESPACE.sub("", document))


def validate_document(document: str | None, name: str,
                      max_size: int | None = MAX_MANAGED_POLICY_SIZE) -> None:
    """Refuse what AWS refuses before anything is stored.

    ``max_size`` is the managed policy quota; inline policies pass None and check their
    owner's aggregate quota themselves.
    """
    if not document:
        raise MalformedPolicyDocument("The policy document must not be empty.")
    if max_size is not None and document_size(document) > max_size:
        raise LimitExceeded(f"Cannot exceed quota for PolicySize: {max_size}")
    try:
        parse_policy(document, kind="identity", name=name)
    except MalformedPolicy as exc:
        raise MalformedPolicyDocument(str(exc)) from exc


def require_owner(conn: Connection, account: str, kind: OwnerKind, name: str) -> Owner:
    """The user, group or role called ``name``, or NoSuchEntity."""
    found = (find_user(conn, account, name) if kind == "user"
             else find_group(conn, account, name) if kind == "group"
             else find_role(conn, account, name))
    if found is None:
        raise NoSuchEntity(f"The {kind} with name {name} cannot be found.")
    return Owner(kind, found.id, found.name, found.path)


# -- managed policies ------------------------------------------------------------------

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
            description=policy.description, default_version="v1", last_version=1,
            created_at=now, updated_at=now))
        conn.execute(insert(policy_versions).values(
            policy_id=policy.id, version_id="v1", document=document, created_at=now))
    return policy


def _attachment_counts(conn: Connection, account: str,
                       policy_id: str | None = None) -> dict[str, int]:
    """Policy id -> attachments to this account's users, groups and roles.

    AWS-managed policies are shared, so only the caller's account's attachments count.
    """
    counts: dict[str, int] = {}
    for table, owner_column, owner_table in _ATTACHMENTS.values():
        query = (select(table.c.policy_id, func.count().label("n"))
                 .join(owner_table, owner_table.c.id == owner_column)
                 .where(owner_table.c.account_id == account)
                 .group_by(table.c.policy_id))
        if policy_id is not None:
            query = query.where(table.c.policy_id == policy_id)
        for row in conn.execute(query):
            counts[row.policy_id] = counts.get(row.policy_id, 0) + int(row.n)
    return counts


def _by_arn(conn: Connection, account: str, arn: str) -> ManagedPolicy:
    """A policy the account can see: its own, or an AWS-managed one."""
    row = conn.execute(select(managed_policies).where(managed_policies.c.arn == arn)).first()
    if row is None or row.account_id not in (account, None):
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    return _policy(row, _attachment_counts(conn, account, row.id).get(row.id, 0))


def _own(conn: Connection, account: str, arn: str, action: str) -> ManagedPolicy:
    """A policy the account may change: never an AWS-managed one."""
    policy = _by_arn(conn, account, arn)
    if policy.aws_managed or is_aws_managed(arn):
        raise refuse_change(arn, action)
    return policy


def get_policy(store: Store, account: str, arn: str) -> ManagedPolicy:
    with store.engine.connect() as conn:
        return _by_arn(conn, account, arn)


def list_policies(store: Store, account: str, only_attached: bool = False,
                  path_prefix: str = "/", scope: str = "Local") -> list[ManagedPolicy]:
    """The policies ListPolicies shows for ``scope``: All, AWS or Local."""
    query = select(managed_policies).order_by(managed_policies.c.name)
    if scope == "Local":
        query = query.where(managed_policies.c.account_id == account)
    elif scope == "AWS":
        query = query.where(managed_policies.c.account_id.is_(None))
    else:
        query = query.where((managed_policies.c.account_id == account)
                            | managed_policies.c.account_id.is_(None))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
        counts = _attachment_counts(conn, account)
    found = [_policy(r, counts.get(r.id, 0)) for r in rows if r.path.startswith(path_prefix)]
    return [p for p in found if p.attachment_count or not only_attached]


def delete_policy(store: Store, account: str, arn: str) -> None:
    with store.engine.begin() as conn:
        policy = _own(conn, account, arn, "DeletePolicy")
        if policy.attachment_count:
            raise DeleteConflict("Cannot delete a policy attached to entities.")
        versions = conn.execute(select(func.count()).select_from(policy_versions)
                                .where(policy_versions.c.policy_id == policy.id)).scalar_one()
        if versions > 1:
            raise DeleteConflict("This policy has more than one version. Before you delete "
                                 "a policy, you must delete the policy's versions. The "
                                 "default version is deleted with the policy.")
        conn.execute(delete(policy_versions).where(policy_versions.c.policy_id == policy.id))
        conn.execute(delete(managed_policies).where(managed_policies.c.id == policy.id))


# -- versions --------------------------------------------------------------------------

def _check_version_id(version_id: str) -> None:
    if not _VERSION_ID.fullmatch(version_id):
        raise ValidationError(f"1 validation error detected: Value '{version_id}' at "
                              "'versionId' failed to satisfy constraint: Member must satisfy "
                              "regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?")


def _version_row(conn: Connection, policy: ManagedPolicy,
                 version_id: str) -> Row:  # type: ignore[type-arg]
    _check_version_id(version_id)
    row = conn.execute(select(policy_versions).where(
        policy_versions.c.policy_id == policy.id,
        policy_versions.c.version_id == version_id)).first()
    if row is None:
        raise NoSuchEntity(f"Policy {policy.arn} version {version_id} does not exist or is "
                           "not attachable.")
    return row


def _version(policy: ManagedPolicy, row: Row) -> PolicyVersion:  # type: ignore[type-arg]
    return PolicyVersion(policy.arn, row.version_id, row.document,
                         row.version_id == policy.default_version, as_utc(row.created_at))


def _version_number(version_id: str) -> int:
    return int(version_id[1:].split(".", 1)[0])


def get_policy_version(store: Store, account: str, arn: str, version_id: str) -> PolicyVersion:
    with store.engine.connect() as conn:
        policy = _by_arn(conn, account, arn)
        return _version(policy, _version_row(conn, policy, version_id))


def list_policy_versions(store: Store, account: str, arn: str) -> list[PolicyVersion]:
    """The policy's versions, newest first, as IAM lists them."""
    with store.engine.connect() as conn:
        policy = _by_arn(conn, account, arn)
        rows = conn.execute(select(policy_versions)
                            .where(policy_versions.c.policy_id == policy.id)).all()
    found = [_version(policy, r) for r in rows]
    return sorted(found, key=lambda v: _version_number(v.version_id), reverse=True)


def create_policy_version(store: Store, account: str, arn: str, document: str,
                          set_as_default: bool = False) -> PolicyVersion:
    """Add the next version (v<N+1>, never a reused id); at most five versions."""
    validate_document(document, arn)
    with store.engine.begin() as conn:
        policy = _own(conn, account, arn, "CreatePolicyVersion")
        count = conn.execute(select(func.count()).select_from(policy_versions)
                             .where(policy_versions.c.policy_id == policy.id)).scalar_one()
        if count >= MAX_VERSIONS:
            raise LimitExceeded("A managed policy can have up to 5 versions. Before you "
                                "create a new version, you must delete an existing version.")
        last = conn.execute(select(managed_policies.c.last_version)
                            .where(managed_policies.c.id == policy.id)).scalar_one()
        version_id, now = f"v{last + 1}", store.now()
        values: dict[str, object] = {"last_version": last + 1, "updated_at": now}
        if set_as_default:
            values["default_version"] = version_id
        # Conditional on the counter, so two concurrent calls cannot both take v<N+1>.
        changed = conn.execute(update(managed_policies).where(
            managed_policies.c.id == policy.id,
            managed_policies.c.last_version == last).values(**values)).rowcount
        if changed != 1:
            raise ServiceError("The policy was changed by another request; try again.",
                               code="ConcurrentModification", status=409)
        conn.execute(insert(policy_versions).values(
            policy_id=policy.id, version_id=version_id, document=document, created_at=now))
    return PolicyVersion(arn, version_id, document, set_as_default, now)


def delete_policy_version(store: Store, account: str, arn: str, version_id: str) -> None:
    with store.engine.begin() as conn:
        policy = _own(conn, account, arn, "DeletePolicyVersion")
        _version_row(conn, policy, version_id)
        if version_id == policy.default_version:
            raise DeleteConflict("Cannot delete the default version of a policy.")
        conn.execute(delete(policy_versions).where(
            policy_versions.c.policy_id == policy.id,
            policy_versions.c.version_id == version_id))


def set_default_policy_version(store: Store, account: str, arn: str, version_id: str) -> None:
    with store.engine.begin() as conn:
        policy = _own(conn, account, arn, "SetDefaultPolicyVersion")
        _version_row(conn, policy, version_id)
        conn.execute(update(managed_policies).where(managed_policies.c.id == policy.id)
                     .values(default_version=version_id, updated_at=store.now()))


# -- attachments -----------------------------------------------------------------------

def attach_policy(store: Store, account: str, kind: OwnerKind, owner_name: str,
                  arn: str) -> None:
    """Attach a managed policy to a user, group or role; attaching again changes nothing."""
    table, owner_column, _ = _ATTACHMENTS[kind]
    with store.engine.begin() as conn:
        owner = require_owner(conn, account, kind, owner_name)
        if not arn.startswith("arn:"):
            raise InvalidInput(f"ARN {arn} is not valid.")
        policy = _by_arn(conn, account, arn)
        attached = conn.execute(select(table.c.policy_id)
                                .where(owner_column == owner.id)).scalars().all()
        if policy.id in attached:
            return
        if len(attached) >= MAX_ATTACHED:
            raise LimitExceeded(f"Cannot exceed quota for {_QUOTA_NAMES[kind]}: "
                                f"{MAX_ATTACHED}")
        conn.execute(insert(table).values(
            {owner_column.key: owner.id, "policy_id": policy.id,
             "attached_at": store.now()}))


def detach_policy(store: Store, account: str, kind: OwnerKind, owner_name: str,
                  arn: str) -> None:
    table, owner_column, _ = _ATTACHMENTS[kind]
    with store.engine.begin() as conn:
        owner = require_owner(conn, account, kind, owner_name)
        policy = _by_arn(conn, account, arn)
        removed = conn.execute(delete(table).where(
            owner_column == owner.id, table.c.policy_id == policy.id)).rowcount
    if not removed:
        raise NoSuchEntity(f"Policy {arn} was not found.")


def list_attached(store: Store, account: str, kind: OwnerKind, owner_name: str,
                  path_prefix: str = "/") -> list[ManagedPolicy]:
    table, owner_column, _ = _ATTACHMENTS[kind]
    with store.engine.connect() as conn:
        owner = require_owner(conn, account, kind, owner_name)
        rows = conn.execute(
            select(managed_policies)
            .join(table, table.c.policy_id == managed_policies.c.id)
            .where(owner_column == owner.id)
            .order_by(managed_policies.c.name)).all()
    return [p for p in map(_policy, rows) if p.path.startswith(path_prefix)]


def attach_user_policy(store: Store, account: str, user_name: str, arn: str) -> None:
    attach_policy(store, account, "user", user_name, arn)


def detach_user_policy(store: Store, account: str, user_name: str, arn: str) -> None:
    detach_policy(store, account, "user", user_name, arn)


def list_attached_user_policies(store: Store, account: str, user_name: str
                                ) -> list[ManagedPolicy]:
    return list_attached(store, account, "user", user_name)


def list_entities_for_policy(store: Store, account: str, arn: str,
                             entity_filter: str | None = None,
                             path_prefix: str = "/") -> PolicyEntities:
    """The account's users, groups and roles the policy is attached to."""
    kinds = {"User": "user", "Group": "group", "Role": "role"}
    found: dict[str, list[tuple[str, str]]] = {"user": [], "group": [], "role": []}
    with store.engine.connect() as conn:
        policy = _by_arn(conn, account, arn)
        for kind, (table, owner_column, owner_table) in _ATTACHMENTS.items():
            if entity_filter and kinds.get(entity_filter) != kind:
                continue
            rows = conn.execute(
                select(owner_table.c.name, owner_table.c.id, owner_table.c.path)
                .join(table, owner_column == owner_table.c.id)
                .where(table.c.policy_id == policy.id,
                       owner_table.c.account_id == account)
                .order_by(owner_table.c.name)).all()
            found[kind] = [(r.name, r.id) for r in rows if r.path.startswith(path_prefix)]
    return PolicyEntities(found["user"], found["group"], found["role"])


# -- what applies to a principal -------------------------------------------------------

def _inline_source(owner_arn: str, name: str, document: str) -> PolicySource:
    digest = hashlib.sha256(document.encode()).hexdigest()
    return PolicySource(f"{owner_arn} (inline policy {name})", f"sha256:{digest}", document)


def _managed_sources(conn: Connection, policy_ids: Select[tuple[str]]) -> list[PolicySource]:
    rows = conn.execute(
        select(managed_policies.c.id, managed_policies.c.arn,
               managed_policies.c.default_version, policy_versions.c.document)
        .join(policy_versions, (policy_versions.c.policy_id == managed_policies.c.id)
              & (policy_versions.c.version_id == managed_policies.c.default_version))
        .where(managed_policies.c.id.in_(policy_ids))
        .order_by(managed_policies.c.arn)).all()
    # The policy id is part of the key: a policy deleted and created again under the
    # same ARN starts at v1 again, with a new id.
    return [PolicySource(r.arn, f"{r.default_version}/{r.id}", r.document) for r in rows]


def documents_for_user(conn: Connection, user_id: str) -> list[PolicySource]:
    """Every identity policy that applies to a user, in two queries: managed policies
    attached to the user or to a group it is in, then the inline policies of the user
    and of those groups."""
    user_groups = select(group_members.c.group_id).where(group_members.c.user_id == user_id)
    attached = union(
        select(user_policy_attachments.c.policy_id)
        .where(user_policy_attachments.c.user_id == user_id),
        select(group_policy_attachments.c.policy_id)
        .where(group_policy_attachments.c.group_id.in_(user_groups)))
    sources = _managed_sources(conn, select(attached.subquery().c.policy_id))

    rows = conn.execute(
        select(inline_policies.c.owner_kind, inline_policies.c.name,
               inline_policies.c.document, users.c.account_id.label("user_account"),
               users.c.name.label("user_name"), users.c.path.label("user_path"),
               groups.c.account_id.label("group_account"),
               groups.c.name.label("group_name"), groups.c.path.label("group_path"))
        .outerjoin(users, (inline_policies.c.owner_kind == "user")
                   & (users.c.id == inline_policies.c.owner_id))
        .outerjoin(groups, (inline_policies.c.owner_kind == "group")
                   & (groups.c.id == inline_policies.c.owner_id))
        .where(((inline_policies.c.owner_kind == "user")
                & (inline_policies.c.owner_id == user_id))
               | ((inline_policies.c.owner_kind == "group")
                  & inline_policies.c.owner_id.in_(user_groups)))
        .order_by(inline_policies.c.owner_kind, inline_policies.c.owner_id,
                  inline_policies.c.name)).all()
    for r in rows:
        owner_arn = (ids.user_arn(r.user_account, r.user_name, r.user_path)
                     if r.owner_kind == "user" else
                     f"arn:aws:iam::{r.group_account}:group{r.group_path}{r.group_name}")
        sources.append(_inline_source(owner_arn, r.name, r.document))
    return sources


def documents_for_role(conn: Connection, role_id: str) -> list[PolicySource]:
    """Every identity policy that applies to a role's sessions: attached and inline."""
    sources = _managed_sources(conn, select(role_policy_attachments.c.policy_id).where(
        role_policy_attachments.c.role_id == role_id))
    rows = conn.execute(
        select(inline_policies.c.name, inline_policies.c.document, roles.c.account_id,
               roles.c.name.label("role_name"), roles.c.path)
        .join(roles, roles.c.id == inline_policies.c.owner_id)
        .where(inline_policies.c.owner_kind == "role", inline_policies.c.owner_id == role_id)
        .order_by(inline_policies.c.name)).all()
    for r in rows:
        owner_arn = f"arn:aws:iam::{r.account_id}:role{r.path}{r.role_name}"
        sources.append(_inline_source(owner_arn, r.name, r.document))
    return sources


# -- account-wide views ----------------------------------------------------------------

def attachments_in_account(conn: Connection, account: str
                           ) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(kind, owner id) -> [(policy name, policy ARN)] for every owner in the account."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for kind, (table, owner_column, owner_table) in _ATTACHMENTS.items():
        rows = conn.execute(
            select(owner_column.label("owner_id"), managed_policies.c.name,
                   managed_policies.c.arn)
            .join(managed_policies, managed_policies.c.id == table.c.policy_id)
            .join(owner_table, owner_table.c.id == owner_column)
            .where(owner_table.c.account_id == account)
            .order_by(managed_policies.c.name)).all()
        for row in rows:
            found.setdefault((kind, row.owner_id), []).append((row.name, row.arn))
    return found


def policies_with_versions(conn: Connection, account: str, local: bool = True,
                           aws: bool = True) -> list[tuple[ManagedPolicy, list[PolicyVersion]]]:
    """The account's own policies and the AWS-managed ones it has attached, each with
    every version (GetAccountAuthorizationDetails)."""
    counts = _attachment_counts(conn, account)
    owners = []
    if local:
        owners.append(managed_policies.c.account_id == account)
    if aws:
        owners.append(managed_policies.c.account_id.is_(None)
                      & managed_policies.c.id.in_(list(counts)))
    if not owners:
        return []
    condition = owners[0] if len(owners) == 1 else owners[0] | owners[1]
    rows = conn.execute(select(managed_policies).where(condition)
                        .order_by(managed_policies.c.name)).all()
    chosen = [_policy(r, counts.get(r.id, 0)) for r in rows]
    versions = conn.execute(select(policy_versions).where(
        policy_versions.c.policy_id.in_([p.id for p in chosen]))).all()
    by_policy: dict[str, list[PolicyVersion]] = {}
    for policy in chosen:
        by_policy[policy.id] = []
    arns = {p.id: p for p in chosen}
    for row in versions:
        by_policy[row.policy_id].append(_version(arns[row.policy_id], row))
    return [(p, sorted(by_policy[p.id], key=lambda v: _version_number(v.version_id),
                       reverse=True)) for p in chosen]
