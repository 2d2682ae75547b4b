"""Body digests: x-amz-checksum-*, Content-MD5 and x-amz-content-sha256."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from botocore import httpchecksum
from hypothesis import given, settings
from hypothesis import strategies as st

from karashi.auth import (
    ChecksumVerifier,
    ContentMD5Verifier,
    PayloadVerifier,
    RawRequest,
    checksum_from_headers,
)
from karashi.auth.errors import (
    BadDigest,
    InvalidDigest,
    InvalidRequest,
    XAmzContentSHA256Mismatch,
)

BOTOCORE: dict[str, Any] = {
    "crc32": httpchecksum.Crc32Checksum,
    "crc32c": httpchecksum.CrtCrc32cChecksum,
    "crc64nvme": httpchecksum.CrtCrc64NvmeChecksum,
    "sha1": httpchecksum.Sha1Checksum,
    "sha256": httpchecksum.Sha256Checksum,
}


@settings(max_examples=50, deadline=None)
@given(algorithm=st.sampled_from(sorted(BOTOCORE)), parts=st.lists(st.binary(max_size=500)))
def test_checksums_equal_botocores(algorithm: str, parts: list[bytes]) -> None:
    """Each algorithm, fed in pieces, gives the value botocore sends for the same data."""
    ours = ChecksumVerifier(algorithm.upper())
    theirs = BOTOCORE[algorithm]()
    for part in parts:
        ours.update(part)
        theirs.update(part)
    assert ours.value_b64() == theirs.b64digest()
    assert ours.finish(theirs.b64digest()) == theirs.b64digest()


def test_known_values() -> None:
    """Published values: CRC32 of "abc", CRC32C of AWS's 65 KiB chunked example."""
    crc32 = ChecksumVerifier("crc32", "NSRBwg==")
    crc32.update(b"abc")
    crc32.finish()
    crc32c = ChecksumVerifier("CRC32C")
    crc32c.update(b"a" * 66560)
    assert crc32c.value_b64() == "sOO8/Q=="


@pytest.mark.parametrize("algorithm", sorted(BOTOCORE))
def test_mismatch_is_bad_digest(algorithm: str) -> None:
    """A value of other data gives BadDigest with S3's message."""
    other = ChecksumVerifier(algorithm)
    other.update(b"other")
    verifier = ChecksumVerifier(algorithm, other.value_b64())
    verifier.update(b"data")
    with pytest.raises(BadDigest) as caught:
        verifier.finish()
    assert caught.value.message == (f"The {algorithm.upper()} you specified did not match "
                                    "the calculated checksum.")
    assert caught.value.status == 400


@pytest.mark.parametrize("value", ["", "not base64!", "AAAA", "AAAAAAAAAAAA", "NSRBwg", "ü"])
def test_malformed_value_is_invalid_request(value: str) -> None:
    """A value that is not strict base64 of the algorithm's size is refused up front."""
    with pytest.raises(InvalidRequest) as caught:
        ChecksumVerifier("crc32", value)
    assert caught.value.message == "Value for x-amz-checksum-crc32 header is invalid."


def test_unknown_algorithm_is_invalid_request() -> None:
    """Only the five S3 algorithms are accepted."""
    with pytest.raises(InvalidRequest):
        ChecksumVerifier("md5")


def test_checksum_from_headers() -> None:
    """The one x-amz-checksum-* header of a request, if any; two are refused."""
    def req(*headers: tuple[str, str]) -> RawRequest:
        return RawRequest("PUT", "/b/k", "", [("Host", "h"), *headers])

    assert checksum_from_headers(req(("x-amz-checksum-type", "FULL_OBJECT"))) is None
    verifier = checksum_from_headers(req(("X-Amz-Checksum-CRC32", "NSRBwg==")))
    assert verifier is not None and verifier.algorithm == "crc32"
    verifier.update(b"abc")
    verifier.finish()
    with pytest.raises(InvalidRequest, match="Multiple checksum"):
        checksum_from_headers(req(("x-amz-checksum-crc32", "NSRBwg=="),
                                  ("x-amz-checksum-sha1", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=")))


def test_content_md5() -> None:
    """Content-MD5 matches, mismatches (BadDigest) or is malformed (InvalidDigest)."""
    good = base64.b64encode(hashlib.md5(b"body").digest()).decode()
    verifier = ContentMD5Verifier(good)
    verifier.update(b"bo")
    verifier.update(b"dy")
    verifier.finish()

    verifier = ContentMD5Verifier(good)
    verifier.update(b"other")
    with pytest.raises(BadDigest, match="Content-MD5"):
        verifier.finish()
    for bad in ("", "abc", good[:-4], "!" * 24):
        with pytest.raises(InvalidDigest):
            ContentMD5Verifier(bad)


def test_payload_verifier() -> None:
    """The body's SHA-256 must equal x-amz-content-sha256, in either hex case."""
    declared = hashlib.sha256(b"body").hexdigest()
    for value in (declared, declared.upper()):
        verifier = PayloadVerifier(value)
        verifier.update(b"body")
        verifier.finish()
    verifier = PayloadVerifier(declared)
    verifier.update(b"bod")
    with pytest.raises(XAmzContentSHA256Mismatch) as caught:
        verifier.finish()
    assert caught.value.fields["ClientComputedContentSHA256"] == declared
