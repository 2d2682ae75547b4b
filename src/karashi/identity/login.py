"""Console passwords: login profiles and the account's password policy.

Passwords are hashed with Argon2id and never stored, logged or echoed in an error. The
policy is checked on every password set (CreateLoginProfile, UpdateLoginProfile,
ChangePassword); without a custom policy, IAM's default one applies ("Set an account
password policy for IAM users", IAM User Guide). Hashing is slow on purpose, so it runs
before a transaction opens, never inside one.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from karashi.errors import ServiceError
from karashi.identity.errors import EntityAlreadyExists, NoSuchEntity, ValidationError
from karashi.identity.users import User, require_user
from karashi.store import Store, as_utc
from karashi.store.schema import accounts, login_profiles, password_policies

_hasher = PasswordHasher()

#: IAM's password alphabet: tab, line feed, carriage return and U+0020..U+00FF.
_PASSWORD = re.compile(r"[\t\n\r\x20-\xff]+")
#: The symbols a policy's RequireSymbols asks for (UpdateAccountPasswordPolicy).
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
POLICY_VERSION = 1


class PasswordPolicyViolation(ServiceError):
    code, status = "PasswordPolicyViolation", 400


class InvalidUserType(ServiceError):
    code, status = "InvalidUserType", 400


class EntityTemporarilyUnmodifiable(ServiceError):
    code, status = "EntityTemporarilyUnmodifiable", 409


@dataclass(frozen=True)
class PasswordPolicy:
    """An account's password policy; the defaults are UpdateAccountPasswordPolicy's."""

    minimum_length: int = 6
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    #: Days; 0 means passwords never expire.
    max_age_days: int = 0
    #: How many previous passwords may not be reused; 0 means any may.
    reuse_prevention: int = 0
    hard_expiry: bool = False

    @property
    def expire_passwords(self) -> bool:
        return self.max_age_days > 0


@dataclass(frozen=True)
class LoginProfile:
    user_name: str
    created_at: datetime
    reset_required: bool


def _policy_from_settings(text: str) -> PasswordPolicy:
    """The stored JSON as a policy, upgraded from older versions (there are none yet)."""
    raw = json.loads(text)
    version = raw.pop("version", None)
    if version != POLICY_VERSION:
        raise ServiceError(f"Stored password policy has unknown version {version!r}.")
    known = {f.name for f in fields(PasswordPolicy)}
    return PasswordPolicy(**{k: v for k, v in raw.items() if k in known})


def _load_policy(conn: Connection, account: str) -> PasswordPolicy | None:
    row = conn.execute(select(password_policies.c.settings)
                       .where(password_policies.c.account_id == account)).first()
    return _policy_from_settings(row.settings) if row else None


def get_password_policy(store: Store, account: str) -> PasswordPolicy:
    with store.engine.connect() as conn:
        policy = _load_policy(conn, account)
    if policy is None:
        raise NoSuchEntity(f"The Password Policy with domain name {account} cannot be found.")
    return policy


def update_password_policy(store: Store, account: str, policy: PasswordPolicy) -> None:
    """Replace the account's policy: UpdateAccountPasswordPolicy has no partial update."""
    settings = json.dumps({"version": POLICY_VERSION, **asdict(policy)}, sort_keys=True)
    with store.engine.begin() as conn:
        changed = conn.execute(update(password_policies).where(
            password_policies.c.account_id == account).values(settings=settings)).rowcount
        if not changed:
            conn.execute(insert(password_policies).values(account_id=account,
                                                          settings=settings))


def delete_password_policy(store: Store, account: str) -> None:
    with store.engine.begin() as conn:
        if not conn.execute(delete(password_policies)
                            .where(password_policies.c.account_id == account)).rowcount:
            raise NoSuchEntity(f"The Password Policy with domain name {account} cannot be "
                               "found.")


def check_password_format(label: str, password: str | None) -> str:
    """1 to 128 characters of IAM's password alphabet; the value is never echoed."""
    if password is None or password == "":
        raise ValidationError(f"1 validation error detected: Value at '{label}' failed to "
                              "satisfy constraint: Member must not be null")
    if len(password) > 128:
        raise ValidationError(f"1 validation error detected: Value at '{label}' failed to "
                              "satisfy constraint: Member must have length less than or "
                              "equal to 128")
    if not _PASSWORD.fullmatch(password):
        raise ValidationError(f"1 validation error detected: Value at '{label}' failed to "
                              "satisfy constraint: Member must satisfy regular expression "
                              "pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
    return password


def _classes(password: str) -> dict[str, bool]:
    return {
        "at least one uppercase letter": any("A" <= c <= "Z" for c in password),
        "at least one lowercase letter": any("a" <= c <= "z" for c in password),
        "at least one number": any("0" <= c <= "9" for c in password),
        "at least one symbol": any(c in SYMBOLS for c in password),
    }


def check_policy(policy: PasswordPolicy | None, password: str, account_name: str) -> None:
    """Raise PasswordPolicyViolation naming every rule ``password`` does not meet."""
    present = _classes(password)
    unmet: list[str] = []
    if policy is None:
        # IAM's default policy: at least 8 characters, three of the four character
        # classes, and not the account's name.
        if len(password) < 8:
            unmet.append("have a minimum length of 8")
        if sum(present.values()) < 3:
            unmet.append("mix at least three of uppercase letters, lowercase letters, "
                         "numbers and symbols")
        if password.lower() == account_name.lower():
            unmet.append("not be the account name")
    else:
        if len(password) < policy.minimum_length:
            unmet.append(f"have a minimum length of {policy.minimum_length}")
        wanted = {
            "at least one uppercase letter": policy.require_uppercase,
            "at least one lowercase letter": policy.require_lowercase,
            "at least one number": policy.require_numbers,
            "at least one symbol": policy.require_symbols,
        }
        unmet += [f"have {rule}" for rule, required in wanted.items()
                  if required and not present[rule]]
    if unmet:
        raise PasswordPolicyViolation("Password should " + " and ".join(unmet) + ".")


def _matches(password_hash: str, password: str) -> bool:
    """Argon2's own constant-time verification; False on a mismatch or a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class _Current:
    """What a password set needs to know, read before the slow hashing."""

    user: User
    policy: PasswordPolicy | None
    account_name: str
    password_hash: str | None


def _current(store: Store, account: str, user_name: str) -> _Current:
    with store.engine.connect() as conn:
        user = require_user(conn, account, user_name)
        policy = _load_policy(conn, account)
        name = conn.execute(select(accounts.c.name).where(accounts.c.id == account)).scalar()
        row = conn.execute(select(login_profiles.c.password_hash)
                           .where(login_profiles.c.user_id == user.id)).first()
    return _Current(user, policy, str(name or ""), row.password_hash if row else None)


def _new_hash(current: _Current, password: str) -> str:
    """Check ``password`` against the policy and hash it.

    PasswordReusePrevention can only be held against the current password: earlier
    hashes are not kept (that needs a password history table). For a setting of 1 this
    is exactly IAM's rule.
    """
    check_policy(current.policy, password, current.account_name)
    if (current.policy is not None and current.policy.reuse_prevention > 0
            and current.password_hash is not None
            and _matches(current.password_hash, password)):
        raise PasswordPolicyViolation("Password should not be one of the "
                                      f"{current.policy.reuse_prevention} previous "
                                      "passwords.")
    return _hasher.hash(password)


def _no_profile(user_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"Login Profile for User {user_name} cannot be found.")


def create_login_profile(store: Store, account: str, user_name: str, password: str,
                         reset_required: bool = False) -> LoginProfile:
    check_password_format("password", password)
    current = _current(store, account, user_name)
    if current.password_hash is not None:
        raise EntityAlreadyExists(f"Login Profile for user {current.user.name} already "
                                  "exists.")
    password_hash = _new_hash(current, password)
    now = store.now()
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(login_profiles).values(
                user_id=current.user.id, password_hash=password_hash,
                reset_required=reset_required, created_at=now, changed_at=now))
    except IntegrityError:
        # A concurrent CreateLoginProfile won, or the user was deleted meanwhile.
        raise EntityAlreadyExists(f"Login Profile for user {current.user.name} already "
                                  "exists.") from None
    return LoginProfile(current.user.name, now, reset_required)


def get_login_profile(store: Store, account: str, user_name: str) -> LoginProfile:
    with store.engine.connect() as conn:
        user = require_user(conn, account, user_name)
        row = conn.execute(select(login_profiles)
                           .where(login_profiles.c.user_id == user.id)).first()
    if row is None:
        raise _no_profile(user.name)
    return LoginProfile(user.name, as_utc(row.created_at), bool(row.reset_required))


def update_login_profile(store: Store, account: str, user_name: str,
                         password: str | None, reset_required: bool | None) -> None:
    """Set a new password and/or the reset flag (UpdateLoginProfile)."""
    if password is not None:
        check_password_format("password", password)
    current = _current(store, account, user_name)
    if current.password_hash is None:
        raise _no_profile(current.user.name)
    values: dict[str, object] = {}
    if password is not None:
        values.update(password_hash=_new_hash(current, password), changed_at=store.now())
    if reset_required is not None:
        values["reset_required"] = reset_required
    if not values:
        return
    with store.engine.begin() as conn:
        if not conn.execute(update(login_profiles).where(
                login_profiles.c.user_id == current.user.id).values(**values)).rowcount:
            raise _no_profile(current.user.name)


def delete_login_profile(store: Store, account: str, user_name: str) -> None:
    with store.engine.begin() as conn:
        user = require_user(conn, account, user_name)
        if not conn.execute(delete(login_profiles)
                            .where(login_profiles.c.user_id == user.id)).rowcount:
            raise _no_profile(user.name)


def change_password(store: Store, account: str, user: User | None, old_password: str,
                    new_password: str) -> None:
    """The calling IAM user changes its own password (ChangePassword).

    The root user has no login profile here: InvalidUserType, as IAM answers. A wrong
    old password is also InvalidUserType: it is the only code the ChangePassword page of
    the IAM API Reference lists for a caller that may not make the change (that page has
    no dedicated code; InvalidAuthenticationCode belongs to MFA calls).
    """
    check_password_format("oldPassword", old_password)
    check_password_format("newPassword", new_password)
    if user is None:
        raise InvalidUserType("Only IAM users can change their own password.")
    current = _current(store, account, user.name)
    if current.password_hash is None:
        raise _no_profile(current.user.name)
    if not _matches(current.password_hash, old_password):
        raise InvalidUserType("The old password is incorrect.")
    new_hash = _new_hash(current, new_password)
    with store.engine.begin() as conn:
        # Conditional on the hash just verified: a concurrent change wins, this one fails.
        changed = conn.execute(update(login_profiles).where(
            login_profiles.c.user_id == current.user.id,
            login_profiles.c.password_hash == current.password_hash,
        ).values(password_hash=new_hash, changed_at=store.now(),
                 reset_required=False)).rowcount
    if not changed:
        raise EntityTemporarilyUnmodifiable(f"Login Profile for User {current.user.name} "
                                            "was changed meanwhile; try again.")
