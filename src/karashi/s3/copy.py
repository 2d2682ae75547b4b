"""CopyObject: ``PUT /bucket/key`` with ``x-amz-copy-source``.

"CopyObject", S3 API Reference. The pipeline has already checked both sides: s3:PutObject
on the destination and s3:GetObject (s3:GetObjectVersion) on the source, each against
its own bucket's policy and owner. The copy is as durable as PutObject: the data goes
to a new blob (temporary file, fsync, rename) before the metadata row makes it visible.

x-amz-metadata-directive COPY (the default) keeps the source's Content-Type and
metadata; REPLACE takes them from the request. The data is the same either way, so the
source's checksum stays valid and is kept.
"""

from __future__ import annotations

from datetime import datetime

from karashi.http import xml
from karashi.http.response import Response
from karashi.s3.buckets import S3_NS
from karashi.s3.call import S3Call, blocking
from karashi.s3.settings import check_canned_acl
from karashi.s3.errors import InvalidArgument, InvalidRequest, NoSuchKey, PreconditionFailed
from karashi.s3.objects import (
    DEFAULT_CONTENT_TYPE,
    check_version,
    commit_object,
    http_date,
    stored_headers,
)
from karashi.store import objects as meta
from karashi.store.objects import ObjectMeta

DIRECTIVES = ("COPY", "REPLACE")
#: Headers that make a copy of an object onto itself a change S3 accepts.
_CHANGES = ("x-amz-storage-class", "x-amz-server-side-encryption",
            "x-amz-website-redirect-location")
_CHECKSUM = "x-amz-checksum-"


def _source_unchanged(call: S3Call, source: ObjectMeta) -> bool:
    """The x-amz-copy-source-if-* conditions; False means 412 PreconditionFailed."""
    h = call.request.headers
    etags = (f'"{source.etag}"', source.etag, "*")
    modified = source.last_modified.replace(microsecond=0)

    def since(name: str) -> datetime | None:
        return http_date(h[name]) if name in h else None

    # If-Match that holds wins over If-Unmodified-Since that fails, as for GetObject.
    if "x-amz-copy-source-if-match" in h:
        if h["x-amz-copy-source-if-match"].strip() not in etags:
            return False
    elif (unmodified := since("x-amz-copy-source-if-unmodified-since")) is not None \
            and modified > unmodified:
        return False
    if "x-amz-copy-source-if-none-match" in h:
        if h["x-amz-copy-source-if-none-match"].strip() in etags:
            return False
    elif (modified_since := since("x-amz-copy-source-if-modified-since")) is not None \
            and modified <= modified_since:
        return False
    return True


def _checksum_nodes(headers: dict[str, str]) -> list[xml.Node]:
    return [(f"Checksum{name.removeprefix(_CHECKSUM).upper()}", value)
            for name, value in sorted(headers.items()) if name.startswith(_CHECKSUM)]


async def copy_object(call: S3Call) -> Response:
    ref = call.op.copy_source
    check_canned_acl(call.request)
    assert ref is not None
    headers = call.request.headers
    directive = headers.get("x-amz-metadata-directive", "COPY")
    if directive not in DIRECTIVES:
        raise InvalidArgument("Unknown metadata directive.",
                              ArgumentName="x-amz-metadata-directive", ArgumentValue=directive)
    check_version(ref.key, ref.version_id)

    def lookup() -> ObjectMeta | None:
        with call.store.engine.connect() as conn:
            return meta.get_object(conn, ref.bucket, ref.key)
    source = await blocking(lookup)
    if source is None:
        raise NoSuchKey("The specified key does not exist.", Key=ref.key)
    if not _source_unchanged(call, source):
        raise PreconditionFailed("At least one of the pre-conditions you specified did not "
                                 "hold", Condition="x-amz-copy-source-If-Match")
    if ((ref.bucket, ref.key) == (call.bucket, call.key) and directive == "COPY"
            and not any(name in headers for name in _CHANGES)):
        raise InvalidRequest("This copy request is illegal because it is trying to copy an "
                             "object to itself without changing the object's metadata, "
                             "storage class, website redirect location or encryption "
                             "attributes.")

    blob, etag = await _copy_data(call, source)
    checksums = {k: v for k, v in source.headers.items() if k.startswith(_CHECKSUM)}
    if directive == "COPY":
        kept, content_type = dict(source.headers), source.content_type
    else:
        kept = stored_headers(call) | checksums
        content_type = headers.get("content-type") or DEFAULT_CONTENT_TYPE
    obj = ObjectMeta(call.bucket, call.key, source.size, etag, content_type,
                     call.store.now(), blob, kept)
    await commit_object(call, obj)

    body = xml.document("CopyObjectResult", [
        ("ETag", f'"{obj.etag}"'), ("LastModified", obj.last_modified),
        *_checksum_nodes(checksums)], S3_NS)
    return Response(200, body, content_type="application/xml")


async def _copy_data(call: S3Call, source: ObjectMeta) -> tuple[str, str]:
    """A new durable blob holding the source's bytes; returns its id and MD5 ETag."""
    blobs = call.store.blobs
    writer = blobs.writer()

    def copy() -> str:
        for piece in blobs.read(source.blob):
            writer.write(piece)
        if writer.size != source.size:
            raise FileNotFoundError(source.blob)  # a blob is never rewritten; be sure
        return writer.commit()
    try:
        return await blocking(copy), writer.etag
    except FileNotFoundError:
        writer.abort()
        # Deleted or overwritten between the lookup and the read.
        raise NoSuchKey("The specified key does not exist.", Key=source.key) from None
    except BaseException:
        writer.abort()
        raise
