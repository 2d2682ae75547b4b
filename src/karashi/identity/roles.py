"""IAM roles: a trust policy saying who may assume the role, and its permissions.

The trust policy ("role trust policy" in the IAM User Guide) is a resource-based
policy whose resource is the role itself: it names a Principal and the sts:AssumeRole*
actions, and IAM refuses a Resource element in it. Permissions come from attached
managed policies and inline role policies, as for users.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from karashi.identity import ids
from karashi.identity.errors import (
    DeleteConflict, EntityAlreadyExists, LimitExceeded, MalformedPolicyDocument, NoSuchEntity,
    ValidationError,
)
from karashi.identity.names import check_name, check_path
from karashi.policy import MalformedPolicy, parse_policy
from karashi.store import Store, as_utc
from karashi.store.schema import inline_policies, role_policy_attachments, roles

MAX_NAME = 64
MAX_DESCRIPTION = 1000
MIN_SESSION, MAX_SESSION, DEFAULT_SESSION = 3_600, 43_200, 3_600
ROLES_PER_ACCOUNT = 1000
#: "Role trust policy length" quota, counted without whitespace as policy sizes are.
MAX_TRUST_POLICY_SIZE = 2048
_WHITESPACE = re.compile(r"\s+")
# roleDescriptionType in the IAM API: tab, newline, CR and printable Latin-1.
_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")


@dataclass(frozen=True)
class Role:
    id: str
    account_id: str
    name: str
    path: str
    description: str
    trust_policy: str
    max_session_duration: int
    created_at: datetime

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role{self.path}{self.name}"


def _role(row: Row) -> Role:  # type: ignore[type-arg]
    return Role(row.id, row.account_id, row.name, row.path, row.description,
                row.trust_policy, row.max_session_duration, as_utc(row.created_at))


def _role_id() -> str:
    # The shape of a user id, with the prefix AWS gives role ids.
    return "AROA" + ids.user_id().removeprefix("AIDA")


def validate_trust_policy(document: str | None) -> None:
    """Refuse a trust policy IAM would refuse: MalformedPolicyDocument or LimitExceeded."""
    if not document:
        raise MalformedPolicyDocument("The policy document must not be empty.")
    if len(_WHITESPACE.sub("", document)) > MAX_TRUST_POLICY_SIZE:
        raise LimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_POLICY_SIZE}")
    try:
        raw = json.loads(document)
    except json.JSONDecodeError:
        raise MalformedPolicyDocument("This policy contains invalid Json") from None
    statements = raw.get("Statement") if isinstance(raw, dict) else None
    items = statements if isinstance(statements, list) else [statements]
    for item in items:
        if not isinstance(item, dict):
            continue  # parse_policy below names what is wrong with it
        if "Resource" in item or "NotResource" in item:
            raise MalformedPolicyDocument("Has prohibited field Resource")
        for action in _actions(item):
            if not action.lower().startswith("sts:"):
                raise MalformedPolicyDocument("AssumeRole policy may only specify STS "
                                              "AssumeRole actions.")
        # The engine's resource-policy grammar requires a Resource; here the resource is
        # implicitly the role, so the check runs on a copy that says so.
        item["Resource"] = "*"
    try:
        parse_policy(json.dumps(raw), kind="resource", name="AssumeRolePolicyDocument")
    except MalformedPolicy as exc:
        raise MalformedPolicyDocument(str(exc)) from exc


def _actions(statement: dict[str, object]) -> list[str]:
    value = statement.get("Action", statement.get("NotAction", []))
    items = value if isinstance(value, list) else [value]
    return [a for a in items if isinstance(a, str)]


def check_max_session(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise ValidationError(f"Value '{value}' at 'maxSessionDuration' failed to satisfy "
                              "constraint: Member must be an integer") from None
    if not MIN_SESSION <= seconds <= MAX_SESSION:
        bound = (f"greater than or equal to {MIN_SESSION}" if seconds < MIN_SESSION
                 else f"less than or equal to {MAX_SESSION}")
        raise ValidationError(f"1 validation error detected: Value '{seconds}' at "
                              f"'maxSessionDuration' failed to satisfy constraint: Member "
                              f"must have value {bound}")
    return seconds


def check_description(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_DESCRIPTION:
        raise ValidationError(f"1 validation error detected: Value at 'description' failed "
                              "to satisfy constraint: Member must have length less than or "
                              f"equal to {MAX_DESCRIPTION}")
    if not _DESCRIPTION.fullmatch(value):
        raise ValidationError("1 validation error detected: Value at 'description' failed "
                              "to satisfy constraint: Member must satisfy regular expression "
                              "pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*")
    return value


def find_role(conn: Connection, account: str, name: str) -> Role | None:
    row = conn.execute(select(roles).where(
        roles.c.account_id == account, func.lower(roles.c.name) == name.lower())).first()
    return _role(row) if row else None


def require_role(conn: Connection, account: str, name: str) -> Role:
    role = find_role(conn, account, name)
    if role is None:
        raise NoSuchEntity(f"The role with name {name} cannot be found.")
    return role


def create_role(store: Store, account: str, name: str, trust_policy: str,
                path: str | None = None, description: str | None = None,
                max_session_duration: str | None = None) -> Role:
    check_name("roleName", name, MAX_NAME)
    path = check_path(path)
    description = check_description(description) or ""
    seconds = check_max_session(max_session_duration) or DEFAULT_SESSION
    validate_trust_policy(trust_policy)
    with store.engine.begin() as conn:
        if find_role(conn, account, name) is not None:
            raise EntityAlreadyExists(f"Role with name {name} already exists.")
        count = conn.execute(select(func.count()).select_from(roles)
                             .where(roles.c.account_id == account)).scalar_one()
        if count >= ROLES_PER_ACCOUNT:
            raise LimitExceeded(f"Cannot exceed quota for RolesPerAccount: {ROLES_PER_ACCOUNT}")
        role = Role(_role_id(), account, name, path, description, trust_policy, seconds,
                    store.now())
        conn.execute(insert(roles).values(
            id=role.id, account_id=account, name=name, path=path, description=description,
            trust_policy=trust_policy, max_session_duration=seconds,
            created_at=role.created_at))
    return role


def get_role(store: Store, account: str, name: str) -> Role:
    with store.engine.connect() as conn:
        return require_role(conn, account, name)


def list_roles(store: Store, account: str, path_prefix: str = "/") -> list[Role]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(roles).where(roles.c.account_id == account)
                            .order_by(roles.c.name)).all()
    return [r for r in map(_role, rows) if r.path.startswith(path_prefix)]


def delete_role(store: Store, account: str, name: str) -> None:
    """Delete a role with no attached or inline policies, as IAM requires."""
    with store.engine.begin() as conn:
        role = require_role(conn, account, name)
        if conn.execute(select(role_policy_attachments.c.policy_id)
                        .where(role_policy_attachments.c.role_id == role.id).limit(1)).first():
            raise DeleteConflict("Cannot delete entity, must detach all policies first.")
        if conn.execute(select(inline_policies.c.name)
                        .where(inline_policies.c.owner_kind == "role",
                               inline_policies.c.owner_id == role.id).limit(1)).first():
            raise DeleteConflict("Cannot delete entity, must delete policies first.")
        conn.execute(delete(roles).where(roles.c.id == role.id))


def update_assume_role_policy(store: Store, account: str, name: str, document: str) -> None:
    validate_trust_policy(document)
    with store.engine.begin() as conn:
        role = require_role(conn, account, name)
        conn.execute(update(roles).where(roles.c.id == role.id).values(trust_policy=document))


def update_role(store: Store, account: str, name: str, description: str | None = None,
                max_session_duration: str | None = None) -> Role:
    """Change a role's description and maximum session duration (UpdateRole)."""
    description = check_description(description)
    seconds = check_max_session(max_session_duration)
    with store.engine.begin() as conn:
        role = require_role(conn, account, name)
        values: dict[str, object] = {}
        if description is not None:
            values["description"] = description
        if seconds is not None:
            values["max_session_duration"] = seconds
        if values:
            conn.execute(update(roles).where(roles.c.id == role.id).values(**values))
        return require_role(conn, account, name)
