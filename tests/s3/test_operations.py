"""The operation a request is, the IAM action it needs and the condition keys it fills,
from the request alone (no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from karashi.auth import CredentialScope, SignedRequest
from karashi.errors import ServiceError
from karashi.http.request import Request
from karashi.s3.conditions import s3_context
from karashi.s3.operations import CopySource, parse_copy_source, resolve


def request(method: str, target: str, headers: dict[str, str] | None = None) -> Request:
    path, _, query = target.partition("?")
    scope: dict[str, Any] = {
        "type": "http", "method": method, "path": path, "raw_path": path.encode(),
        "query_string": query.encode(), "client": ("127.0.0.1", 5000), "scheme": "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}
    return Request(scope, receive)


COPY = {"x-amz-copy-source": "/src-bucket/a%20b.txt"}

# (method, target, headers) -> (operation, action, resource), after "Actions, resources,
# and condition keys for Amazon S3" and each operation's Permissions in the S3 API
# Reference.
ACTION_MAP = [
    ("GET", "/", {}, "ListBuckets", "s3:ListAllMyBuckets", "arn:aws:s3:::*"),
    ("PUT", "/bkt", {}, "CreateBucket", "s3:CreateBucket", "arn:aws:s3:::bkt"),
    ("DELETE", "/bkt", {}, "DeleteBucket", "s3:DeleteBucket", "arn:aws:s3:::bkt"),
    ("HEAD", "/bkt", {}, "HeadBucket", "s3:ListBucket", "arn:aws:s3:::bkt"),
    ("GET", "/bkt", {}, "ListObjects", "s3:ListBucket", "arn:aws:s3:::bkt"),
    ("GET", "/bkt?list-type=2&prefix=a", {}, "ListObjectsV2", "s3:ListBucket",
     "arn:aws:s3:::bkt"),
    ("GET", "/bkt?location", {}, "GetBucketLocation", "s3:GetBucketLocation",
     "arn:aws:s3:::bkt"),
    ("GET", "/bkt?policy", {}, "GetBucketPolicy", "s3:GetBucketPolicy", "arn:aws:s3:::bkt"),
    ("PUT", "/bkt?policy", {}, "PutBucketPolicy", "s3:PutBucketPolicy", "arn:aws:s3:::bkt"),
    ("DELETE", "/bkt?policy", {}, "DeleteBucketPolicy", "s3:DeleteBucketPolicy",
     "arn:aws:s3:::bkt"),
    ("POST", "/bkt?delete", {}, "DeleteObjects", "s3:DeleteObject", "arn:aws:s3:::bkt"),
    ("PUT", "/bkt/k", {}, "PutObject", "s3:PutObject", "arn:aws:s3:::bkt/k"),
    ("PUT", "/bkt/k", COPY, "CopyObject", "s3:PutObject", "arn:aws:s3:::bkt/k"),
    ("GET", "/bkt/k", {}, "GetObject", "s3:GetObject", "arn:aws:s3:::bkt/k"),
    ("HEAD", "/bkt/k", {}, "HeadObject", "s3:GetObject", "arn:aws:s3:::bkt/k"),
    ("DELETE", "/bkt/k", {}, "DeleteObject", "s3:DeleteObject", "arn:aws:s3:::bkt/k"),
    ("GET", "/bkt/k?versionId=v1", {}, "GetObject", "s3:GetObjectVersion",
     "arn:aws:s3:::bkt/k"),
    ("HEAD", "/bkt/k?versionId=null", {}, "HeadObject", "s3:GetObjectVersion",
     "arn:aws:s3:::bkt/k"),
    ("DELETE", "/bkt/k?versionId=v1", {}, "DeleteObject", "s3:DeleteObjectVersion",
     "arn:aws:s3:::bkt/k"),
    ("GET", "/bkt/dir/a%2Bb%20c", {}, "GetObject", "s3:GetObject",
     "arn:aws:s3:::bkt/dir/a+b c"),
]


@pytest.mark.parametrize(("method", "target", "headers", "name", "action", "resource"),
                         ACTION_MAP, ids=[f"{r[0]} {r[1]}" for r in ACTION_MAP])
def test_action_map(method: str, target: str, headers: dict[str, str], name: str,
                    action: str, resource: str) -> None:
    """Each operation Karashi serves needs the IAM action AWS documents for it ("Actions,
    resources, and condition keys for Amazon S3")."""
    op = resolve(request(method, target, headers), "")
    assert (op.name, op.action, op.resource) == (name, action, resource)
    assert not op.unsupported


@pytest.mark.parametrize(("method", "target"), [
    ("PUT", "/bkt?cors"), ("PUT", "/bkt?versioning"), ("POST", "/bkt/k?restore"),
    ("PUT", "/bkt/k?tagging"), ("POST", "/bkt/k"), ("POST", "/bkt?policy"),
])
def test_unserved_operations_are_flagged(method: str, target: str) -> None:
    """Operations Karashi does not serve are recognised and refused with NotImplemented
    rather than mistaken for another ("Error responses", S3 API Reference)."""
    assert resolve(request(method, target), "").unsupported


def test_copy_source_is_checked_as_get_on_the_source() -> None:
    """CopyObject reads the source: s3:GetObject on it, s3:GetObjectVersion with a
    versionId ("CopyObject", S3 API Reference: Permissions)."""
    op = resolve(request("PUT", "/dst/k", {"x-amz-copy-source": "src/a?versionId=v2"}), "")
    assert op.copy_source == CopySource("src", "a", "v2")
    assert op.copy_source.action == "s3:GetObjectVersion"
    assert op.copy_source.resource == "arn:aws:s3:::src/a"


@pytest.mark.parametrize(("header", "expected"), [
    ("/bucket/key", CopySource("bucket", "key")),
    ("bucket/dir/key.txt", CopySource("bucket", "dir/key.txt")),
    ("bucket/a%3Fb%20c%2Bd", CopySource("bucket", "a?b c+d")),
    ("bucket/caf%C3%A9", CopySource("bucket", "café")),
    ("bucket/k?versionId=null", CopySource("bucket", "k", "null")),
])
def test_parse_copy_source(header: str, expected: CopySource) -> None:
    """x-amz-copy-source is [/]bucket/key, URL-encoded, with an optional ?versionId
    ("CopyObject", S3 API Reference)."""
    assert parse_copy_source(header) == expected


@pytest.mark.parametrize(("header", "code"), [
    ("bucket", "InvalidArgument"), ("/bucket/", "InvalidArgument"),
    ("Bad_Bucket/k", "InvalidBucketName"), ("bucket/k?partNumber=1", "InvalidArgument"),
    ("bucket/" + "x" * 1025, "KeyTooLongError"),
])
def test_bad_copy_source(header: str, code: str) -> None:
    """A copy source without a bucket and key, or with an invalid one, is refused with
    S3's code ("CopyObject", "Error responses", S3 API Reference)."""
    with pytest.raises(ServiceError) as info:
        parse_copy_source(header)
    assert info.value.code == code


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def signed_request(presigned: bool = False) -> SignedRequest:
    return SignedRequest(access_key="AKIAEXAMPLE", scope=CredentialScope("20260102",
                                                                         "us-east-1", "s3"),
                         signed_headers=("host",), signature="0" * 64,
                         timestamp=NOW - timedelta(seconds=2, milliseconds=500),
                         payload_hash="UNSIGNED-PAYLOAD", presigned=presigned)


def context_for(method: str, target: str, headers: dict[str, str] | None = None,
                presigned: bool | None = False) -> dict[str, Any]:
    req = request(method, target, headers)
    signed = None if presigned is None else signed_request(presigned)
    return dict(s3_context(req, resolve(req, ""), signed, NOW))


def test_signature_keys() -> None:
    """s3:authType, s3:signatureversion and s3:signatureAge (milliseconds since the
    signature's time) describe a signed request; an unsigned one has none ("Actions,
    resources, and condition keys for Amazon S3")."""
    header = context_for("GET", "/bkt/k", {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    assert header["s3:authType"] == "REST-HEADER"
    assert header["s3:signatureversion"] == "AWS4-HMAC-SHA256"
    assert header["s3:signatureAge"] == "2500"
    assert header["s3:x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert context_for("GET", "/bkt/k", presigned=True)["s3:authType"] == "REST-QUERY-STRING"
    anonymous = context_for("GET", "/bkt/k", presigned=None)
    assert not any(key.startswith("s3:") for key in anonymous)


def test_list_keys_only_on_listings() -> None:
    """s3:prefix, s3:delimiter and s3:max-keys belong to ListBucket, set only when the
    request has the parameter (an empty prefix is ""), ("Actions, resources, and
    condition keys for Amazon S3")."""
    listing = context_for("GET", "/bkt?list-type=2&prefix=home%2F&delimiter=%2F&max-keys=7")
    assert (listing["s3:prefix"], listing["s3:delimiter"], listing["s3:max-keys"]) == \
        ("home/", "/", "7")
    assert context_for("GET", "/bkt?prefix=")["s3:prefix"] == ""
    assert "s3:prefix" not in context_for("GET", "/bkt")
    assert "s3:prefix" not in context_for("HEAD", "/bkt?prefix=x")
    assert "s3:prefix" not in context_for("GET", "/bkt/k?prefix=x")


def test_write_keys_on_put_and_copy() -> None:
    """PutObject and CopyObject carry the ACL, encryption, tag, copy-source and
    metadata-directive keys from their headers; GetObject does not ("Actions,
    resources, and condition keys for Amazon S3")."""
    headers = {"x-amz-acl": "private", "x-amz-server-side-encryption": "AES256",
               "x-amz-tagging": "team=blue&env=dev%20box"}
    put = context_for("PUT", "/bkt/k", headers)
    assert put["s3:x-amz-acl"] == "private"
    assert put["s3:x-amz-server-side-encryption"] == "AES256"
    assert put["s3:RequestObjectTag/team"] == "blue"
    assert put["s3:RequestObjectTag/env"] == "dev box"
    assert put["s3:RequestObjectTagKeys"] == ["team", "env"]
    assert not any(k.startswith("s3:x-amz-copy") for k in put)

    copy = context_for("PUT", "/bkt/k", {**headers, "x-amz-copy-source": "/src/a%20b",
                                       "x-amz-metadata-directive": "REPLACE"})
    assert copy["s3:x-amz-copy-source"] == "src/a b"
    assert copy["s3:x-amz-metadata-directive"] == "REPLACE"
    get = context_for("GET", "/bkt/k", headers)
    assert "s3:x-amz-acl" not in get and "s3:RequestObjectTagKeys" not in get


def test_duplicate_tag_is_invalid() -> None:
    """x-amz-tagging may name each tag once ("PutObject", S3 API Reference)."""
    with pytest.raises(ServiceError) as info:
        context_for("PUT", "/bkt/k", {"x-amz-tagging": "a=1&a=2"})
    assert info.value.code == "InvalidArgument"


def test_version_and_global_keys() -> None:
    """s3:VersionId is the versionId parameter; aws:Referer and aws:UserAgent are the
    request's headers ("Actions, resources, and condition keys for Amazon S3"; "AWS
    global condition context keys")."""
    context = context_for("GET", "/bkt/k?versionId=null",
                          {"referer": "https://example.com/", "user-agent": "agent/1"})
    assert context["s3:VersionId"] == "null"
    assert context["aws:Referer"] == "https://example.com/"
    assert context["aws:UserAgent"] == "agent/1"


@pytest.mark.parametrize(("method", "path", "name", "action"), [
    ("GET", "/bkt?versioning", "GetBucketVersioning", "s3:GetBucketVersioning"),
    ("GET", "/bkt?acl", "GetBucketAcl", "s3:GetBucketAcl"),
    ("PUT", "/bkt?acl", "PutBucketAcl", "s3:PutBucketAcl"),
    ("GET", "/bkt?cors", "GetBucketCors", "s3:GetBucketCORS"),
    ("GET", "/bkt/k?acl", "GetObjectAcl", "s3:GetObjectAcl"),
    ("PUT", "/bkt/k?acl", "PutObjectAcl", "s3:PutObjectAcl"),
    ("GET", "/bkt/k?tagging", "GetObjectTagging", "s3:GetObjectTagging"),
])
def test_settings_operations(method: str, path: str, name: str, action: str) -> None:
    """Reading a setting, and setting an ACL, map to their own S3 actions ("Actions,
    resources, and condition keys for Amazon S3")."""
    op = resolve(request(method, path), "")
    assert (op.name, op.action, op.unsupported) == (name, action, False)
