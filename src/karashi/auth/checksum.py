"""Digests of a request body, computed as it streams in and checked at its end.

- :class:`PayloadVerifier`: the body against x-amz-content-sha256
  (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
- :class:`ChecksumVerifier`: the body against x-amz-checksum-<algorithm>, in a header
  or an aws-chunked trailer
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
- :class:`ContentMD5Verifier`: the body against Content-MD5 (RFC 1864).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable
from typing import Protocol

from awscrt import checksums  # type: ignore[import-untyped]

from karashi.auth.errors import (
    BadDigest,
    InvalidDigest,
    InvalidRequest,
    XAmzContentSHA256Mismatch,
    with_fields,
)
from karashi.auth.request import RawRequest

__all__ = ["ALGORITHMS", "ChecksumVerifier", "ContentMD5Verifier", "PayloadVerifier",
           "checksum_from_headers"]

#: The checksum algorithms S3 accepts, as they appear in x-amz-checksum-<name>.
ALGORITHMS = ("crc32", "crc32c", "crc64nvme", "sha1", "sha256")
CHECKSUM_PREFIX = "x-amz-checksum-"
#: Headers that share the prefix but carry no checksum value.
_NOT_CHECKSUMS = frozenset({"x-amz-checksum-type", "x-amz-checksum-algorithm"})


class _Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


class _Crc:
    """A running CRC with hashlib's update/digest shape; digest() is big-endian."""

    def __init__(self, function: Callable[[bytes, int], int], width: int) -> None:
        self._function = function
        self._width = width
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = int(self._function(data, self._value))

    def digest(self) -> bytes:
        return self._value.to_bytes(self._width, "big")


def _new_digest(algorithm: str) -> _Digest:
    # The standard library has no CRC32C or CRC64NVME; awscrt (botocore's choice) has.
    if algorithm == "crc32":
        return _Crc(zlib.crc32, 4)
    if algorithm == "crc32c":
        return _Crc(checksums.crc32c, 4)
    if algorithm == "crc64nvme":
        return _Crc(checksums.crc64nvme, 8)
    return hashlib.new(algorithm)


def _decode_b64(value: str, size: int) -> bytes | None:
    """The bytes of a strict base64 ``value`` of ``size`` bytes, else None."""
    try:
        raw = binascii.a2b_base64(value.strip().encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return raw if len(raw) == size else None


class ChecksumVerifier:
    """The x-amz-checksum-<algorithm> of a body fed in pieces.

    ``algorithm`` is any case of crc32, crc32c, crc64nvme, sha1, sha256. A malformed
    ``expected_b64`` is refused at once, before the body is read.
    """

    def __init__(self, algorithm: str, expected_b64: str | None = None) -> None:
        self.algorithm = algorithm.lower()
        if self.algorithm not in ALGORITHMS:
            raise InvalidRequest(f"Checksum algorithm {algorithm!r} is not supported; "
                                 f"use one of {', '.join(a.upper() for a in ALGORITHMS)}.")
        self._digest = _new_digest(self.algorithm)
        self._expected = None if expected_b64 is None else self._parse(expected_b64)

    @property
    def header_name(self) -> str:
        return CHECKSUM_PREFIX + self.algorithm

    def update(self, data: bytes) -> None:
        self._digest.update(data)

    def value_b64(self) -> str:
        """The checksum of the bytes fed so far, base64 as S3 shows it."""
        return base64.b64encode(self._digest.digest()).decode("ascii")

    def finish(self, expected_b64: str | None = None) -> str:
        """Compare with ``expected_b64`` (or the value given at construction); return
        the calculated value. Raises BadDigest on a mismatch."""
        expected = self._expected if expected_b64 is None else self._parse(expected_b64)
        if expected is None:
            raise InvalidRequest(f"Value for {self.header_name} header is missing.")
        if self._digest.digest() != expected:
            raise BadDigest(f"The {self.algorithm.upper()} you specified did not match the "
                            "calculated checksum.")
        return self.value_b64()

    def _parse(self, value: str) -> bytes:
        raw = _decode_b64(value, len(self._digest.digest()))
        if raw is None:
            raise InvalidRequest(f"Value for {self.header_name} header is invalid.")
        return raw


def checksum_from_headers(req: RawRequest) -> ChecksumVerifier | None:
    """A verifier for the request's x-amz-checksum-<algorithm> header, if it has one."""
    found = [(name.lower(), value) for name, value in req.headers
             if name.lower().startswith(CHECKSUM_PREFIX) and name.lower() not in _NOT_CHECKSUMS]
    if not found:
        return None
    if len(found) > 1:
        raise InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum "
                             "Types are not allowed.")
    name, value = found[0]
    return ChecksumVerifier(name.removeprefix(CHECKSUM_PREFIX), value)


class ContentMD5Verifier:
    """The body against a Content-MD5 header (base64 of the 16-byte MD5)."""

    def __init__(self, content_md5_b64: str) -> None:
        expected = _decode_b64(content_md5_b64, 16)
        if expected is None:
            raise with_fields(InvalidDigest("The Content-MD5 you specified was invalid."),
                              {"Content-MD5": content_md5_b64})
        self._expected = expected
        self._given = content_md5_b64
        self._md5 = hashlib.md5(usedforsecurity=False)

    def update(self, data: bytes) -> None:
        self._md5.update(data)

    def finish(self) -> None:
        """Raises BadDigest when the body's MD5 differs from the header."""
        if self._md5.digest() != self._expected:
            raise BadDigest("The Content-MD5 you specified did not match what we received.",
                            ExpectedDigest=self._given)


class PayloadVerifier:
    """The body against the hex SHA-256 a signed request declared for it.

    Not for UNSIGNED-PAYLOAD or STREAMING-* values: those bodies have no single hash.
    """

    def __init__(self, declared_sha256_hex: str) -> None:
        self._declared = declared_sha256_hex
        self._sha256 = hashlib.sha256()

    def update(self, data: bytes) -> None:
        self._sha256.update(data)

    def finish(self) -> None:
        """Raises XAmzContentSHA256Mismatch when the body's SHA-256 differs."""
        computed = self._sha256.hexdigest()
        if computed != self._declared.lower():
            raise XAmzContentSHA256Mismatch(
                "The provided 'x-amz-content-sha256' header does not match what was "
                "computed.", ClientComputedContentSHA256=self._declared,
                S3ComputedContentSHA256=computed)
