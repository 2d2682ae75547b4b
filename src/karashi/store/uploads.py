"""Queries on multipart uploads in progress and their parts.

An upload belongs to one bucket and key: every lookup names all three, so an upload id
used with another key is not found. Writes that depend on the upload still existing
lock its row first (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway),
so a part can never be added to an upload that Complete or Abort has just removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, tuple_, update

from karashi.store import Store, as_utc
from karashi.store.objects import ObjectMeta, write_object_row
from karashi.store.schema import multipart_uploads, upload_parts


@dataclass(frozen=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    content_type: str
    initiator: str
    initiated: datetime
    headers: dict[str, str] = field(default_factory=dict)
    checksum_algorithm: str | None = None


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str
    blob: str
    last_modified: datetime
    checksums: dict[str, str] = field(default_factory=dict)


class UploadGone(Exception):
    """The upload was completed or aborted, or never existed for this bucket and key."""


def _upload(row: object) -> Upload:
    r = row  # a Row; typed loosely to keep the mapping readable
    return Upload(r.upload_id, r.bucket, r.key.decode(),  # type: ignore[attr-defined]
                  r.content_type, r.initiator,  # type: ignore[attr-defined]
                  as_utc(r.initiated), json.loads(r.headers),  # type: ignore[attr-defined]
                  r.checksum_algorithm)  # type: ignore[attr-defined]


def _part(row: object) -> Part:
    r = row
    return Part(r.part_number, r.size, r.etag, r.blob,  # type: ignore[attr-defined]
                as_utc(r.last_modified), json.loads(r.checksums))  # type: ignore[attr-defined]


def _where(bucket: str, key: str, upload_id: str):  # type: ignore[no-untyped-def]
    return ((multipart_uploads.c.upload_id == upload_id)
            & (multipart_uploads.c.bucket == bucket)
            & (multipart_uploads.c.key == key.encode()))


def _lock(conn: Connection, bucket: str, key: str, upload_id: str) -> None:
    found = conn.execute(select(multipart_uploads.c.upload_id)
                         .where(_where(bucket, key, upload_id)).with_for_update()).first()
    if found is None:
        raise UploadGone(upload_id)


def create_upload(store: Store, upload: Upload) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(multipart_uploads).values(
            upload_id=upload.upload_id, bucket=upload.bucket, key=upload.key.encode(),
            content_type=upload.content_type,
            headers=json.dumps(upload.headers, sort_keys=True),
            checksum_algorithm=upload.checksum_algorithm, initiator=upload.initiator,
            initiated=upload.initiated))


def get_upload(store: Store, bucket: str, key: str, upload_id: str) -> Upload | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(multipart_uploads)
                           .where(_where(bucket, key, upload_id))).first()
    return _upload(row) if row else None


def put_part(store: Store, bucket: str, key: str, upload_id: str, part: Part) -> str | None:
    """Record a part whose blob is durable; returns the blob of the part it replaced.
    Raises UploadGone if the upload no longer exists."""
    values = {"size": part.size, "etag": part.etag, "blob": part.blob,
              "checksums": json.dumps(part.checksums, sort_keys=True),
              "last_modified": part.last_modified}
    where = (upload_parts.c.upload_id == upload_id) & (upload_parts.c.part_number == part.number)
    with store.engine.begin() as conn:
        _lock(conn, bucket, key, upload_id)
        old = conn.execute(select(upload_parts.c.blob).where(where)).scalar_one_or_none()
        if old is None:
            conn.execute(insert(upload_parts).values(
                upload_id=upload_id, part_number=part.number, **values))
            return None
        conn.execute(update(upload_parts).where(where).values(**values))
    return str(old)


def list_parts(store: Store, upload_id: str, after: int, limit: int
               ) -> tuple[list[Part], bool]:
    """Up to ``limit`` parts numbered above ``after``; returns (parts, truncated)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(upload_parts)
                            .where(upload_parts.c.upload_id == upload_id,
                                   upload_parts.c.part_number > after)
                            .order_by(upload_parts.c.part_number).limit(limit + 1)).all()
    return [_part(r) for r in rows[:limit]], len(rows) > limit


def all_parts(store: Store, upload_id: str) -> dict[int, Part]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(upload_parts)
                            .where(upload_parts.c.upload_id == upload_id)).all()
    return {row.part_number: _part(row) for row in rows}


def _remove(conn: Connection, upload_id: str) -> list[str]:
    blobs = conn.execute(delete(upload_parts).where(upload_parts.c.upload_id == upload_id)
                         .returning(upload_parts.c.blob)).scalars().all()
    conn.execute(delete(multipart_uploads).where(multipart_uploads.c.upload_id == upload_id))
    return [str(blob) for blob in blobs]


def complete_upload(store: Store, upload: Upload, obj: ObjectMeta) -> list[str]:
    """In one transaction: write the object's row and remove the upload and its parts.
    Returns the blobs to delete once committed (the replaced object's and every
    part's). Raises UploadGone if the upload was completed or aborted meanwhile."""
    with store.engine.begin() as conn:
        _lock(conn, upload.bucket, upload.key, upload.upload_id)
        garbage = _remove(conn, upload.upload_id)
        replaced = write_object_row(conn, obj)
    return garbage + ([replaced] if replaced is not None else [])


def abort_upload(store: Store, bucket: str, key: str, upload_id: str) -> list[str]:
    """Remove the upload and its parts; returns the part blobs to delete. Raises
    UploadGone if there is no such upload for this bucket and key."""
    with store.engine.begin() as conn:
        _lock(conn, bucket, key, upload_id)
        return _remove(conn, upload_id)


def list_uploads(store: Store, bucket: str, prefix: str, key_marker: str,
                 upload_id_marker: str, limit: int) -> tuple[list[Upload], bool]:
    """Uploads in progress, ordered by key (bytewise) then upload id, starting after
    (key_marker, upload_id_marker), or after every upload of key_marker when no upload
    id marker is given. Returns (uploads, truncated)."""
    c = multipart_uploads.c
    query = select(multipart_uploads).where(c.bucket == bucket)
    if prefix:
        # Compared as bytes: LIKE would treat % and _ in the prefix as wildcards.
        prefix_b = prefix.encode()
        query = query.where(c.key >= prefix_b)
    marker = key_marker.encode()
    if key_marker and upload_id_marker:
        query = query.where(tuple_(c.key, c.upload_id) > tuple_(marker, upload_id_marker))
    elif key_marker:
        query = query.where(c.key > marker)
    uploads: list[Upload] = []
    with store.engine.connect() as conn:
        for row in conn.execute(query.order_by(c.key, c.upload_id)):
            if prefix and not bytes(row.key).startswith(prefix.encode()):
                break
            if len(uploads) == limit:
                return uploads, True
            uploads.append(_upload(row))
    return uploads, False
