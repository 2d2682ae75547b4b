"""Receiving an object body: aws-chunked decoding, payload hash, checksums, Content-MD5.

Current SDKs send ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` bodies with an
``x-amz-checksum-*`` trailer over HTTPS, and signed or hashed bodies otherwise. Every
declared digest is checked before the object becomes visible; ``aws-chunked`` never
reaches the stored Content-Encoding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from karashi.auth import (
    STREAMING_MODES, ChecksumVerifier, ChunkedDecoder, PayloadVerifier,
)
from karashi.s3.call import S3Call
from karashi.s3.errors import EntityTooLarge, InvalidArgument, InvalidRequest
from karashi.errors import ServiceError
from karashi.store.blobs import BlobWriter

MAX_PUT_SIZE = 5 * 1024**3
CHECKSUM_ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


class BadDigest(ServiceError):
    code, status = "BadDigest", 400


class InvalidDigest(ServiceError):
    code, status = "InvalidDigest", 400


def _declared_checksum(headers: dict[str, str]) -> tuple[str | None, str | None, bool]:
    """(algorithm, expected value or None, value comes in the trailer)."""
    trailer = headers.get("x-amz-trailer", "").strip().lower()
    for alg in CHECKSUM_ALGORITHMS:
        name = f"x-amz-checksum-{alg}"
        if name in headers:
            return alg, headers[name], False
        if trailer == name:
            return alg, None, True
    if trailer:
        raise InvalidRequest(f"The trailer {trailer} is not a supported checksum.")
    return None, None, False


async def receive_body(call: S3Call, writer: BlobWriter) -> dict[str, str]:
    """Stream the body into ``writer``; returns the checksum headers to store and echo."""
    headers = call.request.headers
    content_sha = headers.get("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
    declared = headers.get("x-amz-decoded-content-length") or headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidArgument("Content-Length must be a non-negative integer.")
        if int(declared) > MAX_PUT_SIZE:
            raise EntityTooLarge("Your proposed upload exceeds the maximum allowed size",
                                 ProposedSize=declared, MaxSizeAllowed=str(MAX_PUT_SIZE))

    decoder: ChunkedDecoder | None = None
    payload: PayloadVerifier | None = None
    if content_sha in STREAMING_MODES:
        if call.signed is None or call.signing_key is None:
            raise InvalidRequest("A streaming upload must be signed.")
        trailer_names = [n.strip().lower() for n in headers.get("x-amz-trailer", "").split(",")
                         if n.strip()]
        decoded = headers.get("x-amz-decoded-content-length")
        decoder = ChunkedDecoder(
            content_sha, signing_key=call.signing_key, signed=call.signed,
            seed_signature=call.signed.signature, trailer_names=trailer_names,
            decoded_length=int(decoded) if decoded is not None else None)
    elif _HEX_SHA256.fullmatch(content_sha):
        payload = PayloadVerifier(content_sha)
    elif content_sha != "UNSIGNED-PAYLOAD":
        raise InvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                              "STREAMING-..., or a hex SHA-256 of the payload.")

    algorithm, expected, in_trailer = _declared_checksum(headers)
    checksum = ChecksumVerifier(algorithm) if algorithm else None
    if in_trailer and decoder is None:
        raise InvalidRequest("x-amz-trailer needs an aws-chunked body.")
    md5_header = headers.get("content-md5")
    md5 = hashlib.md5(usedforsecurity=False) if md5_header is not None else None

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

    trailers = decoder.finish() if decoder is not None else {}
    if payload is not None:
        payload.finish()
    if md5 is not None and md5_header is not None:
        _check_md5(md5_header, md5.digest())
    if checksum is None or algorithm is None:
        return {}
    name = f"x-amz-checksum-{algorithm}"
    if in_trailer:
        expected = trailers.get(name)
        if expected is None:
            raise InvalidRequest(f"The trailer {name} was declared but not sent.")
    checksum.finish(expected)
    return {name: checksum.value_b64()}


def _check_md5(header: str, digest: bytes) -> None:
    try:
        given = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        given = b""
    if len(given) != 16:
        raise InvalidDigest("The Content-MD5 you specified was invalid.", ContentMD5=header)
    if given != digest:
        raise BadDigest("The Content-MD5 you specified did not match what we received.",
                        ExpectedDigest=header)
