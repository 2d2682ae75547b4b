"""The metadata database: migrations match the tables, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from karashi.identity import users
from karashi.identity.accounts import create_account
from karashi.identity.caller import resolve_caller
from karashi.store import Store
from karashi.store.database import migrate, open_engine
from karashi.store.schema import metadata

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the PostgreSQL server running on this machine."""
    name = "karashi_test_" + secrets.token_hex(4)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _assert_matches_schema(engine: Engine) -> None:
    try:
        migrate(engine)
        migrate(engine)  # a second run changes nothing
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == [], f"migrations and store/schema.py disagree: {diff}"
        assert set(inspect(engine).get_table_names()) >= set(metadata.tables)
    finally:
        engine.dispose()


def test_sqlite_migrations_match_schema(tmp_path: Path) -> None:
    """Alembic's head creates exactly the tables store/schema.py describes (SQLite)."""
    _assert_matches_schema(open_engine(f"sqlite:///{tmp_path / 'k.db'}"))


def test_postgresql_migrations_match_schema(pg_url: str) -> None:
    """The same migrations create the same tables on PostgreSQL."""
    _assert_matches_schema(open_engine(pg_url))


def test_postgresql_identity_round_trip(tmp_path: Path, pg_url: str) -> None:
    """Accounts, users and sealed keys work unchanged on PostgreSQL."""
    store = Store.open(tmp_path, database_url=pg_url)
    try:
        account = create_account(store, "pg")
        users.create_user(store, account.account_id, "alice")
        key = users.create_access_key(store, account.account_id, "alice")
        caller = resolve_caller(store, key.id, None)
        assert caller.user is not None and caller.user.name == "alice"
        assert caller.secret_access_key == key.secret
    finally:
        store.close()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    """The embedded database uses write-ahead logging."""
    store = Store.open(tmp_path)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()
