"""Receiving an object body: aws-chunked decoding, payload hash, checksums, Content-MD5.

Current SDKs send ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` bodies with an
``x-amz-checksum-*`` trailer over HTTPS, and signed or hashed bodies otherwise. Every
declared digest is checked before the object becomes visible ("Checking object
integrity", Amazon S3 User Guide); ``aws-chunked`` never reaches the stored
Content-Encoding.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from karashi.auth import (
    STREAMING_MODES,
    ChunkedDecoder,
    ContentMD5Verifier,
    PayloadVerifier,
    checksum_from_headers,
)
from karashi.errors import ServiceError
from karashi.s3.call import S3Call
from karashi.s3.errors import EntityTooLarge, InvalidArgument, InvalidRequest

MAX_PUT_SIZE = 5 * 1024**3
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class Sink(Protocol):
    """Where a body goes: a blob being written, or memory for a small document."""

    size: int

    def write(self, data: bytes) -> None: ...


class BodyBuffer:
    """A small request body (a policy, a delete list) kept in memory, up to ``limit``."""

    def __init__(self, limit: int, too_large: Callable[[], ServiceError]) -> None:
        self.size = 0
        self._limit = limit
        self._too_large = too_large
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self._limit:
            raise self._too_large()
        self._parts.append(data)

    def data(self) -> bytes:
        return b"".join(self._parts)


def _check_size(headers: dict[str, str]) -> None:
    declared = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if declared is None:
        return
    if not (declared.isascii() and declared.isdigit()) or len(declared) > 19:
        raise InvalidArgument("Content-Length must be a non-negative integer.")
    if int(declared) > MAX_PUT_SIZE:
        raise EntityTooLarge("Your proposed upload exceeds the maximum allowed size",
                             ProposedSize=declared, MaxSizeAllowed=str(MAX_PUT_SIZE))


async def receive_body(call: S3Call, writer: Sink) -> dict[str, str]:
    """Stream the body into ``writer`` and check every digest declared for it; returns
    the checksum header (name -> base64 value) to store and echo, if one was sent."""
    headers = call.request.headers
    _check_size(headers)
    raw = call.request.raw()
    content_sha = headers.get("x-amz-content-sha256", "UNSIGNED-PAYLOAD")

    decoder: ChunkedDecoder | None = None
    payload: PayloadVerifier | None = None
    if content_sha in STREAMING_MODES:
        # The decoder checks chunk signatures and a declared trailer checksum itself.
        decoder = ChunkedDecoder.for_request(raw, call.signed, call.signing_key)
    elif _HEX_SHA256.fullmatch(content_sha):
        payload = PayloadVerifier(content_sha)
    elif content_sha != "UNSIGNED-PAYLOAD":
        raise InvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                              "STREAMING-..., or the hex SHA-256 of the payload.")
    checksum = checksum_from_headers(raw)
    if checksum is None and "x-amz-trailer" in headers and decoder is None:
        raise InvalidRequest("x-amz-trailer needs an aws-chunked body.")
    md5 = ContentMD5Verifier(headers["content-md5"]) if "content-md5" in headers else None

    async for piece in call.request.stream():
        if payload is not None:
            payload.update(piece)
        data = decoder.feed(piece) if decoder is not None else piece
        if not data:
            continue
        if checksum is not None:
            checksum.update(data)
        if md5 is not None:
            md5.update(data)
        writer.write(data)
        if writer.size > MAX_PUT_SIZE:
            raise EntityTooLarge("Your proposed upload exceeds the maximum allowed size")

    stored: dict[str, str] = {}
    if decoder is not None:
        decoder.finish()  # also checks a trailer checksum
        if decoder.checksum is not None:
            stored[decoder.checksum.header_name] = decoder.checksum.value_b64()
    if payload is not None:
        payload.finish()
    if md5 is not None:
        md5.finish()
    if checksum is not None:
        stored[checksum.header_name] = checksum.finish()
    return stored


def has_integrity_header(headers: dict[str, str]) -> bool:
    """Content-MD5, an x-amz-checksum-* header, or a checksum trailer announced."""
    return ("content-md5" in headers or "x-amz-trailer" in headers
            or any(name.startswith("x-amz-checksum-") and name not in (
                "x-amz-checksum-type", "x-amz-checksum-algorithm") for name in headers))


async def read_body(call: S3Call, limit: int, too_large: Callable[[], ServiceError]) -> bytes:
    """A small body, with every digest declared for it checked (signed payload hash,
    chunk signatures, Content-MD5, x-amz-checksum-*), as for an object's body."""
    headers = call.request.headers
    declared = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() \
            and int(declared) > limit:
        raise too_large()
    buffer = BodyBuffer(limit, too_large)
    await receive_body(call, buffer)
    return buffer.data()
