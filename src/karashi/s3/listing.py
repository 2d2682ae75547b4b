"""ListObjectsV2 and ListObjects (v1): prefix, delimiter, paging, encoding-type=url."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote

from karashi.http import xml
from karashi.http.response import Response
from karashi.s3.buckets import S3_NS, owner
from karashi.s3.call import S3Call, blocking
from karashi.s3.errors import InvalidArgument
from karashi.store import objects as meta
from karashi.store.objects import ObjectMeta

MAX_KEYS = 1000


def _max_keys(call: S3Call) -> int:
    raw = call.request.query_value("max-keys")
    if raw is None or raw == "":
        return MAX_KEYS
    try:
        value = int(raw)
    except ValueError:
        raise InvalidArgument("Provided max-keys not an integer or within integer range",
                              ArgumentName="max-keys", ArgumentValue=raw) from None
    if value < 0:
        raise InvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647",
                              ArgumentName="max-keys", ArgumentValue=raw)
    return min(value, MAX_KEYS)


def encode_token(marker: str) -> str:
    return base64.urlsafe_b64encode(b"k1:" + marker.encode()).decode()


def decode_token(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.encode())
        if not raw.startswith(b"k1:"):
            raise ValueError(token)
        return raw[3:].decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidArgument("The continuation token provided is incorrect",
                              ArgumentName="continuation-token") from None


async def list_objects(call: S3Call) -> Response:
    q = call.request.query_value
    v2 = q("list-type") == "2"
    encoding = q("encoding-type")
    if encoding not in (None, "url"):
        raise InvalidArgument("Invalid Encoding Method specified in Request",
                              ArgumentName="encoding-type", ArgumentValue=encoding)
    prefix, delimiter = q("prefix") or "", q("delimiter") or ""
    limit = _max_keys(call)
    token = q("continuation-token") if v2 else None
    start_after = (q("start-after") or "") if v2 else (q("marker") or "")
    marker = decode_token(token) if token else start_after

    bucket = call.found
    assert bucket is not None, "the pipeline finds the bucket before listing"
    entries: list[ObjectMeta | str] = []
    truncated = False
    if limit:
        entries, truncated = await blocking(meta.scan, call.store, call.bucket, prefix,
                                            marker, limit, delimiter)

    def enc(text: str) -> str:
        return quote(text, safe="/") if encoding == "url" else text

    fetch_owner = not v2 or q("fetch-owner") == "true"
    contents: list[xml.Node] = []
    prefixes: list[xml.Node] = []
    for entry in entries:
        if isinstance(entry, str):
            prefixes.append(("CommonPrefixes", [("Prefix", enc(entry))]))
            continue
        item: list[xml.Node] = [
            ("Key", enc(entry.key)), ("LastModified", entry.last_modified),
            ("ETag", f'"{entry.etag}"'), ("Size", entry.size)]
        if fetch_owner:
            item.append(("Owner", owner(bucket.account_id)))
        item.append(("StorageClass", "STANDARD"))
        contents.append(("Contents", item))

    last = entries[-1] if entries else None
    last_name = last if isinstance(last, str) else last.key if last is not None else ""
    children: list[xml.Node] = [("Name", call.bucket), ("Prefix", enc(prefix))]
    if v2:
        children += [("KeyCount", len(entries)), ("MaxKeys", limit)]
        if token:
            children.append(("ContinuationToken", token))
        if start_after:
            children.append(("StartAfter", enc(start_after)))
    else:
        children += [("Marker", enc(start_after)), ("MaxKeys", limit)]
    if delimiter:
        children.append(("Delimiter", enc(delimiter)))
    if encoding:
        children.append(("EncodingType", encoding))
    children.append(("IsTruncated", truncated))
    if truncated and v2:
        children.append(("NextContinuationToken", encode_token(last_name)))
    elif truncated and delimiter:
        children.append(("NextMarker", enc(last_name)))
    children += contents + prefixes
    root = "ListBucketResult"
    return Response(200, xml.document(root, children, S3_NS), content_type="application/xml")
