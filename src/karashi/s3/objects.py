"""Object operations: PutObject, GetObject (with Range), HeadObject, DeleteObject.

Karashi does not version objects: each key has one version, the one S3 calls "null"
("Working with objects in a versioning-suspended bucket", S3 User Guide). A request
for ``versionId=null`` is served as one without; any other version id is NoSuchVersion,
found after authorization so that it reveals nothing to a caller who may not ask.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import BinaryIO
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from karashi.errors import ServiceError
from karashi.http.response import Response
from karashi.s3.call import S3Call, blocking
from karashi.s3.errors import (
    InvalidRange, NoSuchKey, NoSuchVersion, NotImplemented_, PreconditionFailed,
)
from karashi.s3.settings import check_canned_acl
from karashi.s3.upload import receive_body
from karashi.store import objects as meta
from karashi.store.blobs import READ_CHUNK, BlobStore
from karashi.store.objects import ObjectMeta

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
#: Bodies up to this size are read in one go; larger ones are streamed.
SMALL_BODY = 256 * 1024
#: Headers kept with an object and returned on GET and HEAD.
STORED_HEADERS = ("content-encoding", "content-disposition", "content-language",
                  "cache-control", "expires")
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_OVERRIDES = {
    "response-content-type": "content-type",
    "response-content-language": "content-language",
    "response-expires": "expires",
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
}


def check_version(key: str, version_id: str | None) -> None:
    """Raise NoSuchVersion for any version but the one Karashi keeps ("null")."""
    if version_id is not None and version_id != "null":
        raise NoSuchVersion("The specified version does not exist.", Key=key,
                            VersionId=version_id)


def stored_headers(call: S3Call) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in call.request.headers.items():
        if name.startswith("x-amz-meta-") or name in STORED_HEADERS:
            kept[name] = value
    encoding = [e for e in kept.get("content-encoding", "").split(",")
                if e.strip() and e.strip() != "aws-chunked"]
    if encoding:
        kept["content-encoding"] = ",".join(e.strip() for e in encoding)
    else:
        kept.pop("content-encoding", None)
    return kept


async def put_object(call: S3Call) -> Response:
    check_canned_acl(call.request)
    writer = await blocking(call.store.blobs.writer)
    try:
        checksums = await receive_body(call, writer)
        blob = await blocking(writer.commit)
    except BaseException:
        writer.abort()
        raise

    headers = stored_headers(call) | checksums
    obj = ObjectMeta(call.bucket, call.key, writer.size, writer.etag,
                     call.request.headers.get("content-type") or DEFAULT_CONTENT_TYPE,
                     call.store.now(), blob, headers)
    await commit_object(call, obj, *write_conditions(call))
    return Response(200, headers=[("etag", f'"{obj.etag}"'), *checksums.items()])


def write_conditions(call: S3Call) -> tuple[bool, str | None]:
    """(If-None-Match: *, If-Match ETag) of a conditional write. S3 takes only ``*`` in
    If-None-Match on writes."""
    none_match = call.request.headers.get("if-none-match")
    if none_match is not None and none_match.strip() != "*":
        raise NotImplemented_("If-None-Match on a write takes only '*'.",
                              Header="If-None-Match")
    match = call.request.headers.get("if-match")
    return none_match is not None, match.strip().strip('"') if match is not None else None


async def commit_object(call: S3Call, obj: ObjectMeta, if_none_match: bool = False,
                        if_match: str | None = None) -> None:
    """Write the metadata row of a blob already durable, making the object visible;
    then remove the blob it replaced. On failure the new blob is removed."""
    try:
        replaced = await blocking(meta.put_object, call.store, obj, if_none_match, if_match)
    except meta.PreconditionFailed as failed:
        await blocking(call.store.blobs.delete, obj.blob)
        if failed.missing:
            raise NoSuchKey("The specified key does not exist.", Key=call.key) from None
        raise PreconditionFailed("At least one of the pre-conditions you specified did not "
                                 "hold", Condition=failed.header) from None
    except BaseException:
        await blocking(call.store.blobs.delete, obj.blob)
        raise
    if replaced is not None:
        await blocking(call.store.blobs.delete, replaced)


class Body:
    """An object's body as the handler holds it: the bytes of a small one, or an open
    file for a larger one (an open file survives an overwrite removing its blob)."""

    def __init__(self, data: bytes | None = None, file: BinaryIO | None = None) -> None:
        self.data, self.file = data, file

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _load(blobs: BlobStore, obj: ObjectMeta) -> Body:
    file = blobs.open(obj.blob)
    if obj.size > SMALL_BODY:
        return Body(file=file)
    with file:
        return Body(data=file.read())


async def _object(call: S3Call, with_body: bool) -> tuple[ObjectMeta, Body | None]:
    """The object's metadata and, if asked, its body, in one trip to a worker thread;
    the pipeline has already found the bucket. If an overwrite removed the blob between
    the two reads, the row is read again."""
    def lookup() -> tuple[ObjectMeta | None, Body | None]:
        for _ in range(3):
            with call.store.engine.connect() as conn:
                obj = meta.get_object(conn, call.bucket, call.key)
            if obj is None or not with_body:
                return obj, None
            try:
                return obj, _load(call.store.blobs, obj)
            except FileNotFoundError:
                continue
        raise ServiceError("The object changed too often while being read; try again.",
                           code="SlowDown", status=503)
    obj, body = await blocking(lookup)
    if obj is None:
        raise NoSuchKey("The specified key does not exist.", Key=call.key)
    return obj, body


def _object_headers(call: S3Call, obj: ObjectMeta, ranged: bool) -> list[tuple[str, str]]:
    headers = [("etag", f'"{obj.etag}"'),
               ("last-modified", format_datetime(obj.last_modified, usegmt=True)),
               ("content-type", obj.content_type), ("accept-ranges", "bytes")]
    stored = dict(obj.headers)
    for param, header in _OVERRIDES.items():
        value = call.request.query_value(param)
        if value is not None:
            if header == "content-type":
                headers[2] = ("content-type", value)
            else:
                stored[header] = value
    # A checksum is of the whole object: S3 sends none with a part of it.
    if ranged or call.request.headers.get("x-amz-checksum-mode", "").upper() != "ENABLED":
        stored = {k: v for k, v in stored.items() if not k.startswith("x-amz-checksum-")}
    headers += sorted(stored.items())
    return headers


def _preconditions(call: S3Call, obj: ObjectMeta) -> int | None:
    """RFC 7232 conditional headers: 412 or 304, or None to go on."""
    h = call.request.headers
    etag = f'"{obj.etag}"'
    modified = obj.last_modified.replace(microsecond=0)
    if "if-match" in h and h["if-match"].strip() not in (etag, "*", obj.etag):
        return 412
    if "if-unmodified-since" in h and "if-match" not in h:
        since = http_date(h["if-unmodified-since"])
        if since is not None and modified > since:
            return 412
    if "if-none-match" in h:
        if h["if-none-match"].strip() in (etag, "*", obj.etag):
            return 304
    elif "if-modified-since" in h:
        since = http_date(h["if-modified-since"])
        if since is not None and modified <= since:
            return 304
    return None


def http_date(value: str) -> datetime | None:
    """An HTTP date (RFC 7231), aware; None when it cannot be read."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) for a single ``bytes=`` range, None for the whole body."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None  # S3 ignores a Range it cannot parse, as RFC 7233 allows.
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            raise InvalidRange("The requested range is not satisfiable",
                               RangeRequested=header, ActualObjectSize=str(size))
        return max(0, size - length), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid byte-range-spec: ignored (RFC 9110, 14.1.1), as S3 does
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        raise InvalidRange("The requested range is not satisfiable",
                           RangeRequested=header, ActualObjectSize=str(size))
    return start, end


async def get_object(call: S3Call, head: bool = False) -> Response:
    check_version(call.key, call.op.version_id)
    obj, body = await _object(call, with_body=not head)
    try:
        return _answer(call, obj, body)
    except BaseException:
        if body is not None:
            body.close()
        raise


def _answer(call: S3Call, obj: ObjectMeta, body: Body | None) -> Response:
    byte_range = _byte_range(call.request.headers.get("range"), obj.size)
    headers = _object_headers(call, obj, ranged=byte_range is not None)
    status = _preconditions(call, obj)
    if status == 412:
        raise PreconditionFailed("At least one of the pre-conditions you specified did not "
                                 "hold", Condition="If-Match")
    if status == 304:
        if body is not None:
            body.close()
        return Response(304, headers=[h for h in headers if h[0] in ("etag", "last-modified")])

    start, length, status = 0, obj.size, 200
    if byte_range is not None:
        start, end = byte_range
        length, status = end - start + 1, 206
        headers.append(("content-range", f"bytes {start}-{end}/{obj.size}"))
    headers.append(("content-length", str(length)))
    if body is None:
        return Response(status, headers=headers)
    if body.file is None:
        assert body.data is not None
        return Response(status, body.data[start:start + length], headers=headers)
    return Response(status, headers=headers, stream=_stream(body.file, start, length))


async def _stream(body: BinaryIO, start: int, length: int) -> AsyncIterator[bytes]:
    """The body in pieces, each read in a worker thread (a cold disk read must not
    stall the event loop)."""
    try:
        await blocking(body.seek, start)
        while length > 0:
            piece = await blocking(body.read, min(READ_CHUNK, length))
            if not piece:
                break
            length -= len(piece)
            yield piece
    finally:
        body.close()


async def head_object(call: S3Call) -> Response:
    return await get_object(call, head=True)


async def delete_object(call: S3Call) -> Response:
    check_version(call.key, call.op.version_id)
    blob = await blocking(meta.delete_object, call.store, call.bucket, call.key)
    if blob is not None:
        await blocking(call.store.blobs.delete, blob)
    return Response(204)
