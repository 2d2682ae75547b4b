"""Alembic environment: runs migrations on the connection Karashi hands it."""

from __future__ import annotations

from alembic import context

from karashi.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Karashi migrations run through karashi.store.database.migrate()")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
