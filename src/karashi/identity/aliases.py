"""Account aliases: one friendly, globally unique name per account.

IAM API Reference, CreateAccountAlias: 3 to 63 lowercase letters, digits and hyphens,
neither starting nor ending with a hyphen, no two hyphens in a row; the IAM quotas page
adds that an alias is unique across all accounts and is not twelve digits (it would read
as an account id), and ListAccountAliases that an account has at most one.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from karashi.identity.errors import (
    EntityAlreadyExists, LimitExceeded, NoSuchEntity, ValidationError,
)
from karashi.store import Store
from karashi.store.schema import account_aliases

_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]")
MAX_ALIASES_PER_ACCOUNT = 1


def check_alias(alias: str | None) -> str:
    if not alias:
        raise ValidationError("1 validation error detected: Value at 'accountAlias' failed "
                              "to satisfy constraint: Member must not be null")
    if not _ALIAS.fullmatch(alias) or (len(alias) == 12 and alias.isdigit()):
        raise ValidationError(f"1 validation error detected: Value '{alias}' at "
                              "'accountAlias' failed to satisfy constraint: Member must be "
                              "3 to 63 lowercase letters, digits and single hyphens, "
                              "starting and ending with a letter or digit, and not an "
                              "account id (regular expression pattern: "
                              "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$)")
    return alias


def create_alias(store: Store, account: str, alias: str) -> None:
    check_alias(alias)
    try:
        with store.engine.begin() as conn:
            if conn.execute(select(account_aliases.c.alias)
                            .where(account_aliases.c.alias == alias)).first():
                raise EntityAlreadyExists(f"The account alias {alias} already exists.")
            if conn.execute(select(account_aliases.c.alias)
                            .where(account_aliases.c.account_id == account)).first():
                raise LimitExceeded("Cannot exceed quota for AccountAliasesPerAccount: "
                                    f"{MAX_ALIASES_PER_ACCOUNT}")
            conn.execute(insert(account_aliases).values(alias=alias, account_id=account))
    except IntegrityError:
        # A concurrent CreateAccountAlias took the name, or gave this account its alias;
        # the unique constraints decide, and the next attempt says which.
        raise EntityAlreadyExists(f"The account alias {alias} already exists.") from None


def delete_alias(store: Store, account: str, alias: str) -> None:
    check_alias(alias)
    with store.engine.begin() as conn:
        if not conn.execute(delete(account_aliases).where(
                account_aliases.c.alias == alias,
                account_aliases.c.account_id == account)).rowcount:
            raise NoSuchEntity(f"The account alias {alias} cannot be found.")


def list_aliases(store: Store, account: str) -> list[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(account_aliases.c.alias)
                            .where(account_aliases.c.account_id == account)
                            .order_by(account_aliases.c.alias)).all()
    return [str(r.alias) for r in rows]
