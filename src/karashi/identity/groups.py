"""IAM groups and their members.

A group has no credentials of its own: its attached and inline policies apply to every
user in it (IAM User Guide, "IAM user groups"). Names are unique in an account without
regard to case, as user names are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from karashi.identity import ids
from karashi.identity.errors import (
    DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity,
)
from karashi.identity.names import check_name, check_path
from karashi.identity.users import User, _user, require_user
from karashi.store import Store, as_utc
from karashi.store.schema import (
    group_members, group_policy_attachments, groups, inline_policies, users,
)

MAX_NAME = 128
#: Default IAM quotas ("IAM and AWS STS quotas" in the IAM User Guide).
GROUPS_PER_ACCOUNT = 300
GROUPS_PER_USER = 10


@dataclass(frozen=True)
class Group:
    id: str
    account_id: str
    name: str
    path: str
    created_at: datetime

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:group{self.path}{self.name}"


def _group(row: Row) -> Group:  # type: ignore[type-arg]
    return Group(row.id, row.account_id, row.name, row.path, as_utc(row.created_at))


def _group_id() -> str:
    # The shape of a user id, with the prefix AWS gives group ids.
    return "AGPA" + ids.user_id().removeprefix("AIDA")


def find_group(conn: Connection, account: str, name: str) -> Group | None:
    row = conn.execute(select(groups).where(
        groups.c.account_id == account, func.lower(groups.c.name) == name.lower())).first()
    return _group(row) if row else None


def require_group(conn: Connection, account: str, name: str) -> Group:
    group = find_group(conn, account, name)
    if group is None:
        raise NoSuchEntity(f"The group with name {name} cannot be found.")
    return group


def _require_user(conn: Connection, account: str, name: str) -> User:
    user = require_user(conn, account, name)
    return user


def create_group(store: Store, account: str, name: str, path: str | None = None) -> Group:
    check_name("groupName", name, MAX_NAME)
    path = check_path(path)
    with store.engine.begin() as conn:
        if find_group(conn, account, name) is not None:
            raise EntityAlreadyExists(f"Group with name {name} already exists.")
        count = conn.execute(select(func.count()).select_from(groups)
                             .where(groups.c.account_id == account)).scalar_one()
        if count >= GROUPS_PER_ACCOUNT:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerAccount: "
                                f"{GROUPS_PER_ACCOUNT}")
        group = Group(_group_id(), account, name, path, store.now())
        conn.execute(insert(groups).values(id=group.id, account_id=account, name=name,
                                           path=path, created_at=group.created_at))
    return group


def get_group(store: Store, account: str, name: str) -> tuple[Group, list[User]]:
    """The group and its members, ordered by user name."""
    with store.engine.connect() as conn:
        group = require_group(conn, account, name)
        rows = conn.execute(select(users)
                            .join(group_members, group_members.c.user_id == users.c.id)
                            .where(group_members.c.group_id == group.id)
                            .order_by(users.c.name)).all()
    return group, [_user(r) for r in rows]


def list_groups(store: Store, account: str, path_prefix: str = "/") -> list[Group]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(groups).where(groups.c.account_id == account)
                            .order_by(groups.c.name)).all()
    return [g for g in map(_group, rows) if g.path.startswith(path_prefix)]


def list_groups_for_user(store: Store, account: str, user_name: str) -> list[Group]:
    with store.engine.connect() as conn:
        user = _require_user(conn, account, user_name)
        rows = conn.execute(select(groups)
                            .join(group_members, group_members.c.group_id == groups.c.id)
                            .where(group_members.c.user_id == user.id)
                            .order_by(groups.c.name)).all()
    return [_group(r) for r in rows]


def update_group(store: Store, account: str, name: str, new_name: str | None = None,
                 new_path: str | None = None) -> None:
    """Rename a group or move it to another path (UpdateGroup)."""
    if new_name:
        check_name("newGroupName", new_name, MAX_NAME)
    path = check_path(new_path) if new_path else None
    with store.engine.begin() as conn:
        group = require_group(conn, account, name)
        values: dict[str, str] = {}
        if new_name and new_name != group.name:
            other = find_group(conn, account, new_name)
            if other is not None and other.id != group.id:
                raise EntityAlreadyExists(f"Group with name {new_name} already exists.")
            values["name"] = new_name
        if path is not None:
            values["path"] = path
        if values:
            conn.execute(update(groups).where(groups.c.id == group.id).values(**values))


def delete_group(store: Store, account: str, name: str) -> None:
    """Delete a group with no members and no policies, as IAM requires."""
    with store.engine.begin() as conn:
        group = require_group(conn, account, name)
        blockers = [
            (select(group_members.c.user_id).where(group_members.c.group_id == group.id),
             "must remove users from group first"),
            (select(group_policy_attachments.c.policy_id)
             .where(group_policy_attachments.c.group_id == group.id),
             "must detach all policies first"),
            (select(inline_policies.c.name).where(inline_policies.c.owner_kind == "group",
                                                  inline_policies.c.owner_id == group.id),
             "must delete policies first"),
        ]
        for query, what in blockers:
            if conn.execute(query.limit(1)).first():
                raise DeleteConflict(f"Cannot delete entity, {what}.")
        conn.execute(delete(groups).where(groups.c.id == group.id))


def add_user_to_group(store: Store, account: str, group_name: str, user_name: str) -> None:
    """Add a user to a group; adding a member again changes nothing, as in IAM."""
    with store.engine.begin() as conn:
        group = require_group(conn, account, group_name)
        user = _require_user(conn, account, user_name)
        member_of = conn.execute(select(group_members.c.group_id)
                                 .where(group_members.c.user_id == user.id)).scalars().all()
        if group.id in member_of:
            return
        if len(member_of) >= GROUPS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}")
        conn.execute(insert(group_members).values(group_id=group.id, user_id=user.id))


def remove_user_from_group(store: Store, account: str, group_name: str,
                           user_name: str) -> None:
    with store.engine.begin() as conn:
        group = require_group(conn, account, group_name)
        user = _require_user(conn, account, user_name)
        removed = conn.execute(delete(group_members).where(
            group_members.c.group_id == group.id,
            group_members.c.user_id == user.id)).rowcount
    if not removed:
        raise NoSuchEntity(f"The user with name {user_name} is not a member of group "
                           f"{group_name}.")


def memberships(conn: Connection, account: str) -> dict[str, list[str]]:
    """User id -> names of the groups the user is in, for every user of the account."""
    rows = conn.execute(select(group_members.c.user_id, groups.c.name)
                        .join(groups, groups.c.id == group_members.c.group_id)
                        .where(groups.c.account_id == account)
                        .order_by(groups.c.name)).all()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.user_id, []).append(row.name)
    return found
