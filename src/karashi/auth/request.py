"""The request as signed, and the SigV4 fields parsed out of it.

Two forms carry a SigV4 signature: the ``Authorization`` header
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html)
and the presigned query string
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
Parsing only reads their syntax; :func:`karashi.auth.verify_signature` checks the rest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from karashi.auth.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidArgument,
    InvalidRequest,
)
from karashi.errors import ServiceError

ALGORITHM = "AWS4-HMAC-SHA256"
SCOPE_TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
#: The x-amz-content-sha256 values announcing an aws-chunked body.
STREAMING_MODES = frozenset({
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
})
#: Seven days: the longest lifetime of a presigned URL.
MAX_EXPIRES = 604_800

_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_SCOPE_DATE = re.compile(r"[0-9]{8}")
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                   "X-Amz-SignedHeaders", "X-Amz-Expires")
_UNSUPPORTED = ("The authorization mechanism you have provided is not supported. "
                "Please use AWS4-HMAC-SHA256.")


@dataclass(frozen=True, slots=True)
class RawRequest:
    """A request exactly as received, before anything decodes it.

    ``path`` is the raw path of the request line without the query; ``query`` is the
    raw query string without ``?``. Both, and header values, are the bytes on the wire
    decoded as latin-1 (one character per byte), as ``karashi.http`` does; a string
    holding characters above U+00FF is taken as UTF-8 instead. Header names may have
    any case; order and repeated names are kept.
    """

    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (any case), in the order received."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> str | None:
        """Header ``name``, repeated values joined with ``,``; None when absent."""
        values = self.header_values(name)
        return ",".join(values) if values else None

    def query_params(self) -> list[tuple[str, str]]:
        """The query's name/value pairs, percent-decoded once, ``+`` kept as ``+``."""
        pairs = []
        for part in self.query.split("&"):
            if part:
                name, _, value = part.partition("=")
                pairs.append((unquote(name, "latin-1"), unquote(value, "latin-1")))
        return pairs


@dataclass(frozen=True, slots=True)
class CredentialScope:
    """The ``<date>/<region>/<service>`` of a credential; ``str()`` adds the terminator."""

    date: str
    region: str
    service: str

    def __str__(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{SCOPE_TERMINATOR}"


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The SigV4 fields of a request, as the client sent them (not yet verified)."""

    access_key: str
    scope: CredentialScope
    signed_headers: tuple[str, ...]
    signature: str
    #: The request time (X-Amz-Date, or the Date header), aware, in UTC.
    timestamp: datetime
    #: x-amz-content-sha256 as sent; for presigned URLs UNSIGNED-PAYLOAD when absent.
    payload_hash: str | None
    presigned: bool
    expires_in: int | None = None
    security_token: str | None = field(default=None, repr=False)

    @property
    def amz_date(self) -> str:
        """The request time in the ISO 8601 basic form the string to sign uses."""
        t = self.timestamp  # not strftime: "%Y" drops leading zeros of years below 1000
        return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}{t.second:02d}Z"


def parse_request(req: RawRequest) -> SignedRequest | None:
    """Read the SigV4 fields of ``req``; None when it carries no signature at all.

    Raises on a malformed header or query form, and on other authentication schemes
    (SigV2, SigV4a) so that they are never taken for anonymous requests.
    """
    authorization = req.header("authorization")
    params = req.query_params()
    names = {name for name, _ in params}
    if authorization is not None and "X-Amz-Algorithm" in names:
        raise InvalidArgument(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be "
            "specified")
    if authorization is not None:
        return _parse_header_form(req, authorization)
    if "X-Amz-Algorithm" in names:
        return _parse_query_form(req, params)
    if names & {"X-Amz-Credential", "X-Amz-Signature"}:
        raise AuthorizationQueryParametersError(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
            "and X-Amz-Expires parameters.")
    if {"AWSAccessKeyId", "Signature"} <= names:
        raise InvalidRequest(_UNSUPPORTED)
    return None


def _parse_header_form(req: RawRequest, authorization: str) -> SignedRequest:
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme != ALGORITHM:
        raise InvalidRequest(_UNSUPPORTED)
    if len(req.header_values("authorization")) > 1:
        raise AuthorizationHeaderMalformed("The authorization header is malformed; "
                                           "it was sent more than once.")
    components: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or key in components or key not in ("Credential", "SignedHeaders",
                                                        "Signature"):
            raise AuthorizationHeaderMalformed(
                f"The authorization header is malformed; unexpected component {part!r}.")
        components[key] = value.strip()
    if len(components) != 3:
        missing = {"Credential", "SignedHeaders", "Signature"} - components.keys()
        raise AuthorizationHeaderMalformed(
            f"The authorization header is malformed; missing {', '.join(sorted(missing))}.")

    fail = AuthorizationHeaderMalformed
    access_key, scope = _parse_credential(components["Credential"], fail)
    return SignedRequest(
        access_key=access_key, scope=scope,
        signed_headers=_parse_signed_headers(components["SignedHeaders"], fail),
        signature=_non_empty(components["Signature"], "Signature", fail),
        timestamp=_header_timestamp(req),
        payload_hash=_content_sha256(req),
        presigned=False,
        security_token=req.header("x-amz-security-token"))


def _parse_query_form(req: RawRequest, params: list[tuple[str, str]]) -> SignedRequest:
    fail = AuthorizationQueryParametersError
    values: dict[str, str] = {}
    for name, value in params:
        if name in _PRESIGN_PARAMS or name == "X-Amz-Security-Token":
            if name in values:
                raise fail(f"{name} is given more than once.")
            values[name] = value
    if any(name not in values for name in _PRESIGN_PARAMS):
        raise fail("Query-string authentication version 4 requires the X-Amz-Algorithm, "
                   "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                   "and X-Amz-Expires parameters.")
    if values["X-Amz-Algorithm"] != ALGORITHM:
        raise fail('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"')

    access_key, scope = _parse_credential(values["X-Amz-Credential"], fail)
    date = values["X-Amz-Date"]
    if not _AMZ_DATE.fullmatch(date) or (timestamp := _basic_time(date)) is None:
        raise fail("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    payload_hash = _content_sha256(req)
    return SignedRequest(
        access_key=access_key, scope=scope,
        signed_headers=_parse_signed_headers(values["X-Amz-SignedHeaders"], fail),
        signature=_non_empty(values["X-Amz-Signature"], "X-Amz-Signature", fail),
        timestamp=timestamp,
        payload_hash=UNSIGNED_PAYLOAD if payload_hash is None else payload_hash,
        presigned=True,
        expires_in=_parse_expires(values["X-Amz-Expires"]),
        security_token=values.get("X-Amz-Security-Token",
                                  req.header("x-amz-security-token")))


def _parse_credential(value: str, fail: type[ServiceError]) -> tuple[str, CredentialScope]:
    parts = value.split("/")
    if (len(parts) != 5 or not all(parts) or not _SCOPE_DATE.fullmatch(parts[1])
            or parts[4] != SCOPE_TERMINATOR):
        where = ("The authorization header is malformed" if fail is AuthorizationHeaderMalformed
                 else "Error parsing the X-Amz-Credential parameter")
        raise fail(f"{where}; the Credential is mal-formed; expecting "
                   '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".')
    return parts[0], CredentialScope(date=parts[1], region=parts[2], service=parts[3])


def _parse_signed_headers(value: str, fail: type[ServiceError]) -> tuple[str, ...]:
    names = tuple(name.strip().lower() for name in value.split(";"))
    if not all(names) or len(set(names)) != len(names):
        raise fail(f"SignedHeaders {value!r} is not a ';'-separated list of distinct "
                   "header names.")
    return names


def _non_empty(value: str, name: str, fail: type[ServiceError]) -> str:
    if not value:
        raise fail(f"{name} is empty.")
    return value


def _parse_expires(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        raise AuthorizationQueryParametersError("X-Amz-Expires should be a number")
    seconds = int(value)
    if seconds < 1:
        raise AuthorizationQueryParametersError("X-Amz-Expires must be non-negative")
    if seconds > MAX_EXPIRES:
        raise AuthorizationQueryParametersError(
            "X-Amz-Expires must be less than a week (in seconds) that is 604800")
    return seconds


def _header_timestamp(req: RawRequest) -> datetime:
    """X-Amz-Date, or the Date header (RFC 1123) when X-Amz-Date is absent."""
    amz_date = req.header("x-amz-date")
    timestamp: datetime | None = None
    if amz_date is not None:
        if _AMZ_DATE.fullmatch(amz_date):
            timestamp = _basic_time(amz_date)
    elif (date := req.header("date")) is not None:
        timestamp = _http_time(date)
    if timestamp is None:
        raise AccessDenied("AWS authentication requires a valid Date or x-amz-date header")
    return timestamp


def _basic_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _http_time(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)  # "-0000", as botocore writes it: UTC
    return parsed.astimezone(UTC)


def _content_sha256(req: RawRequest) -> str | None:
    """x-amz-content-sha256, if sent, after checking it is a value S3 knows."""
    value = req.header("x-amz-content-sha256")
    if value is None:
        return None
    if value in STREAMING_MODES or value == UNSIGNED_PAYLOAD or _SHA256_HEX.fullmatch(value):
        return value
    raise InvalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER "
        "or a valid sha256 value.", ArgumentName="x-amz-content-sha256",
        ArgumentValue=value)
