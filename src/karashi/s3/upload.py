"""Receiving an object body: aws-chunked decoding, payload hash, checksums, Content-MD5.

Current SDKs send ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` bodies with an
``x-amz-checksum-*`` trailer over HTTPS, and signed or hashed bodies otherwise. Every
declared digest is checked before the object becomes visible ("Checking object
integrity", Amazon S3 User Guide); ``aws-chunked`` never reaches the stored
Content-Encoding.
"""

from __future__ import annotations

import re

from karashi.auth import (
    STREAMING_MODES, ChunkedDecoder, ContentMD5Verifier, PayloadVerifier,
    checksum_from_headers,
)
from karashi.s3.call import S3Call
from karashi.s3.errors import EntityTooLarge, InvalidArgument, InvalidRequest
from karashi.store.blobs import BlobWriter

MAX_PUT_SIZE = 5 * 1024**3
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _check_size(headers: dict[str, str]) -> None:
    declared = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if declared is None:
        return
    if not (declared.isascii() and declared.isdigit()) or len(declared) > 19:
        raise InvalidArgument("Content-Length must be a non-negative integer.")
    if int(declared) > MAX_PUT_SIZE:
        raise EntityTooLarge("Your proposed upload exceeds the maximum allowed size",
                             ProposedSize=declared, MaxSizeAllowed=str(MAX_PUT_SIZE))


async def receive_body(call: S3Call, writer: BlobWriter) -> dict[str, str]:
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
