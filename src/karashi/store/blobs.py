"""Object data on disk.

Object keys never become file names: each stored body gets a random blob id and lives at
``blobs/<id[:2]>/<id>``, so no key (``../``, NUL, 1,024 bytes of UTF-8) can reach outside
the data folder or collide with another. A write goes to ``tmp/`` first, is fsynced,
renamed into place and its directory fsynced; only then is the metadata row written,
so a crash never leaves a partial object visible. A blob left behind by a crash
between the rename and the metadata commit is garbage, never a visible object.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

READ_CHUNK = 256 * 1024


class BlobWriter:
    """A body being written: feed it pieces, then ``commit`` or ``abort``."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store
        self.blob_id = secrets.token_hex(16)
        self._tmp = store.tmp_dir / self.blob_id
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh: BinaryIO | None = os.fdopen(fd, "wb")
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)

    def write(self, data: bytes) -> None:
        assert self._fh is not None, "write after commit or abort"
        self._fh.write(data)
        self._md5.update(data)
        self.size += len(data)

    @property
    def etag(self) -> str:
        return self._md5.hexdigest()

    def commit(self) -> str:
        """Make the data durable under its blob id; returns the id."""
        assert self._fh is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        self._fh = None
        final = self._store.path_of(self.blob_id)
        final.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(self._tmp, final)
        _fsync_dir(final.parent)
        return self.blob_id

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._tmp.unlink(missing_ok=True)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / "tmp"
        self.blob_dir = root / "blobs"
        self.tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.blob_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Anything in tmp/ is an upload that never finished.
        for leftover in self.tmp_dir.iterdir():
            leftover.unlink(missing_ok=True)

    def path_of(self, blob_id: str) -> Path:
        if len(blob_id) != 32 or not all(c in "0123456789abcdef" for c in blob_id):
            raise ValueError("not a blob id")
        return self.blob_dir / blob_id[:2] / blob_id

    def writer(self) -> BlobWriter:
        return BlobWriter(self)

    def open(self, blob_id: str) -> BinaryIO:
        """The blob opened for reading; it stays readable if the blob is deleted."""
        return open(self.path_of(blob_id), "rb")

    def read(self, blob_id: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Yield the blob's bytes from ``start``, ``length`` of them (all if None)."""
        with open(self.path_of(blob_id), "rb") as fh:
            fh.seek(start)
            remaining = length
            while remaining is None or remaining > 0:
                want = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
                data = fh.read(want)
                if not data:
                    break
                if remaining is not None:
                    remaining -= len(data)
                yield data

    def delete(self, blob_id: str) -> None:
        self.path_of(blob_id).unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
