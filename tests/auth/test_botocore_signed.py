"""Requests signed by botocore itself verify, at the real current time; tampered ones fail.

The clients are real botocore clients pointed at a fixed endpoint; a before-send hook
captures each signed request instead of sending it (see support.py).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from karashi.auth import (
    ContentMD5Verifier,
    PayloadVerifier,
    RawRequest,
    SignedRequest,
    parse_request,
    signing_key,
    verify_signature,
)
from karashi.auth.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidRequest,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
)

from .support import ACCESS_KEY, SECRET_KEY, capture, make_client, presigned, to_raw

KEYS = [
    "plain.txt", "with space.txt", "plus+sign", "100%", "100%25", "tilde~", "a//b", "a/./b",
    "../up", "dir/.", "dir/..", "trailing/", "ünïcödé/ключ 日本", "emoji-😀",
    "?#[]@!$&'()*,;=:", "%2F and /", "tab\tand\nnewline",
]


@pytest.fixture(scope="module")
def s3() -> Any:
    return make_client("s3", s3={"addressing_style": "path"}, signature_version="s3v4")


def parse(req: RawRequest) -> SignedRequest:
    signed = parse_request(req)
    assert signed is not None
    return signed


def verify(req: RawRequest, body: bytes = b"", *, now: datetime | None = None,
           secret: str = SECRET_KEY) -> SignedRequest:
    """Verify as the S3 handler would: signature, then the body against its hash."""
    signed = parse(req)
    verify_signature(req, signed, secret, now=now)
    if signed.payload_hash not in (None, "UNSIGNED-PAYLOAD"):
        verifier = PayloadVerifier(signed.payload_hash)
        verifier.update(body)
        verifier.finish()
    return signed


def replace_header(req: RawRequest, name: str, value: str) -> RawRequest:
    headers = [(key, value if key.lower() == name else old) for key, old in req.headers]
    return RawRequest(req.method, req.path, req.query, headers)


@pytest.mark.parametrize("key", KEYS)
def test_put_object_with_awkward_key_verifies(s3: Any, key: str) -> None:
    """PutObject with spaces, +, %, ~, unicode, // and /./ in the key verifies."""
    req, body = capture(s3, "put_object", Bucket="bucket", Key=key, Body=b"hello",
                        Metadata={"note": "two  spaces", "empty": ""})
    signed = verify(req, body)
    assert signed.access_key == ACCESS_KEY
    assert (signed.scope.region, signed.scope.service) == ("us-east-1", "s3")
    assert not signed.presigned


@pytest.mark.parametrize("key", KEYS)
def test_presigned_get_with_awkward_key_verifies(s3: Any, key: str) -> None:
    """A presigned GetObject URL for an awkward key verifies until it expires."""
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "bucket", "Key": key},
                                    ExpiresIn=600)
    req = presigned(url)
    signed = verify(req)
    assert signed.presigned and signed.expires_in == 600
    assert signed.payload_hash == "UNSIGNED-PAYLOAD"


@pytest.mark.parametrize(("operation", "params"), [
    ("list_objects_v2", {"Bucket": "b", "Prefix": "a b/+~%", "Delimiter": "/",
                         "StartAfter": "ü", "EncodingType": "url"}),
    ("list_object_versions", {"Bucket": "b", "KeyMarker": "k=1&x", "VersionIdMarker": "v/1"}),
    ("get_object", {"Bucket": "b", "Key": "k", "Range": "bytes=0-9", "VersionId": "a+b/c=",
                    "ResponseContentDisposition": 'attachment; filename="ü x.txt"'}),
    ("copy_object", {"Bucket": "b", "Key": "dst key", "CopySource": "src/some key+x ü",
                     "MetadataDirective": "REPLACE", "Metadata": {"k": " v  w "}}),
    ("upload_part", {"Bucket": "b", "Key": "k k", "PartNumber": 3, "UploadId": "a/b+c=",
                     "Body": b"part data"}),
    ("create_bucket", {"Bucket": "b", "CreateBucketConfiguration":
                       {"LocationConstraint": "eu-west-1"}}),
    ("put_bucket_policy", {"Bucket": "b", "Policy": '{"Version": "2012-10-17"}'}),
    ("head_object", {"Bucket": "b", "Key": "k", "IfNoneMatch": '"etag"'}),
])
def test_s3_operations_verify(s3: Any, operation: str, params: dict[str, Any]) -> None:
    """Listing, ranged and versioned reads, copies, parts, bucket calls all verify."""
    req, body = capture(s3, operation, **params)
    verify(req, body)


def test_delete_objects_content_md5_or_checksum_matches(s3: Any) -> None:
    """DeleteObjects' XML body matches its declared hash, and its Content-MD5 if sent."""
    req, body = capture(s3, "delete_objects", Bucket="b",
                        Delete={"Objects": [{"Key": "a b"}, {"Key": "c+d"}]})
    verify(req, body)
    md5 = req.header("content-md5")
    if md5 is not None:
        verifier = ContentMD5Verifier(md5)
        verifier.update(body)
        verifier.finish()


def test_session_token_is_parsed(s3: Any) -> None:
    """The session token comes from x-amz-security-token or X-Amz-Security-Token."""
    client = make_client("s3", token="FwoG+token/with=chars", signature_version="s3v4",
                         s3={"addressing_style": "path"})
    req, body = capture(client, "get_object", Bucket="b", Key="k")
    assert verify(req, body).security_token == "FwoG+token/with=chars"
    url = client.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
    assert verify(presigned(url)).security_token == "FwoG+token/with=chars"


@pytest.mark.parametrize("tamper", [
    "path", "query", "method", "header", "signature", "secret", "host", "percent-encoding",
])
def test_tampered_request_is_refused(s3: Any, tamper: str) -> None:
    """Changing anything signed after signing gives SignatureDoesNotMatch."""
    req, body = capture(s3, "put_object", Bucket="bucket", Key="some key", Body=b"x",
                        Metadata={"owner": "alice"})
    path, query, method, secret = req.path, req.query, req.method, SECRET_KEY
    if tamper == "path":
        path = path.replace("some", "same")
    elif tamper == "query":
        query = "acl="
    elif tamper == "method":
        method = "POST"
    elif tamper == "header":
        req = replace_header(req, "x-amz-meta-owner", "mallory")
    elif tamper == "signature":
        auth = req.header("authorization") or ""
        req = replace_header(req, "authorization", auth[:-1] + ("0" if auth[-1] != "0" else "1"))
    elif tamper == "secret":
        secret = SECRET_KEY[:-1] + "X"
    elif tamper == "host":
        req = replace_header(req, "host", "127.0.0.1:9001")
    elif tamper == "percent-encoding":
        path = path.replace("%20", "+")  # a different key, not the same one re-encoded
    changed = RawRequest(method, path, query, req.headers)
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(changed, body, secret=secret)
    assert caught.value.canonical_request and caught.value.string_to_sign
    assert SECRET_KEY not in repr(caught.value.__dict__)


def test_equivalent_encodings_of_the_same_key_verify(s3: Any) -> None:
    """S3 decodes the path once: %7E and ~, %41 and A name the same key."""
    req, body = capture(s3, "get_object", Bucket="bucket", Key="a~A")
    for path in ("/bucket/a%7EA", "/bucket/a~%41", "/bucket/%61%7e%41"):
        verify(RawRequest(req.method, path, req.query, req.headers), body)


def test_tampered_body_is_refused(s3: Any) -> None:
    """A body that differs from x-amz-content-sha256 gives XAmzContentSHA256Mismatch."""
    req, _body = capture(s3, "put_object", Bucket="b", Key="k", Body=b"the real body")
    with pytest.raises(XAmzContentSHA256Mismatch):
        verify(req, b"the fake body")
    signed = parse(req)
    with pytest.raises(XAmzContentSHA256Mismatch):
        verify_signature(req, signed, SECRET_KEY,
                         payload_hash=hashlib.sha256(b"other").hexdigest())


def test_unsigned_amz_header_is_refused(s3: Any) -> None:
    """An x-amz-* header added after signing is refused, in both forms."""
    req, body = capture(s3, "put_object", Bucket="b", Key="k", Body=b"x")
    added = RawRequest(req.method, req.path, req.query,
                       [*req.headers, ("x-amz-acl", "public-read")])
    with pytest.raises(AccessDenied, match="not signed") as caught:
        verify(added, body)
    assert caught.value.fields["HeadersNotSigned"] == "x-amz-acl"

    url = s3.generate_presigned_url("put_object", Params={"Bucket": "b", "Key": "k"})
    with pytest.raises(AccessDenied, match="not signed"):
        verify(presigned(url, "PUT", ("X-Amz-Acl", "public-read")))
    verify(presigned(url, "PUT", ("Content-Type", "text/plain"), ("User-Agent", "curl")))


@pytest.mark.parametrize("offset", [timedelta(minutes=16), timedelta(minutes=-16),
                                    timedelta(days=-1)])
def test_skewed_header_request_is_refused(s3: Any, offset: timedelta) -> None:
    """More than 15 minutes between X-Amz-Date and now gives RequestTimeTooSkewed."""
    req, body = capture(s3, "get_object", Bucket="b", Key="k")
    now = datetime.now(UTC)
    verify(req, body, now=now + timedelta(minutes=14 if offset > timedelta(0) else -14))
    with pytest.raises(RequestTimeTooSkewed) as caught:
        verify(req, body, now=now + offset)
    assert caught.value.status == 403
    assert caught.value.fields["MaxAllowedSkewMilliseconds"] == "900000"


def test_presigned_url_lifetime(s3: Any) -> None:
    """A presigned URL works until X-Amz-Date + X-Amz-Expires, then is AccessDenied;
    it may be used long after the 15-minute skew window, but not from the future."""
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"},
                                    ExpiresIn=7200)
    req = presigned(url)
    issued = parse(req).timestamp
    verify(req, now=issued + timedelta(seconds=7200))
    with pytest.raises(AccessDenied, match="Request has expired") as caught:
        verify(req, now=issued + timedelta(seconds=7201))
    assert caught.value.fields["X-Amz-Expires"] == "7200"
    with pytest.raises(RequestTimeTooSkewed):
        verify(req, now=issued - timedelta(minutes=16))
    verify(req, now=issued - timedelta(minutes=14))


def test_presigned_url_of_more_than_a_week_is_refused(s3: Any) -> None:
    """X-Amz-Expires above 604800 seconds is an AuthorizationQueryParametersError."""
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"},
                                    ExpiresIn=604801)
    with pytest.raises(AuthorizationQueryParametersError, match="less than a week"):
        parse(presigned(url))
    week = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"},
                                     ExpiresIn=604800)
    verify(presigned(week))


@pytest.mark.parametrize("field", ["X-Amz-Expires", "X-Amz-Credential", "X-Amz-SignedHeaders",
                                   "X-Amz-Date", "X-Amz-Signature", "key"])
def test_tampered_presigned_url_is_refused(s3: Any, field: str) -> None:
    """Changing any part of a presigned URL gives SignatureDoesNotMatch."""
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"},
                                    ExpiresIn=3600)
    req = presigned(url)
    query, path = req.query, req.path
    if field == "X-Amz-Expires":
        query = query.replace("X-Amz-Expires=3600", "X-Amz-Expires=3601")
    elif field == "X-Amz-Credential":
        query = query.replace("us-east-1", "us-east-2")
    elif field == "X-Amz-SignedHeaders":
        query = query.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Brange")
        req = RawRequest(req.method, path, query, [*req.headers, ("Range", "bytes=0-1")])
    elif field == "X-Amz-Date":
        date = parse(req).amz_date
        query = query.replace(date, date[:-3] + ("00Z" if date[-3:-1] != "00" else "01Z"))
    elif field == "X-Amz-Signature":
        query = query[:-1] + ("0" if query[-1] != "0" else "1")
    else:
        path = "/b/K"
    with pytest.raises(SignatureDoesNotMatch):
        verify(RawRequest(req.method, path, query, req.headers))


@pytest.mark.parametrize("authorization", [
    "AWS4-HMAC-SHA256",
    "AWS4-HMAC-SHA256 ",
    "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request",
    "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host",
    ("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, "
     "Signature="),
    "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3, SignedHeaders=host, Signature=ab",
    ("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws5_request, SignedHeaders=host, "
     "Signature=ab"),
    ("AWS4-HMAC-SHA256 Credential=AK/2015-08-30/us-east-1/s3/aws4_request, "
     "SignedHeaders=host, Signature=ab"),
    ("AWS4-HMAC-SHA256 Credential=AK//us-east-1/s3/aws4_request, SignedHeaders=host, "
     "Signature=ab"),
    ("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=, "
     "Signature=ab"),
    ("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host;;a, "
     "Signature=ab"),
    ("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, "
     "Signature=ab, Signature=cd"),
    ("AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/s3/aws4_request, SignedHeaders=host, "
     "Signature=ab, Extra=1"),
    "AWS4-HMAC-SHA256 Credential AK/20150830/us-east-1/s3/aws4_request",
])
def test_malformed_authorization_header(authorization: str) -> None:
    """An Authorization header without the SigV4 shape is AuthorizationHeaderMalformed."""
    req = RawRequest("GET", "/b/k", "", [("Host", "h"), ("Authorization", authorization),
                                         ("X-Amz-Date", "20150830T123600Z")])
    with pytest.raises(AuthorizationHeaderMalformed) as caught:
        parse_request(req)
    assert caught.value.status == 400


def test_header_naming_another_day_than_its_scope_is_malformed(s3: Any) -> None:
    """A credential scope date that is not X-Amz-Date's day is malformed."""
    req, body = capture(s3, "get_object", Bucket="b", Key="k")
    date = req.header("x-amz-date") or ""
    other = (datetime.strptime(date, "%Y%m%dT%H%M%SZ") - timedelta(days=1)).strftime("%Y%m%d")
    auth = (req.header("authorization") or "").replace(f"/{date[:8]}/", f"/{other}/")
    with pytest.raises(AuthorizationHeaderMalformed, match="Invalid credential date"):
        verify(replace_header(req, "authorization", auth), body)


def test_host_must_be_signed_and_signed_headers_present(s3: Any) -> None:
    """SignedHeaders must include host (else malformed), and every header it names must
    be sent (else the signature cannot match)."""
    req, body = capture(s3, "get_object", Bucket="b", Key="k")
    auth = req.header("authorization") or ""
    unhosted = replace_header(req, "authorization", auth.replace("SignedHeaders=host;",
                                                                 "SignedHeaders="))
    with pytest.raises(AuthorizationHeaderMalformed, match="host"):
        verify(unhosted, body)
    without = RawRequest(req.method, req.path, req.query,
                         [(n, v) for n, v in req.headers if n.lower() != "x-amz-content-sha256"])
    with pytest.raises(SignatureDoesNotMatch, match="x-amz-content-sha256"):
        verify(without, body)


def test_s3_requires_signed_content_sha256() -> None:
    """S3 refuses a header-signed request without a signed x-amz-content-sha256."""
    request = AWSRequest("GET", "http://127.0.0.1:9000/b/k")
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(request)
    req, body = to_raw(request)
    with pytest.raises(InvalidRequest, match="Missing required header"):
        verify(req, body)
    request = AWSRequest("GET", "http://127.0.0.1:9000/b/k",
                         headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(request)
    req, body = to_raw(request)
    verify(req, body)
    auth = (req.header("authorization") or "").replace(";x-amz-content-sha256", "")
    with pytest.raises(InvalidRequest, match="must be included in signature"):
        verify(replace_header(req, "authorization", auth), body)


@pytest.mark.parametrize("path", ["/bucket/a%20b", "/bucket/%E2%9C%93/./x", "/bucket//double",
                                  "/bucket/plus%2B%2B", "/bucket/%25/.."])
def test_botocore_signers_directly(path: str) -> None:
    """S3SigV4Auth (with a Date header instead of X-Amz-Date) and S3SigV4QueryAuth, on
    URLs encoded as botocore's S3 client encodes them."""
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    url = f"http://127.0.0.1:9000{path}?partNumber=1&uploadId=x%2By"
    request = AWSRequest("PUT", url, data=b"body", headers={"Date": "now",
                                                            "Content-Type": "text/plain"})
    S3SigV4Auth(credentials, "s3", "eu-central-1").add_auth(request)
    assert "X-Amz-Date" not in request.headers
    req, body = to_raw(request)
    signed = verify(req, body)
    assert signed.scope.region == "eu-central-1"
    assert abs(signed.timestamp - datetime.now(UTC)) < timedelta(minutes=1)

    request = AWSRequest("GET", url)
    S3SigV4QueryAuth(credentials, "s3", "eu-central-1", expires=60).add_auth(request)
    req, _ = to_raw(request)
    assert verify(req).expires_in == 60


@pytest.mark.parametrize(("service", "operation", "params"), [
    ("sts", "get_session_token", {"DurationSeconds": 900, "TokenCode": "123456",
                                  "SerialNumber": "arn:aws:iam::123456789012:mfa/a b+c"}),
    ("sts", "get_caller_identity", {}),
    ("iam", "create_user", {"UserName": "alice", "Path": "/division a/"}),
    ("iam", "put_user_policy", {"UserName": "alice", "PolicyName": "p",
                                "PolicyDocument": '{"Version": "2012-10-17", "Statement": []}'}),
])
def test_iam_and_sts_requests_verify(service: str, operation: str,
                                     params: dict[str, Any]) -> None:
    """IAM and STS form POSTs (SigV4Auth) verify with the body's hash; a changed body
    fails."""
    req, body = capture(make_client(service), operation, **params)
    signed = parse(req)
    assert signed.scope.service == service
    key = verify_signature(req, signed, SECRET_KEY,
                           payload_hash=hashlib.sha256(body).hexdigest())
    assert key == signing_key(SECRET_KEY, signed.scope.date, "us-east-1", service)

    with pytest.raises(SignatureDoesNotMatch):
        verify_signature(req, signed, SECRET_KEY,
                         payload_hash=hashlib.sha256(body + b"&Extra=1").hexdigest())
    with pytest.raises(SignatureDoesNotMatch):
        verify_signature(req, signed, SECRET_KEY)  # the body is not empty


def test_sts_presigned_url_verifies() -> None:
    """A presigned STS GetCallerIdentity URL (as EKS and Vault use) verifies."""
    request = AWSRequest("GET", "http://127.0.0.1:9000/?Action=GetCallerIdentity"
                         "&Version=2011-06-15")
    from botocore.auth import SigV4QueryAuth

    SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY), "sts", "us-east-1",
                   expires=60).add_auth(request)
    req, _ = to_raw(request)
    signed = parse(req)
    verify_signature(req, signed, SECRET_KEY)
    assert signed.presigned and signed.scope.service == "sts"


def test_presigned_put_with_signed_content_type(s3: Any) -> None:
    """A presigned PUT that signed Content-Type needs that exact Content-Type."""
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "b", "Key": "k",
                                                          "ContentType": "text/plain"})
    verify(presigned(url, "PUT", ("Content-Type", "text/plain")))
    for headers in ((), (("Content-Type", "text/html"),)):
        with pytest.raises(SignatureDoesNotMatch):
            verify(presigned(url, "PUT", *headers))
