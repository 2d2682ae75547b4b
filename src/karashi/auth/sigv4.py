"""Verifying a SigV4 signature, header or presigned form.

The steps are those of "Authenticating Requests (AWS Signature Version 4)",
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html:
check the request's shape and time, rebuild the canonical request and string to sign,
derive the signing key and compare signatures in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from karashi.auth.canonical import canonical_request, string_to_sign, uri_encode, wire_bytes
from karashi.auth.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidRequest,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
    with_fields,
)
from karashi.auth.request import SCOPE_TERMINATOR, RawRequest, SignedRequest

#: How far a request's time may be from ours; S3's RequestTimeTooSkewed limit.
MAX_SKEW = timedelta(minutes=15)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 signing key: HMAC chain over date, region, service and terminator."""
    key = _hmac(f"AWS4{secret}".encode(), date)
    for part in (region, service, SCOPE_TERMINATOR):
        key = _hmac(key, part)
    return key


def sign(key: bytes, string_to_sign: str) -> str:
    """The lower-case hex HMAC-SHA256 of ``string_to_sign`` under ``key``."""
    return hmac.new(key, wire_bytes(string_to_sign), hashlib.sha256).hexdigest()


def signatures_match(calculated: str, provided: str) -> bool:
    """The one place signatures are compared, in time independent of where they differ."""
    return hmac.compare_digest(calculated.encode(), provided.encode("utf-8", "surrogatepass"))


def verify_signature(req: RawRequest, signed: SignedRequest, secret_key: str,
                     now: datetime | None = None, payload_hash: str | None = None, *,
                     normalize_path: bool | None = None) -> bytes:
    """Check ``signed`` against ``req`` and the secret key; return the signing key.

    Raises instead of returning a verdict. ``now`` defaults to the current time (a
    naive value is taken as UTC). ``payload_hash`` is the hex SHA-256 of the body:
    required for services other than s3 whenever there is a body (None means empty);
    for s3 it is optional and only compared with x-amz-content-sha256. Services other
    than s3 normalize the path; ``normalize_path`` overrides that, for test suites.
    """
    now = _utc(now)
    is_s3 = signed.scope.service == "s3"
    _check_shape(req, signed, is_s3)
    _check_time(signed, now)

    payload = _payload_line(req, signed, payload_hash, is_s3)
    normalize = not is_s3 if normalize_path is None else normalize_path
    canonical = canonical_request(req, signed, payload_hash=payload,
                                  normalize_path=normalize, decode_path=is_s3)
    to_sign = string_to_sign(signed, canonical)
    scope = signed.scope
    key = signing_key(secret_key, scope.date, scope.region, scope.service)
    if not signatures_match(sign(key, to_sign), signed.signature):
        token = signed.security_token or ""
        raise SignatureDoesNotMatch(
            "The request signature we calculated does not match the signature you "
            "provided. Check your key and signing method.",
            canonical_request=canonical, string_to_sign=to_sign,
            redact=(token, uri_encode(wire_bytes(token), keep_slash=False)),
            AWSAccessKeyId=signed.access_key, SignatureProvided=signed.signature,
            StringToSign=to_sign, CanonicalRequest=canonical)
    return key


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=UTC)
    return now.astimezone(UTC)


def _check_shape(req: RawRequest, signed: SignedRequest, is_s3: bool) -> None:
    """The rules a well-formed signed request follows, whatever its signature."""
    fail = AuthorizationQueryParametersError if signed.presigned else AuthorizationHeaderMalformed
    where = ("Error parsing the X-Amz-Credential parameter" if signed.presigned
             else "The authorization header is malformed")
    if signed.scope.date != signed.amz_date[:8]:
        raise fail(f"{where}; Invalid credential date. Date is not the same as X-Amz-Date.")
    if "host" not in signed.signed_headers:
        raise fail(f"{where}; the host header must be signed.")
    for name in signed.signed_headers:
        if not req.header_values(name):
            # What S3 answers when, say, a presigned PUT signed Content-Type and the
            # browser sends none: the client signed a request we did not receive.
            raise SignatureDoesNotMatch(
                "The request signature we calculated does not match the signature you "
                f"provided: the signed header {name!r} is not in the request.",
                AWSAccessKeyId=signed.access_key, SignatureProvided=signed.signature)
    if not is_s3:
        return

    # S3 requires a signed x-amz-content-sha256 on header-signed requests
    # (sig-v4-header-based-auth.html) and refuses x-amz-* headers that are not signed
    # ("There were headers present in the request which were not signed"), so a
    # presigned URL cannot gain, say, x-amz-acl: public-read on the way.
    if not signed.presigned:
        if signed.payload_hash is None:
            raise InvalidRequest(
                "Missing required header for this request: x-amz-content-sha256")
        if "x-amz-content-sha256" not in signed.signed_headers:
            raise InvalidRequest("header 'x-amz-content-sha256' must be included in signature")
    covered = {"x-amz-content-sha256", *(() if signed.presigned else ("x-amz-date",))}
    unsigned = sorted({name.lower() for name, _ in req.headers
                       if name.lower().startswith("x-amz-")}
                      - set(signed.signed_headers) - covered)
    if unsigned:
        raise AccessDenied("There were headers present in the request which were not signed",
                           HeadersNotSigned=", ".join(unsigned))


def _check_time(signed: SignedRequest, now: datetime) -> None:
    """Header form: within 15 minutes of now. Presigned: not from more than 15 minutes
    ahead, and not past X-Amz-Date + X-Amz-Expires (which may be up to 7 days)."""
    skew = signed.timestamp - now
    too_early = skew > MAX_SKEW
    if too_early or (not signed.presigned and -skew > MAX_SKEW):
        raise RequestTimeTooSkewed(
            "The difference between the request time and the current time is too large.",
            RequestTime=signed.amz_date, ServerTime=_iso(now),
            MaxAllowedSkewMilliseconds=str(int(MAX_SKEW.total_seconds() * 1000)))
    if not signed.presigned:
        return
    if signed.expires_in is None:
        raise AuthorizationQueryParametersError("X-Amz-Expires is missing.")
    expires = signed.timestamp + timedelta(seconds=signed.expires_in)
    if now > expires:
        raise with_fields(AccessDenied("Request has expired"), {
            "X-Amz-Expires": str(signed.expires_in), "Expires": _iso(expires),
            "ServerTime": _iso(now)})


def _payload_line(req: RawRequest, signed: SignedRequest, payload_hash: str | None,
                  is_s3: bool) -> str:
    """The last line of the canonical request: the declared or computed body hash."""
    if is_s3:
        declared = signed.payload_hash
        if declared is None:  # _check_shape refuses this for the header form
            raise InvalidRequest(
                "Missing required header for this request: x-amz-content-sha256")
        if payload_hash is not None and len(declared) == 64:
            _compare_payload(declared, payload_hash)
        return declared

    computed = EMPTY_SHA256 if payload_hash is None else payload_hash
    header = req.header("x-amz-content-sha256")
    if header is None:
        return computed
    _compare_payload(header, computed)
    return header


def _compare_payload(declared: str, computed: str) -> None:
    if declared.lower() != computed.lower():
        raise XAmzContentSHA256Mismatch(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ClientComputedContentSHA256=declared, S3ComputedContentSHA256=computed)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
