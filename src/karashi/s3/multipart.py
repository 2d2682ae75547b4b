"""Multipart upload: create, upload parts, complete, abort, list parts and uploads.

"Uploading and copying objects using multipart upload" (S3 User Guide) and each
operation's page in the S3 API Reference. Each part is received like a PutObject body
(every declared digest checked) into a blob of its own. Complete concatenates the
parts into one new blob (temp file, fsync, rename) and only then, in one transaction,
writes the object's row and removes the upload; the part blobs are deleted after the
commit. A crash at any point leaves at most unreferenced blobs, never a partial object.

Differences from AWS: uploads with the same key are listed in upload id order, not by
initiation time; ListMultipartUploads ignores ``delimiter``; the completed object keeps
no whole-object checksum and no part boundaries (GetObject with partNumber is refused,
see ``operations.py``); UploadPartCopy is not served.
"""

from __future__ import annotations

import hashlib
import secrets
from itertools import pairwise

from karashi.errors import ServiceError
from karashi.http import xml
from karashi.http.response import Response
from karashi.s3.buckets import S3_NS, owner
from karashi.s3.call import S3Call, blocking
from karashi.s3.settings import check_canned_acl
from karashi.s3.errors import InvalidArgument, InvalidRequest, MalformedXML
from karashi.s3.objects import DEFAULT_CONTENT_TYPE, stored_headers
from karashi.s3.upload import read_body, receive_body
from karashi.store import uploads as store
from karashi.store.blobs import READ_CHUNK, BlobStore
from karashi.store.objects import ObjectMeta
from karashi.store.uploads import Part, Upload, UploadGone

MAX_PART_NUMBER = 10_000
#: Every part but the last must be at least this large ("Amazon S3 multipart upload
#: limits", S3 User Guide).
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS_LISTED = 1000
MAX_UPLOADS_LISTED = 1000
#: 10,000 parts of about 100 bytes of XML each, with room for checksums.
MAX_COMPLETE_BODY = 4 * 1024 * 1024
_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")



class NoSuchUpload(ServiceError):
    code, status = "NoSuchUpload", 404


class InvalidPart(ServiceError):
    code, status = "InvalidPart", 400


class InvalidPartOrder(ServiceError):
    code, status = "InvalidPartOrder", 400


class EntityTooSmall(ServiceError):
    code, status = "EntityTooSmall", 400


def _no_such_upload(call: S3Call, upload_id: str) -> ServiceError:
    return NoSuchUpload("The specified upload does not exist. The upload ID may be invalid, "
                        "or the upload may have been aborted or completed.",
                        UploadId=upload_id)


def _malformed() -> ServiceError:
    return MalformedXML("The XML you provided was not well-formed or did not validate "
                        "against our published schema.")


def _upload_id(call: S3Call) -> str:
    return call.request.query_value("uploadId") or ""


async def _find(call: S3Call) -> Upload:
    upload_id = _upload_id(call)
    upload = await blocking(store.get_upload, call.store, call.bucket, call.key, upload_id)
    if upload is None:
        raise _no_such_upload(call, upload_id)
    return upload


def _integer(call: S3Call, name: str, default: int, low: int, high: int) -> int:
    raw = call.request.query_value(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise InvalidArgument(f"{name} must be an integer between {low} and {high}.",
                              ArgumentName=name, ArgumentValue=raw)
    return int(raw)


async def create_multipart_upload(call: S3Call) -> Response:
    """"CreateMultipartUpload", S3 API Reference."""
    headers = call.request.headers
    check_canned_acl(call.request)
    algorithm = headers.get("x-amz-checksum-algorithm")
    if algorithm is not None and algorithm.upper() not in _ALGORITHMS:
        raise InvalidRequest("Checksum algorithm provided is unsupported. Please try again "
                             "with any of the valid types: " + ", ".join(_ALGORITHMS))
    initiator = call.caller.arn if call.caller is not None else "anonymous"
    upload = Upload(secrets.token_urlsafe(36), call.bucket, call.key,
                    headers.get("content-type") or DEFAULT_CONTENT_TYPE, initiator,
                    call.store.now(), stored_headers(call),
                    algorithm.upper() if algorithm else None)
    await blocking(store.create_upload, call.store, upload)

    body = xml.document("InitiateMultipartUploadResult", [
        ("Bucket", call.bucket), ("Key", call.key), ("UploadId", upload.upload_id)], S3_NS)
    extra = [("x-amz-checksum-algorithm", upload.checksum_algorithm)] \
        if upload.checksum_algorithm else []
    return Response(200, body, content_type="application/xml", headers=extra)


async def upload_part(call: S3Call) -> Response:
    """"UploadPart", S3 API Reference: the body is checked as PutObject's is; sending a
    part number again replaces that part."""
    number = _integer(call, "partNumber", 0, 1, MAX_PART_NUMBER)
    upload = await _find(call)

    writer = await blocking(call.store.blobs.writer)
    try:
        checksums = await receive_body(call, writer)
        blob = await blocking(writer.commit)
    except BaseException:
        writer.abort()
        raise

    part = Part(number, writer.size, writer.etag, blob, call.store.now(), checksums)
    try:
        replaced = await blocking(store.put_part, call.store, call.bucket, call.key,
                                  upload.upload_id, part)
    except BaseException as exc:
        await blocking(call.store.blobs.delete, blob)
        if isinstance(exc, UploadGone):
            raise _no_such_upload(call, upload.upload_id) from None
        raise
    if replaced is not None:
        await blocking(call.store.blobs.delete, replaced)
    return Response(200, headers=[("etag", f'"{part.etag}"'), *checksums.items()])


def _requested_parts(body: bytes) -> list[tuple[int, str]]:
    """(part number, ETag without quotes) from a ``<CompleteMultipartUpload>``."""
    root = xml.parse(body)
    if xml.local(root.tag) != "CompleteMultipartUpload":
        raise _malformed()
    requested: list[tuple[int, str]] = []
    for child in root:
        if xml.local(child.tag) != "Part":
            continue
        fields = {xml.local(item.tag): (item.text or "").strip() for item in child}
        number, etag = fields.get("PartNumber", ""), fields.get("ETag", "")
        if not (number.isascii() and number.isdigit()) or not etag:
            raise _malformed()
        requested.append((int(number), etag.strip('"')))
    if not requested:
        raise _malformed()
    return requested


def _chosen_parts(requested: list[tuple[int, str]], stored: dict[int, Part]) -> list[Part]:
    """The parts Complete names, checked ("CompleteMultipartUpload", S3 API Reference:
    InvalidPart, InvalidPartOrder, EntityTooSmall)."""
    numbers = [number for number, _ in requested]
    if any(b <= a for a, b in pairwise(numbers)):
        raise InvalidPartOrder("The list of parts was not in ascending order. The parts "
                               "list must be specified in order by part number.")
    chosen: list[Part] = []
    for number, etag in requested:
        part = stored.get(number)
        if part is None or part.etag != etag:
            raise InvalidPart("One or more of the specified parts could not be found. The "
                              "part may not have been uploaded, or the specified entity "
                              "tag may not match the part's entity tag.",
                              PartNumber=str(number), ETag=etag)
        chosen.append(part)
    for part in chosen[:-1]:
        if part.size < MIN_PART_SIZE:
            raise EntityTooSmall("Your proposed upload is smaller than the minimum allowed "
                                 "size", ProposedSize=str(part.size),
                                 MinSizeAllowed=str(MIN_PART_SIZE),
                                 PartNumber=str(part.number), ETag=part.etag)
    return chosen


def multipart_etag(parts: list[Part]) -> str:
    """S3's ETag of a multipart object: the MD5 of the parts' binary MD5s, then ``-N``."""
    digests = b"".join(bytes.fromhex(part.etag) for part in parts)
    return f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"


def _concatenate(blobs: BlobStore, parts: list[Part]) -> tuple[str, int]:
    """One new durable blob holding the parts in order; returns (blob id, size)."""
    writer = blobs.writer()
    try:
        for part in parts:
            with blobs.open(part.blob) as source:
                while piece := source.read(READ_CHUNK):
                    writer.write(piece)
        return writer.commit(), writer.size
    except BaseException:
        writer.abort()
        raise


async def complete_multipart_upload(call: S3Call) -> Response:
    """"CompleteMultipartUpload", S3 API Reference."""
    upload = await _find(call)
    requested = _requested_parts(await read_body(call, MAX_COMPLETE_BODY, _malformed))
    stored = await blocking(store.all_parts, call.store, upload.upload_id)
    parts = _chosen_parts(requested, stored)

    blob, size = await blocking(_concatenate, call.store.blobs, parts)
    obj = ObjectMeta(call.bucket, call.key, size, multipart_etag(parts),
                     upload.content_type, call.store.now(), blob, upload.headers)
    try:
        garbage = await blocking(store.complete_upload, call.store, upload, obj)
    except BaseException as exc:
        await blocking(call.store.blobs.delete, blob)
        if isinstance(exc, UploadGone):
            raise _no_such_upload(call, upload.upload_id) from None
        raise
    for old in garbage:  # after the commit: a crash here leaves garbage only
        await blocking(call.store.blobs.delete, old)

    location = f"/{call.bucket}/{call.key}"
    body = xml.document("CompleteMultipartUploadResult", [
        ("Location", location), ("Bucket", call.bucket), ("Key", call.key),
        ("ETag", f'"{obj.etag}"')], S3_NS)
    return Response(200, body, content_type="application/xml")


async def abort_multipart_upload(call: S3Call) -> Response:
    """"AbortMultipartUpload", S3 API Reference."""
    upload_id = _upload_id(call)
    try:
        blobs = await blocking(store.abort_upload, call.store, call.bucket, call.key,
                               upload_id)
    except UploadGone:
        raise _no_such_upload(call, upload_id) from None
    for blob in blobs:
        await blocking(call.store.blobs.delete, blob)
    return Response(204)


def _initiator(upload: Upload) -> list[xml.Node]:
    return [("ID", upload.initiator), ("DisplayName", upload.initiator)]


async def list_parts(call: S3Call) -> Response:
    """"ListParts", S3 API Reference: paged with part-number-marker and max-parts."""
    assert call.found is not None
    upload = await _find(call)
    marker = _integer(call, "part-number-marker", 0, 0, MAX_PART_NUMBER)
    limit = _integer(call, "max-parts", MAX_PARTS_LISTED, 0, 2**31 - 1)
    limit = min(limit, MAX_PARTS_LISTED)
    parts, truncated = await blocking(store.list_parts, call.store, upload.upload_id,
                                      marker, limit)

    children: list[xml.Node] = [
        ("Bucket", call.bucket), ("Key", call.key), ("UploadId", upload.upload_id),
        ("Initiator", _initiator(upload)), ("Owner", owner(call.found.account_id)),
        ("StorageClass", "STANDARD"), ("PartNumberMarker", marker),
        ("NextPartNumberMarker", parts[-1].number if parts else marker),
        ("MaxParts", limit), ("IsTruncated", truncated),
        ("ChecksumAlgorithm", upload.checksum_algorithm)]
    for part in parts:
        item: list[xml.Node] = [("PartNumber", part.number),
                                ("LastModified", part.last_modified),
                                ("ETag", f'"{part.etag}"'), ("Size", part.size)]
        for name, value in sorted(part.checksums.items()):
            item.append(("Checksum" + name.removeprefix("x-amz-checksum-").upper(), value))
        children.append(("Part", item))
    body = xml.document("ListPartsResult", children, S3_NS)
    return Response(200, body, content_type="application/xml")


async def list_multipart_uploads(call: S3Call) -> Response:
    """"ListMultipartUploads", S3 API Reference: prefix, key-marker, upload-id-marker,
    max-uploads. An upload-id-marker counts only with a key-marker, as in S3."""
    assert call.found is not None
    q = call.request.query_value
    prefix, key_marker = q("prefix") or "", q("key-marker") or ""
    upload_id_marker = (q("upload-id-marker") or "") if key_marker else ""
    limit = min(_integer(call, "max-uploads", MAX_UPLOADS_LISTED, 0, 2**31 - 1),
                MAX_UPLOADS_LISTED)
    uploads, truncated = await blocking(store.list_uploads, call.store, call.bucket,
                                        prefix, key_marker, upload_id_marker, limit)

    children: list[xml.Node] = [
        ("Bucket", call.bucket), ("KeyMarker", key_marker),
        ("UploadIdMarker", upload_id_marker),
        ("NextKeyMarker", uploads[-1].key if uploads else ""),
        ("NextUploadIdMarker", uploads[-1].upload_id if uploads else ""),
        ("Prefix", prefix), ("MaxUploads", limit), ("IsTruncated", truncated)]
    for upload in uploads:
        children.append(("Upload", [
            ("Key", upload.key), ("UploadId", upload.upload_id),
            ("Initiator", _initiator(upload)), ("Owner", owner(call.found.account_id)),
            ("StorageClass", "STANDARD"), ("Initiated", upload.initiated),
            ("ChecksumAlgorithm", upload.checksum_algorithm)]))
    body = xml.document("ListMultipartUploadsResult", children, S3_NS)
    return Response(200, body, content_type="application/xml")
