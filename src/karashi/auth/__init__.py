"""SigV4 verification: the Authorization header, presigned URLs and aws-chunked bodies.

Pure of HTTP frameworks and storage: callers hand in a :class:`RawRequest` and the
secret key they looked up, and get a signing key back or a
:class:`karashi.errors.ServiceError` carrying S3's code.

    signed = parse_request(req)            # None: anonymous
    key = verify_signature(req, signed, secret, now=now)
"""

from karashi.auth.checksum import (
    ChecksumVerifier,
    ContentMD5Verifier,
    PayloadVerifier,
    checksum_from_headers,
)
from karashi.auth.chunked import ChunkedDecoder
from karashi.auth.request import (
    STREAMING_MODES,
    UNSIGNED_PAYLOAD,
    CredentialScope,
    RawRequest,
    SignedRequest,
    parse_request,
)
from karashi.auth.sigv4 import signing_key, verify_signature

__all__ = [
    "STREAMING_MODES",
    "UNSIGNED_PAYLOAD",
    "ChecksumVerifier",
    "ChunkedDecoder",
    "ContentMD5Verifier",
    "CredentialScope",
    "PayloadVerifier",
    "RawRequest",
    "SignedRequest",
    "checksum_from_headers",
    "parse_request",
    "signing_key",
    "verify_signature",
]
