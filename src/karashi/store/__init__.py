"""Metadata tables and queries, sealed secrets, and the blob store."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from karashi.store.blobs import BlobStore
from karashi.store.database import migrate, open_engine
from karashi.store.sealed import Sealer, load_or_create_key


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass
class Store:
    """Everything persistent: the metadata engine, the sealer and the blob store."""

    engine: Engine
    sealer: Sealer
    blobs: BlobStore
    clock: Callable[[], float] = field(default=time.time)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    @classmethod
    def open(cls, data_dir: Path, database_url: str = "", master_key: str = "",
             clock: Callable[[], float] = time.time) -> Store:
        # Object bodies are stored as sent: the folder is its owner's alone.
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        url = database_url or f"sqlite:///{(data_dir / 'karashi.db').resolve()}"
        engine = open_engine(url)
        migrate(engine)
        sealer = Sealer(load_or_create_key(data_dir, master_key))
        return cls(engine=engine, sealer=sealer, blobs=BlobStore(data_dir), clock=clock)

    def close(self) -> None:
        self.engine.dispose()
