"""The errors SigV4 verification raises, with Amazon S3's codes and statuses.

Codes are S3's own (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html);
the HTTP layer maps them to IAM/STS codes where those services differ. Messages follow
S3's wording where clients or users are known to match on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from karashi.errors import ServiceError

_E = TypeVar("_E", bound=ServiceError)

__all__ = [
    "AccessDenied",
    "AuthorizationHeaderMalformed",
    "AuthorizationQueryParametersError",
    "BadDigest",
    "IncompleteBody",
    "InvalidArgument",
    "InvalidDigest",
    "InvalidRequest",
    "MalformedTrailerError",
    "MissingSecurityHeader",
    "RequestTimeTooSkewed",
    "SignatureDoesNotMatch",
    "XAmzContentSHA256Mismatch",
    "with_fields",
]


class AccessDenied(ServiceError):
    """403: refused without saying more, or a presigned URL past its lifetime."""

    code = "AccessDenied"
    status = 403


class SignatureDoesNotMatch(ServiceError):
    """403: the signature we calculated differs from the one the client sent.

    ``canonical_request`` and ``string_to_sign`` are ours, for debug logs; they never
    contain the secret key, but the canonical request holds any signed
    ``x-amz-security-token``, so :meth:`loggable_canonical_request` masks it.
    """

    code = "SignatureDoesNotMatch"
    status = 403

    def __init__(self, message: str = "", *, canonical_request: str = "",
                 string_to_sign: str = "", redact: tuple[str, ...] = (),
                 **fields: str) -> None:
        super().__init__(message)
        self.fields.update(fields)
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign
        self._redact = redact

    def loggable_canonical_request(self) -> str:
        """The canonical request with the session token (in every form it takes there)
        replaced by ``<redacted>``."""
        text = self.canonical_request
        for secret in self._redact:
            if secret:
                text = text.replace(secret, "<redacted>")
        return text


class RequestTimeTooSkewed(ServiceError):
    """403: the request time is more than 15 minutes from the server's clock."""

    code = "RequestTimeTooSkewed"
    status = 403


class AuthorizationHeaderMalformed(ServiceError):
    """400: the Authorization header does not have the SigV4 shape."""

    code = "AuthorizationHeaderMalformed"
    status = 400


class AuthorizationQueryParametersError(ServiceError):
    """400: the X-Amz-* query parameters of a presigned URL are malformed."""

    code = "AuthorizationQueryParametersError"
    status = 400


class InvalidRequest(ServiceError):
    """400: a request S3 refuses as a whole (unsupported mechanism, bad framing...)."""

    code = "InvalidRequest"
    status = 400


class InvalidArgument(ServiceError):
    """400: one header or parameter has a value outside what S3 accepts."""

    code = "InvalidArgument"
    status = 400


class XAmzContentSHA256Mismatch(ServiceError):
    """400: the body's SHA-256 differs from the x-amz-content-sha256 header."""

    code = "XAmzContentSHA256Mismatch"
    status = 400


class BadDigest(ServiceError):
    """400: a checksum or Content-MD5 the client sent differs from the body's."""

    code = "BadDigest"
    status = 400


class InvalidDigest(ServiceError):
    """400: the Content-MD5 header is not the base64 of 16 bytes."""

    code = "InvalidDigest"
    status = 400


class IncompleteBody(ServiceError):
    """400: the body ended before its framing or declared length said it would."""

    code = "IncompleteBody"
    status = 400


class MalformedTrailerError(ServiceError):
    """400: the trailer of an aws-chunked body is missing, undeclared or unreadable."""

    code = "MalformedTrailerError"
    status = 400


class MissingSecurityHeader(ServiceError):
    """400: a header the request's authentication needs is absent."""

    code = "MissingSecurityHeader"
    status = 400


def with_fields(error: _E, fields: Mapping[str, str]) -> _E:
    """``error`` with extra S3 error elements whose names are not Python identifiers
    (``X-Amz-Expires``, ``Content-MD5``)."""
    error.fields.update(fields)
    return error
