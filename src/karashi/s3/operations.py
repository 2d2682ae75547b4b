"""Which S3 operation a request is, and the IAM action and resource it needs.

The action map follows "Actions, resources, and condition keys for Amazon S3" in the
Service Authorization Reference and each operation's "Permissions" section in the S3
API Reference:

- ListBuckets: s3:ListAllMyBuckets on ``*``.
- CreateBucket, DeleteBucket: s3:CreateBucket, s3:DeleteBucket.
- HeadBucket, ListObjects, ListObjectsV2: s3:ListBucket on the bucket.
- GetBucketLocation: s3:GetBucketLocation.
- Get/Put/DeleteBucketPolicy: s3:GetBucketPolicy, s3:PutBucketPolicy,
  s3:DeleteBucketPolicy.
- GetObject and HeadObject: s3:GetObject, or s3:GetObjectVersion with a versionId.
- PutObject: s3:PutObject.
- CopyObject: s3:PutObject on the destination and s3:GetObject (s3:GetObjectVersion
  with a versionId) on the source: both are checked.
- DeleteObject: s3:DeleteObject, or s3:DeleteObjectVersion with a versionId.
- CreateMultipartUpload, UploadPart, CompleteMultipartUpload: s3:PutObject on the object.
- AbortMultipartUpload: s3:AbortMultipartUpload; ListParts: s3:ListMultipartUploadParts,
  both on the object.
- ListMultipartUploads: s3:ListBucketMultipartUploads on the bucket.
- DeleteObjects: no permission of its own: each key is checked as s3:DeleteObject (or
  s3:DeleteObjectVersion), and a denied key is reported in the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from karashi.http.request import Request
from karashi.s3.errors import InvalidArgument, InvalidBucketName, InvalidURI, KeyTooLongError
from karashi.s3.settings import BUCKET_SETTINGS, OBJECT_SETTINGS, Setting

MAX_KEY_BYTES = 1024
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IPV4 = re.compile(r"\d+\.\d+\.\d+\.\d+")


#: Operations on a bucket's policy: only principals of the bucket owner's account may
#: call them, and its root user always may ("PutBucketPolicy", S3 API Reference).
POLICY_OPERATIONS = frozenset({"GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"})
#: Operations authorized key by key in their handler, not once for the request.
PER_KEY_OPERATIONS = frozenset({"DeleteObjects"})


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


@dataclass(frozen=True)
class CopySource:
    """The object named by x-amz-copy-source."""

    bucket: str
    key: str
    version_id: str | None = None

    @property
    def action(self) -> str:
        return "s3:GetObjectVersion" if self.version_id is not None else "s3:GetObject"

    @property
    def resource(self) -> str:
        return object_arn(self.bucket, self.key)


@dataclass(frozen=True)
class Operation:
    name: str
    action: str
    bucket: str | None = None
    key: str | None = None
    #: Set when the operation is recognised but Karashi does not serve it yet.
    unsupported: bool = False
    #: The versionId query parameter of an object operation, if given.
    version_id: str | None = None
    copy_source: CopySource | None = None

    @property
    def resource(self) -> str:
        if self.bucket is None:
            return "arn:aws:s3:::*"
        if self.key is None:
            return f"arn:aws:s3:::{self.bucket}"
        return object_arn(self.bucket, self.key)


def check_bucket_name(name: str) -> str:
    """S3's bucket naming rules ("Bucket naming rules", Amazon S3 User Guide)."""
    if (not _BUCKET.fullmatch(name) or ".." in name or _IPV4.fullmatch(name)
            or name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3"))):
        raise InvalidBucketName("The specified bucket is not valid.", BucketName=name)
    return name


def check_key(key: str) -> str:
    if len(key.encode()) > MAX_KEY_BYTES:
        raise KeyTooLongError("Your key is too long", Size=str(len(key.encode())),
                              MaxSizeAllowed=str(MAX_KEY_BYTES))
    return key


def split_path(request: Request, domain: str) -> tuple[str | None, str | None]:
    """(bucket, key) from a path-style or virtual-hosted-style request."""
    host = request.headers.get("host", "").rsplit(":", 1)[0].lower()
    path = request.raw_path
    if domain and host.endswith("." + domain):
        bucket_raw, key_raw = host[: -len(domain) - 1], path[1:]
    else:
        bucket_raw, _, key_raw = path[1:].partition("/")
        if not bucket_raw:
            return None, None
    try:
        bucket = unquote(bucket_raw, errors="strict")
        key = unquote(key_raw, errors="strict") if key_raw else None
    except UnicodeDecodeError:
        raise InvalidURI("Couldn't parse the specified URI.") from None
    if key is not None:
        check_key(key)
    return bucket, key


def parse_copy_source(value: str) -> CopySource:
    """``[/]bucket/key[?versionId=id]``, the key URL-encoded ("CopyObject", S3 API
    Reference). A ``?`` inside the key arrives encoded, so the first one starts the
    version."""
    if not value.isascii():
        # Sent unencoded: the header's bytes, read as latin-1, are UTF-8.
        try:
            value = value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            raise InvalidArgument("The x-amz-copy-source header is not valid UTF-8.",
                                  ArgumentName="x-amz-copy-source") from None
    path, _, query = value.partition("?")
    version_id: str | None = None
    if query:
        name, _, version = query.partition("=")
        if name != "versionId" or not version:
            raise InvalidArgument("The x-amz-copy-source header may only carry a versionId "
                                  "after the key.", ArgumentName="x-amz-copy-source",
                                  ArgumentValue=value)
        version_id = unquote(version)
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise InvalidArgument("The x-amz-copy-source header is not valid UTF-8 once "
                              "URL-decoded.", ArgumentName="x-amz-copy-source") from None
    bucket, _, key = decoded.removeprefix("/").partition("/")
    if not bucket or not key:
        raise InvalidArgument("Copy Source must mention the source bucket and key: "
                              "sourcebucket/sourcekey", ArgumentName="x-amz-copy-source",
                              ArgumentValue=value)
    return CopySource(check_bucket_name(bucket), check_key(key), version_id)


_BUCKET_SUBRESOURCES = {
    "policy", "acl", "cors", "lifecycle", "versioning", "tagging", "website", "logging",
    "notification", "replication", "encryption", "object-lock", "uploads", "versions",
    "ownershipControls", "publicAccessBlock", "accelerate", "requestPayment", "delete",
    "analytics", "metrics", "inventory", "intelligent-tiering",
}
_OBJECT_SUBRESOURCES = {
    "acl", "tagging", "retention", "legal-hold", "torrent",
    "restore", "select", "attributes",
}


def _setting(request: Request, table: dict[str, Setting]) -> Setting | None:
    """A GET of a setting answered with S3's defaults (s3/settings.py)."""
    if request.method != "GET":
        return None
    return next((table[k] for k, _ in request.query if k in table), None)


def resolve(request: Request, domain: str) -> Operation:
    bucket, key = split_path(request, domain)
    method = request.method
    if bucket is None:
        if method == "GET":
            return Operation("ListBuckets", "s3:ListAllMyBuckets")
        return Operation("Unsupported", "s3:ListAllMyBuckets", unsupported=True)

    check_bucket_name(bucket)
    if key is None:
        return _bucket_operation(request, bucket)
    return _object_operation(request, bucket, key)


def _bucket_operation(request: Request, bucket: str) -> Operation:
    method = request.method
    if request.has_query("policy"):
        policy_ops = {"GET": "GetBucketPolicy", "PUT": "PutBucketPolicy",
                      "DELETE": "DeleteBucketPolicy"}
        if method not in policy_ops:
            return Operation("Bucket?policy", "s3:*", bucket, unsupported=True)
        name = policy_ops[method]
        return Operation(name, f"s3:{name}", bucket)
    if request.has_query("delete") and method == "POST":
        return Operation("DeleteObjects", "s3:DeleteObject", bucket)
    if request.has_query("location") and method == "GET":
        return Operation("GetBucketLocation", "s3:GetBucketLocation", bucket)
    if request.has_query("uploads") and method == "GET":
        return Operation("ListMultipartUploads", "s3:ListBucketMultipartUploads", bucket)
    setting = _setting(request, BUCKET_SETTINGS)
    if setting is not None:
        return Operation(setting.operation, setting.action, bucket)
    if request.has_query("acl") and method == "PUT":
        return Operation("PutBucketAcl", "s3:PutBucketAcl", bucket)
    sub = next((k for k, _ in request.query if k in _BUCKET_SUBRESOURCES), None)
    if sub is not None:
        return Operation(f"Bucket?{sub}", "s3:*", bucket, unsupported=True)
    by_method = {
        "PUT": ("CreateBucket", "s3:CreateBucket"),
        "HEAD": ("HeadBucket", "s3:ListBucket"),
        "DELETE": ("DeleteBucket", "s3:DeleteBucket"),
        "GET": ("ListObjectsV2" if request.query_value("list-type") == "2"
                else "ListObjects", "s3:ListBucket"),
    }
    if method not in by_method:
        return Operation("Unsupported", "s3:*", bucket, unsupported=True)
    name, action = by_method[method]
    return Operation(name, action, bucket)


def _multipart_operation(request: Request, bucket: str, key: str) -> Operation | None:
    """The multipart upload operations ("Uploading and copying objects using multipart
    upload", S3 User Guide), or None if the request is none of them."""
    method = request.method
    if request.has_query("uploads"):
        if method == "POST" and not request.has_query("uploadId"):
            return Operation("CreateMultipartUpload", "s3:PutObject", bucket, key)
        return Operation("Object?uploads", "s3:*", bucket, key, unsupported=True)
    if not request.has_query("uploadId"):
        return None
    if method == "PUT" and request.has_query("partNumber"):
        if "x-amz-copy-source" in request.headers:
            # UploadPartCopy is not served yet: refused rather than taken for a part.
            return Operation("UploadPartCopy", "s3:PutObject", bucket, key, unsupported=True)
        return Operation("UploadPart", "s3:PutObject", bucket, key)
    by_method = {
        "POST": ("CompleteMultipartUpload", "s3:PutObject"),
        "DELETE": ("AbortMultipartUpload", "s3:AbortMultipartUpload"),
        "GET": ("ListParts", "s3:ListMultipartUploadParts"),
    }
    if method not in by_method:
        return Operation("Object?uploadId", "s3:*", bucket, key, unsupported=True)
    name, action = by_method[method]
    return Operation(name, action, bucket, key)


def _object_operation(request: Request, bucket: str, key: str) -> Operation:
    method = request.method
    multipart = _multipart_operation(request, bucket, key)
    if multipart is not None:
        return multipart
    if request.has_query("partNumber") and method in ("GET", "HEAD"):
        # Reading one part of an object is not served: Karashi keeps no part boundaries
        # once an upload completes. Refused clearly rather than answered with the whole
        # object under a part's name.
        return Operation("GetObject?partNumber", "s3:GetObject", bucket, key,
                         unsupported=True)
    setting = _setting(request, OBJECT_SETTINGS)
    if setting is not None:
        return Operation(setting.operation, setting.action, bucket, key)
    if request.has_query("acl") and method == "PUT":
        return Operation("PutObjectAcl", "s3:PutObjectAcl", bucket, key)
    sub = next((k for k, _ in request.query if k in _OBJECT_SUBRESOURCES), None)
    if sub is not None:
        return Operation(f"Object?{sub}", "s3:*", bucket, key, unsupported=True)
    copy_header = request.headers.get("x-amz-copy-source")
    if method == "PUT" and copy_header is not None:
        return Operation("CopyObject", "s3:PutObject", bucket, key,
                         copy_source=parse_copy_source(copy_header))

    version_id = request.query_value("versionId")
    versioned = version_id is not None
    by_method = {
        "PUT": ("PutObject", "s3:PutObject"),
        "GET": ("GetObject", "s3:GetObjectVersion" if versioned else "s3:GetObject"),
        "HEAD": ("HeadObject", "s3:GetObjectVersion" if versioned else "s3:GetObject"),
        "DELETE": ("DeleteObject",
                   "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"),
    }
    if method not in by_method:
        return Operation("Unsupported", "s3:*", bucket, key, unsupported=True)
    name, action = by_method[method]
    return Operation(name, action, bucket, key,
                     version_id=version_id if name != "PutObject" else None)
