"""parse_request and verify_signature on hand-built requests: the rules around the
signature (schemes, parameters, dates, payload hashes, secrets kept out of reprs)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karashi.auth import RawRequest, parse_request, signing_key, verify_signature
from karashi.auth.canonical import canonical_uri, remove_dot_segments
from karashi.auth.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidArgument,
    InvalidRequest,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
)
from karashi.auth.sigv4 import sign
from karashi.errors import ServiceError

from .support import ACCESS_KEY, SECRET_KEY

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DATE = "20260102T030405Z"
CREDENTIAL = f"{ACCESS_KEY}/20260102/us-east-1/s3/aws4_request"
AUTH = ("Authorization",
        f"AWS4-HMAC-SHA256 Credential={CREDENTIAL}, SignedHeaders=host, Signature=ab")
PRESIGN = (f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={quote(CREDENTIAL, safe='')}"
           f"&X-Amz-Date={DATE}&X-Amz-Expires=60&X-Amz-SignedHeaders=host")


def request(query: str = "", *headers: tuple[str, str]) -> RawRequest:
    return RawRequest("GET", "/b/k", query, [("Host", "h"), *headers])


def test_anonymous_request_is_none() -> None:
    """No Authorization header and no X-Amz-* signature parameters: anonymous."""
    assert parse_request(request("list-type=2&prefix=a")) is None
    assert parse_request(request("X-Amz-Date=x")) is None


@pytest.mark.parametrize("req", [
    request("", ("Authorization", "AWS AKID:c2lnbmF0dXJl")),
    request("AWSAccessKeyId=AKID&Signature=abc&Expires=1"),
    request("", ("Authorization", ("AWS4-ECDSA-P256-SHA256 Credential=AK/20260102/s3/"
                                   "aws4_request, SignedHeaders=host, Signature=ab"))),
])
def test_other_schemes_are_refused_not_anonymous(req: RawRequest) -> None:
    """SigV2 and SigV4a are refused with S3's message, never treated as anonymous."""
    with pytest.raises(InvalidRequest, match="Please use AWS4-HMAC-SHA256"):
        parse_request(req)


def test_two_mechanisms_are_refused() -> None:
    """An Authorization header and X-Amz-Algorithm together are InvalidArgument."""
    req = request(PRESIGN + "&X-Amz-Signature=ab", AUTH)
    with pytest.raises(InvalidArgument, match="Only one auth mechanism"):
        parse_request(req)


@pytest.mark.parametrize(("query", "match"), [
    ("X-Amz-Credential=x", "requires the X-Amz-Algorithm"),
    (PRESIGN, "requires the X-Amz-Algorithm"),
    (PRESIGN.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1") + "&X-Amz-Signature=ab",
     "only supports"),
    (PRESIGN + "&X-Amz-Signature=ab&X-Amz-Signature=cd", "more than once"),
    (PRESIGN.replace(DATE, "2026-01-02T03:04:05Z") + "&X-Amz-Signature=ab", "ISO8601"),
    (PRESIGN.replace(DATE, "20261302T030405Z") + "&X-Amz-Signature=ab", "ISO8601"),
    (PRESIGN.replace("Expires=60", "Expires=0") + "&X-Amz-Signature=ab", "non-negative"),
    (PRESIGN.replace("Expires=60", "Expires=-1") + "&X-Amz-Signature=ab", "number"),
    (PRESIGN.replace("Expires=60", "Expires=1e3") + "&X-Amz-Signature=ab", "number"),
    (PRESIGN.replace("Expires=60", "Expires=604801") + "&X-Amz-Signature=ab", "a week"),
    (PRESIGN.replace("aws4_request", "aws4_reqest") + "&X-Amz-Signature=ab", "mal-formed"),
    (PRESIGN + "&X-Amz-Signature=", "empty"),
])
def test_malformed_presigned_parameters(query: str, match: str) -> None:
    """Each malformed presigned parameter is an AuthorizationQueryParametersError."""
    with pytest.raises(AuthorizationQueryParametersError, match=match):
        parse_request(request(query))


def test_presigned_fields() -> None:
    """A well-formed presigned URL parses into its fields; the token stays out of repr."""
    signed = parse_request(request(PRESIGN + "&X-Amz-Signature=ab&X-Amz-Security-Token=t%2Bk"))
    assert signed is not None
    assert (signed.access_key, signed.scope.date, signed.scope.service) == (
        ACCESS_KEY, "20260102", "s3")
    assert str(signed.scope) == "20260102/us-east-1/s3/aws4_request"
    assert signed.timestamp == NOW and signed.amz_date == DATE
    assert (signed.expires_in, signed.payload_hash, signed.signature) == (
        60, "UNSIGNED-PAYLOAD", "ab")
    assert signed.security_token == "t+k"
    assert "t+k" not in repr(signed)


@pytest.mark.parametrize(("headers", "expected"), [
    ((("Date", "Fri, 02 Jan 2026 03:04:05 GMT"),), NOW),
    ((("Date", "Fri, 02 Jan 2026 03:04:05 -0000"),), NOW),
    ((("Date", "Fri, 02 Jan 2026 04:04:05 +0100"),), NOW),
    ((("X-Amz-Date", DATE), ("Date", "Sat, 01 Jan 2000 00:00:00 GMT")), NOW),
])
def test_header_timestamp(headers: tuple[tuple[str, str], ...], expected: datetime) -> None:
    """X-Amz-Date wins; otherwise the Date header in RFC 1123 form."""
    signed = parse_request(request("", AUTH, *headers))
    assert signed is not None and signed.timestamp == expected


@pytest.mark.parametrize("headers", [(), (("X-Amz-Date", "20260102T0304Z"),),
                                     (("X-Amz-Date", "2026-01-02"),),
                                     (("Date", "yesterday"),)])
def test_missing_or_bad_date_is_access_denied(headers: tuple[tuple[str, str], ...]) -> None:
    """A header-signed request needs a valid X-Amz-Date or Date (S3: AccessDenied)."""
    with pytest.raises(AccessDenied, match="valid Date or x-amz-date"):
        parse_request(request("", AUTH, *headers))


def test_repeated_authorization_header_is_malformed() -> None:
    """Two Authorization headers are refused."""
    with pytest.raises(AuthorizationHeaderMalformed):
        parse_request(request("", AUTH, AUTH, ("X-Amz-Date", DATE)))


@pytest.mark.parametrize("value", ["abc", "unsigned-payload", "e3b0" * 15,
                                   "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"])
def test_bad_content_sha256_is_invalid_argument(value: str) -> None:
    """x-amz-content-sha256 must be a hex SHA-256 or one of S3's named values."""
    with pytest.raises(InvalidArgument, match="x-amz-content-sha256"):
        parse_request(request("", AUTH, ("X-Amz-Date", DATE), ("x-amz-content-sha256", value)))


def sign_request(req: RawRequest, service: str, payload: str, signed_headers: str,
                 token: str | None = None) -> RawRequest:
    """Sign ``req`` by hand, the way the AWS docs spell it out, for rules botocore
    cannot reach."""
    scope = f"20260102/us-east-1/{service}/aws4_request"
    names = signed_headers.split(";")
    canonical_headers = "".join(f"{n}:{' '.join(v.split())}\n" for n in names
                                for k, v in req.headers if k.lower() == n)
    canonical = "\n".join([req.method, quote(req.path, safe="/~"), req.query,
                           canonical_headers, signed_headers, payload])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", DATE, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    signature = sign(signing_key(SECRET_KEY, "20260102", "us-east-1", service), to_sign)
    auth = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}")
    return RawRequest(req.method, req.path, req.query, [*req.headers, ("Authorization", auth)])


def test_non_s3_payload_hash_rules() -> None:
    """For IAM/STS the body hash comes from the caller; an x-amz-content-sha256 header
    must agree with it, and UNSIGNED-PAYLOAD is not accepted."""
    body = b"Action=GetSessionToken&Version=2011-06-15"
    digest = hashlib.sha256(body).hexdigest()
    base = RawRequest("POST", "/", "", [("Host", "h"), ("X-Amz-Date", DATE)])
    req = sign_request(base, "sts", digest, "host;x-amz-date")
    signed = parse_request(req)
    assert signed is not None
    verify_signature(req, signed, SECRET_KEY, NOW, digest)

    with_header = RawRequest("POST", "/", "", [*base.headers, ("x-amz-content-sha256", digest)])
    req = sign_request(with_header, "sts", digest, "host;x-amz-date")
    signed = parse_request(req)
    assert signed is not None
    verify_signature(req, signed, SECRET_KEY, NOW, digest)
    with pytest.raises(XAmzContentSHA256Mismatch):
        verify_signature(req, signed, SECRET_KEY, NOW, hashlib.sha256(b"x").hexdigest())

    unsigned = RawRequest("POST", "/", "", [*base.headers,
                                            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")])
    req = sign_request(unsigned, "sts", "UNSIGNED-PAYLOAD", "host;x-amz-date")
    signed = parse_request(req)
    assert signed is not None
    with pytest.raises(XAmzContentSHA256Mismatch):
        verify_signature(req, signed, SECRET_KEY, NOW, digest)


def test_mismatch_carries_debug_fields_but_no_secret() -> None:
    """SignatureDoesNotMatch carries S3's debug elements; its loggable canonical request
    masks the session token; the secret key appears nowhere."""
    token = "FQoG/session+token=="
    base = request("", ("X-Amz-Date", DATE), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
                   ("X-Amz-Security-Token", token))
    req = sign_request(base, "s3", "UNSIGNED-PAYLOAD",
                       "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
    signed = parse_request(req)
    assert signed is not None
    verify_signature(req, signed, SECRET_KEY, NOW)
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify_signature(req, signed, SECRET_KEY + "x", NOW)
    error = caught.value
    assert error.fields["AWSAccessKeyId"] == ACCESS_KEY
    assert error.fields["StringToSign"] == error.string_to_sign
    assert token in error.canonical_request
    assert token not in error.loggable_canonical_request()
    assert "<redacted>" in error.loggable_canonical_request()
    assert SECRET_KEY not in repr(vars(error)) and SECRET_KEY not in str(error)


def test_naive_now_is_utc_and_default_now_is_the_clock() -> None:
    """``now`` defaults to the real clock; a naive ``now`` is read as UTC."""
    base = request("", ("X-Amz-Date", DATE), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"))
    req = sign_request(base, "s3", "UNSIGNED-PAYLOAD", "host;x-amz-content-sha256;x-amz-date")
    signed = parse_request(req)
    assert signed is not None
    verify_signature(req, signed, SECRET_KEY, NOW.replace(tzinfo=None) + timedelta(minutes=14))
    with pytest.raises(RequestTimeTooSkewed):
        verify_signature(req, signed, SECRET_KEY)


@pytest.mark.parametrize(("path", "s3", "other"), [
    ("/", "/", "/"),
    ("", "/", "/"),
    ("/a b/c%20d", "/a%20b/c%20d", "/a%20b/c%2520d"),
    ("/a/./b/../c", "/a/./b/../c", "/a/c"),
    ("//a//b//", "//a//b//", "/a/b/"),
    ("/%7E~%41", "/~~A", "/%257E~%2541"),
    ("/ü", "/%C3%BC", "/%C3%BC"),
    ("/a+b%2Fc", "/a%2Bb/c", "/a%2Bb%252Fc"),
])
def test_canonical_uri(path: str, s3: str, other: str) -> None:
    """S3 decodes once and re-encodes, keeping dot segments and slashes; other services
    normalize and encode the raw path (so escapes are encoded twice)."""
    raw = path.encode("utf-8").decode("latin-1")  # as karashi.http hands paths in
    assert canonical_uri(raw, normalize=False, decode=True) == s3
    assert canonical_uri(raw, normalize=True, decode=False) == other


def test_canonical_uri_of_unicode_text() -> None:
    """A path holding characters above U+00FF is read as UTF-8 text, not wire bytes."""
    assert canonical_uri("/日 本", normalize=False, decode=True) == "/%E6%97%A5%20%E6%9C%AC"


def test_remove_dot_segments() -> None:
    """Dot segments resolve, empty segments go, a trailing slash stays."""
    assert remove_dot_segments("/a/b/../../..") == "/"
    assert remove_dot_segments("/a/./b/") == "/a/b/"
    assert remove_dot_segments("/a/b/..") == "/a"


_TEXT = st.text(st.characters(max_codepoint=0xFF), max_size=60)
_PIECES = st.sampled_from([
    "AWS4-HMAC-SHA256 ", "Credential=", CREDENTIAL, ", ", "SignedHeaders=", "host;x-amz-date",
    "Signature=", "ab", "/", "=", ",", ";", " ", DATE, "20261302T250000Z", "%", "%zz", "&",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Expires=", "9" * 30, "X-Amz-Date=",
    "X-Amz-Credential=", "X-Amz-Signature=", "X-Amz-SignedHeaders=", "\u00ff", "\r\n",
])
_FUZZ = st.one_of(_TEXT, st.lists(_PIECES, max_size=12).map("".join))


@settings(max_examples=400, deadline=None)
@given(authorization=st.one_of(st.none(), _FUZZ), query=_FUZZ,
       date=st.one_of(st.none(), st.just(DATE), _FUZZ),
       content_sha256=st.one_of(st.none(), st.just("UNSIGNED-PAYLOAD"), _FUZZ),
       path=_FUZZ)
def test_any_input_raises_only_service_errors(authorization: str | None, query: str,
                                              date: str | None, content_sha256: str | None,
                                              path: str) -> None:
    """Whatever the client sends, parsing and verifying end in a result or a 4xx
    ServiceError, never another exception (which would surface as a 500)."""
    headers = [("Host", "h")]
    for name, value in (("Authorization", authorization), ("X-Amz-Date", date),
                        ("x-amz-content-sha256", content_sha256)):
        if value is not None:
            headers.append((name, value))
    req = RawRequest("GET", "/" + path, query, headers)
    try:
        signed = parse_request(req)
        if signed is not None:
            verify_signature(req, signed, SECRET_KEY, NOW, hashlib.sha256(b"").hexdigest())
    except ServiceError as error:
        assert 400 <= error.status < 500
