"""Inline policies: documents embedded in one user, group or role.

IAM User Guide, "IAM and AWS STS quotas": an entity may have any number of inline
policies, but their aggregate size, counted without whitespace, is at most 2,048
characters for a user, 5,120 for a group and 10,240 for a role. Putting a policy under
an existing name replaces it.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, or_, select, update

from karashi.identity.errors import LimitExceeded, NoSuchEntity
from karashi.identity.names import check_name
from karashi.identity.policies import (
    OwnerKind, document_size, require_owner, validate_document,
)
from karashi.store import Store
from karashi.store.schema import groups, inline_policies, roles, users

MAX_NAME = 128
AGGREGATE_LIMITS: dict[str, int] = {"user": 2048, "group": 5120, "role": 10_240}


def put_policy(store: Store, account: str, kind: OwnerKind, owner_name: str,
               policy_name: str, document: str) -> None:
    """Create or replace an inline policy (PutUserPolicy, PutGroupPolicy, PutRolePolicy)."""
    check_name("policyName", policy_name, MAX_NAME)
    validate_document(document, f"{kind} {owner_name} inline policy {policy_name}",
                      max_size=None)
    limit = AGGREGATE_LIMITS[kind]
    with store.engine.begin() as conn:
        owner = require_owner(conn, account, kind, owner_name)
        existing = dict(conn.execute(
            select(inline_policies.c.name, inline_policies.c.document)
            .where(inline_policies.c.owner_kind == kind,
                   inline_policies.c.owner_id == owner.id)).tuples().all())
        others = sum(document_size(text) for name, text in existing.items()
                     if name != policy_name)
        if others + document_size(document) > limit:
            raise LimitExceeded(f"Maximum policy size of {limit} bytes exceeded for {kind} "
                                f"{owner.name}")
        now = store.now()
        if policy_name in existing:
            conn.execute(update(inline_policies).where(
                inline_policies.c.owner_kind == kind, inline_policies.c.owner_id == owner.id,
                inline_policies.c.name == policy_name).values(document=document,
                                                              updated_at=now))
        else:
            conn.execute(insert(inline_policies).values(
                owner_kind=kind, owner_id=owner.id, name=policy_name, document=document,
                updated_at=now))


def _missing(kind: str, owner_name: str, policy_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The {kind} policy with name {policy_name} cannot be found.")


def get_policy(store: Store, account: str, kind: OwnerKind, owner_name: str,
               policy_name: str) -> tuple[str, str]:
    """(owner's name as stored, document) of one inline policy."""
    with store.engine.connect() as conn:
        owner = require_owner(conn, account, kind, owner_name)
        document = conn.execute(select(inline_policies.c.document).where(
            inline_policies.c.owner_kind == kind, inline_policies.c.owner_id == owner.id,
            inline_policies.c.name == policy_name)).scalar()
    if document is None:
        raise _missing(kind, owner_name, policy_name)
    return owner.name, str(document)


def delete_policy(store: Store, account: str, kind: OwnerKind, owner_name: str,
                  policy_name: str) -> None:
    with store.engine.begin() as conn:
        owner = require_owner(conn, account, kind, owner_name)
        removed = conn.execute(delete(inline_policies).where(
            inline_policies.c.owner_kind == kind, inline_policies.c.owner_id == owner.id,
            inline_policies.c.name == policy_name)).rowcount
    if not removed:
        raise _missing(kind, owner_name, policy_name)


def list_policy_names(store: Store, account: str, kind: OwnerKind,
                      owner_name: str) -> list[str]:
    with store.engine.connect() as conn:
        owner = require_owner(conn, account, kind, owner_name)
        return list(conn.execute(select(inline_policies.c.name).where(
            inline_policies.c.owner_kind == kind, inline_policies.c.owner_id == owner.id)
            .order_by(inline_policies.c.name)).scalars())


def policies_in_account(conn: Connection, account: str
                        ) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(kind, owner id) -> [(policy name, document)] for every owner in the account."""
    owners = {"user": users, "group": groups, "role": roles}
    condition = or_(*(
        (inline_policies.c.owner_kind == kind)
        & inline_policies.c.owner_id.in_(select(table.c.id).where(table.c.account_id == account))
        for kind, table in owners.items()))
    rows = conn.execute(select(inline_policies).where(condition)
                        .order_by(inline_policies.c.name)).all()
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault((row.owner_kind, row.owner_id), []).append((row.name, row.document))
    return found
