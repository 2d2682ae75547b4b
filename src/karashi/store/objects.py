"""Queries on buckets and objects. Keys are stored as UTF-8 bytes and ordered bytewise."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from karashi.store import Store, as_utc
from karashi.store.schema import buckets, multipart_uploads, objects

#: Keys per DELETE statement: well under every database's limit on bound parameters.
_DELETE_BATCH = 500


@dataclass(frozen=True)
class Bucket:
    name: str
    account_id: str
    region: str
    created_at: datetime
    #: The bucket policy exactly as it was put, or None.
    policy: str | None = None


@dataclass(frozen=True)
class ObjectMeta:
    bucket: str
    key: str
    size: int
    etag: str
    content_type: str
    last_modified: datetime
    blob: str
    headers: dict[str, str] = field(default_factory=dict)


class BucketExists(Exception):
    def __init__(self, owner: str) -> None:
        super().__init__(owner)
        self.owner = owner


def get_bucket(conn: Connection, name: str) -> Bucket | None:
    row = conn.execute(select(buckets).where(buckets.c.name == name)).first()
    if row is None:
        return None
    return Bucket(row.name, row.account_id, row.region, as_utc(row.created_at), row.policy)


def create_bucket(store: Store, name: str, account: str, region: str) -> Bucket:
    """Create the bucket; raises BucketExists (with its owner) if the name is taken."""
    bucket = Bucket(name, account, region, store.now())
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(buckets).values(
                name=name, account_id=account, region=region, created_at=bucket.created_at))
    except IntegrityError:
        with store.engine.connect() as conn:
            existing = get_bucket(conn, name)
        raise BucketExists(existing.account_id if existing else "") from None
    return bucket


def list_buckets(store: Store, account: str) -> list[Bucket]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(buckets).where(buckets.c.account_id == account)
                            .order_by(buckets.c.name)).all()
    return [Bucket(r.name, r.account_id, r.region, as_utc(r.created_at), r.policy)
            for r in rows]


def set_bucket_policy(store: Store, name: str, policy: str | None) -> bool:
    """Store the bucket's policy text (None removes it); False if the bucket is gone."""
    with store.engine.begin() as conn:
        result = conn.execute(update(buckets).where(buckets.c.name == name)
                              .values(policy=policy))
    return result.rowcount == 1


def delete_bucket(store: Store, name: str) -> bool:
    """Delete an empty bucket; False if it still holds objects or multipart uploads in
    progress (AWS aborts those instead; Karashi asks for them to be aborted first)."""
    with store.engine.begin() as conn:
        if conn.execute(select(objects.c.key).where(objects.c.bucket == name).limit(1)).first():
            return False
        if conn.execute(select(multipart_uploads.c.upload_id)
                        .where(multipart_uploads.c.bucket == name).limit(1)).first():
            return False
        conn.execute(delete(buckets).where(buckets.c.name == name))
    return True


def _meta(row: object) -> ObjectMeta:
    r = row  # a Row; typed loosely to keep the mapping readable
    return ObjectMeta(r.bucket, r.key.decode(), r.size, r.etag,  # type: ignore[attr-defined]
                      r.content_type, as_utc(r.last_modified),  # type: ignore[attr-defined]
                      r.blob, json.loads(r.headers))  # type: ignore[attr-defined]


def get_object(conn: Connection, bucket: str, key: str) -> ObjectMeta | None:
    row = conn.execute(select(objects).where(
        objects.c.bucket == bucket, objects.c.key == key.encode())).first()
    return _meta(row) if row else None


class PreconditionFailed(Exception):
    """A conditional write's condition did not hold (``header`` names which)."""

    def __init__(self, header: str, missing: bool = False) -> None:
        super().__init__(header)
        self.header, self.missing = header, missing


def put_object(store: Store, meta: ObjectMeta, if_none_match: bool = False,
               if_match: str | None = None) -> str | None:
    """Insert or replace the object's row; returns the blob it replaced, if any."""
    with store.engine.begin() as conn:
        return write_object_row(conn, meta, if_none_match, if_match)


def write_object_row(conn: Connection, meta: ObjectMeta, if_none_match: bool = False,
                     if_match: str | None = None) -> str | None:
    """Insert or replace the object's row within the caller's transaction; returns the
    blob it replaced, if any.

    Conditional writes ("Add preconditions to S3 operations with conditional requests",
    S3 User Guide) hold under concurrency: ``if_none_match`` writes only if no object
    exists (a racing insert fails on the primary key), ``if_match`` only if the stored
    ETag is still the one given (the UPDATE carries the condition). Either raises
    PreconditionFailed.
    """
    values = dict(size=meta.size, etag=meta.etag, content_type=meta.content_type,
                  headers=json.dumps(meta.headers, sort_keys=True), blob=meta.blob,
                  last_modified=meta.last_modified)
    key = meta.key.encode()
    where = (objects.c.bucket == meta.bucket) & (objects.c.key == key)
    old = conn.execute(select(objects.c.blob).where(where)).scalar_one_or_none()
    if old is not None and if_none_match:
        raise PreconditionFailed("If-None-Match")
    if old is None and if_match is not None:
        raise PreconditionFailed("If-Match", missing=True)
    if old is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(objects).values(bucket=meta.bucket, key=key, **values))
            return None
        except IntegrityError:
            if if_none_match:
                raise PreconditionFailed("If-None-Match") from None
            # Another writer created the key meanwhile: last writer wins, as in S3.
            old = conn.execute(select(objects.c.blob).where(where)).scalar_one()
    if if_match is not None:
        where = where & (objects.c.etag == if_match)
        old = conn.execute(select(objects.c.blob).where(where)).scalar_one_or_none()
        if old is None or not conn.execute(update(objects).where(where)
                                           .values(**values)).rowcount:
            raise PreconditionFailed("If-Match")
        return str(old)
    conn.execute(update(objects).where(where).values(**values))
    return str(old)


def delete_object(store: Store, bucket: str, key: str) -> str | None:
    """Remove the row; returns the blob to delete, or None if there was no object."""
    where = (objects.c.bucket == bucket) & (objects.c.key == key.encode())
    with store.engine.begin() as conn:
        blob = conn.execute(select(objects.c.blob).where(where)).scalar_one_or_none()
        if blob is not None:
            conn.execute(delete(objects).where(where))
    return None if blob is None else str(blob)


def delete_objects(store: Store, bucket: str, keys: list[str]) -> dict[str, str]:
    """Remove the rows of ``keys`` in one transaction; returns key -> blob to delete for
    each key that had an object (a missing key is no error, as in S3)."""
    removed: dict[str, str] = {}
    with store.engine.begin() as conn:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [key.encode() for key in keys[start:start + _DELETE_BATCH]]
            rows = conn.execute(delete(objects).where(
                objects.c.bucket == bucket, objects.c.key.in_(batch))
                .returning(objects.c.key, objects.c.blob)).all()
            removed.update((row.key.decode(), str(row.blob)) for row in rows)
    return removed


def _after(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with ``prefix``."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes([stripped[-1] + 1])


def scan(store: Store, bucket: str, prefix: str, start_after: str, limit: int,
         delimiter: str = "") -> tuple[list[ObjectMeta | str], bool]:
    """Up to ``limit`` entries after ``start_after``, in key order: objects, or common
    prefixes (as str) when a delimiter is given. Returns (entries, truncated)."""
    prefix_b, marker = prefix.encode(), start_after.encode()
    entries: list[ObjectMeta | str] = []
    lower, inclusive = max(marker, prefix_b), marker < prefix_b
    upper = _after(prefix_b) if prefix_b else None
    batch = limit + 1
    with store.engine.connect() as conn:
        while True:
            query = select(objects).where(objects.c.bucket == bucket)
            query = query.where(objects.c.key >= lower if inclusive else objects.c.key > lower)
            if upper is not None:
                query = query.where(objects.c.key < upper)
            rows = conn.execute(query.order_by(objects.c.key).limit(batch)).all()
            jumped = False
            for row in rows:
                key = row.key.decode()
                cut = key.find(delimiter, len(prefix)) if delimiter else -1
                if cut < 0:
                    if len(entries) == limit:
                        return entries, True
                    entries.append(_meta(row))
                    lower, inclusive = row.key, False
                    continue
                # Every key under this common prefix rolls up into one entry; the next
                # query starts past all of them.
                common = key[: cut + len(delimiter)]
                if common.encode() > marker:
                    if len(entries) == limit:
                        return entries, True
                    entries.append(common)
                skip = _after(common.encode())
                if skip is None:
                    return entries, False
                lower, inclusive, jumped = skip, True, True
                break
            if not jumped and len(rows) < batch:
                return entries, False
