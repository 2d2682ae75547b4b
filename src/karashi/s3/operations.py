"""Which S3 operation a request is, and the IAM action and resource it needs.

The action map follows "Actions, resources, and condition keys for Amazon S3" in the
Service Authorization Reference (HeadObject needs s3:GetObject, HeadBucket and
ListObjects need s3:ListBucket, ListBuckets needs s3:ListAllMyBuckets on ``*``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from karashi.http.request import Request
from karashi.s3.errors import InvalidBucketName, InvalidURI, KeyTooLongError

MAX_KEY_BYTES = 1024
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IPV4 = re.compile(r"\d+\.\d+\.\d+\.\d+")


@dataclass(frozen=True)
class Operation:
    name: str
    action: str
    bucket: str | None = None
    key: str | None = None
    #: Set when the operation is recognised but Karashi does not serve it yet.
    unsupported: bool = False

    @property
    def resource(self) -> str:
        if self.bucket is None:
            return "arn:aws:s3:::*"
        if self.key is None:
            return f"arn:aws:s3:::{self.bucket}"
        return f"arn:aws:s3:::{self.bucket}/{self.key}"


def check_bucket_name(name: str) -> str:
    """S3's bucket naming rules ("Bucket naming rules", Amazon S3 User Guide)."""
    if (not _BUCKET.fullmatch(name) or ".." in name or _IPV4.fullmatch(name)
            or name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3"))):
        raise InvalidBucketName("The specified bucket is not valid.", BucketName=name)
    return name


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
    if key is not None and len(key.encode()) > MAX_KEY_BYTES:
        raise KeyTooLongError("Your key is too long", Size=str(len(key.encode())),
                              MaxSizeAllowed=str(MAX_KEY_BYTES))
    return bucket, key


_BUCKET_SUBRESOURCES = {
    "policy", "acl", "cors", "lifecycle", "versioning", "tagging", "website", "logging",
    "notification", "replication", "encryption", "object-lock", "uploads", "versions",
    "ownershipControls", "publicAccessBlock", "accelerate", "requestPayment", "delete",
    "analytics", "metrics", "inventory", "intelligent-tiering",
}
_OBJECT_SUBRESOURCES = {
    "acl", "tagging", "uploads", "uploadId", "retention", "legal-hold", "torrent",
    "restore", "select", "attributes",
}


def resolve(request: Request, domain: str) -> Operation:
    bucket, key = split_path(request, domain)
    method = request.method
    if bucket is None:
        if method == "GET":
            return Operation("ListBuckets", "s3:ListAllMyBuckets")
        return Operation("Unsupported", "s3:ListAllMyBuckets", unsupported=True)

    check_bucket_name(bucket)
    if key is None:
        if request.has_query("location") and method == "GET":
            return Operation("GetBucketLocation", "s3:GetBucketLocation", bucket)
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

    sub = next((k for k, _ in request.query if k in _OBJECT_SUBRESOURCES), None)
    if sub is not None or "x-amz-copy-source" in request.headers:
        return Operation(f"Object?{sub or 'copy'}", "s3:*", bucket, key, unsupported=True)
    by_method = {
        "PUT": ("PutObject", "s3:PutObject"),
        "GET": ("GetObject", "s3:GetObject"),
        "HEAD": ("HeadObject", "s3:GetObject"),
        "DELETE": ("DeleteObject", "s3:DeleteObject"),
    }
    if method not in by_method:
        return Operation("Unsupported", "s3:*", bucket, key, unsupported=True)
    name, action = by_method[method]
    return Operation(name, action, bucket, key)
