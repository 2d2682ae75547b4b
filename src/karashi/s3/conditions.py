"""The condition keys S3 fills in for each operation, taken from the request.

Which key an operation carries follows "Actions, resources, and condition keys for
Amazon S3" (Service Authorization Reference): a key is set only for the actions that
page lists it under, and only when the request carries what it describes, so that a
condition on a key the request does not have behaves as it does on AWS (absent: the
operator decides, ``...IfExists`` matches).

Not filled in, and why:

- ``s3:ExistingObjectTag/<key>``: Karashi does not store object tags yet, so there is no
  existing tag to compare with; a condition on it never matches (a Deny with a negated
  operator, such as ``StringNotEquals``, does).
- ``s3:TlsVersion``, ``s3:LocationConstraint``, ``s3:x-amz-grant-*`` and the object-lock
  keys: Karashi does not read what they describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import parse_qsl

from karashi.auth import SignedRequest
from karashi.http.request import Request
from karashi.s3.errors import InvalidArgument
from karashi.s3.operations import Operation

Context = dict[str, str | Sequence[str]]

SIGNATURE_VERSION = "AWS4-HMAC-SHA256"
_LIST_PARAMETERS = (("prefix", "s3:prefix"), ("delimiter", "s3:delimiter"),
                    ("max-keys", "s3:max-keys"))
#: Request headers that become a key of the same name on PutObject (and CopyObject).
_WRITE_HEADERS = ("x-amz-acl", "x-amz-server-side-encryption", "x-amz-storage-class",
                  "x-amz-server-side-encryption-aws-kms-key-id")


def s3_context(request: Request, op: Operation, signed: SignedRequest | None,
               now: datetime) -> Context:
    """The S3 keys for this request and operation, and aws:Referer / aws:UserAgent."""
    headers = request.headers
    context: Context = {}
    if "referer" in headers:
        context["aws:Referer"] = headers["referer"]
    if "user-agent" in headers:
        context["aws:UserAgent"] = headers["user-agent"]

    # Keys every S3 action has once the request is signed.
    if signed is not None:
        context["s3:authType"] = "REST-QUERY-STRING" if signed.presigned else "REST-HEADER"
        context["s3:signatureversion"] = SIGNATURE_VERSION
        age = (now - signed.timestamp).total_seconds() * 1000
        context["s3:signatureAge"] = str(max(0, int(age)))
    if "x-amz-content-sha256" in headers:
        context["s3:x-amz-content-sha256"] = headers["x-amz-content-sha256"]

    if op.name in ("ListObjects", "ListObjectsV2"):
        for parameter, key in _LIST_PARAMETERS:
            value = request.query_value(parameter)
            if value is not None:
                context[key] = value
    if op.version_id is not None:
        context["s3:VersionId"] = op.version_id
    if op.name == "CreateBucket" and "x-amz-acl" in headers:
        context["s3:x-amz-acl"] = headers["x-amz-acl"]
    if op.name in ("PutObject", "CopyObject"):
        context.update(_write_keys(request, op))
    return context


def _write_keys(request: Request, op: Operation) -> Context:
    headers = request.headers
    context: Context = {f"s3:{name}": headers[name] for name in _WRITE_HEADERS
                        if name in headers}
    tagging = headers.get("x-amz-tagging")
    if tagging is not None:
        tags = request_tags(tagging)
        for name, value in tags.items():
            context[f"s3:RequestObjectTag/{name}"] = value
        context["s3:RequestObjectTagKeys"] = list(tags)
    if op.copy_source is not None:
        source = op.copy_source
        # As AWS's examples write it: "bucket/key", without the leading slash.
        context["s3:x-amz-copy-source"] = f"{source.bucket}/{source.key}"
        if "x-amz-metadata-directive" in headers:
            context["s3:x-amz-metadata-directive"] = headers["x-amz-metadata-directive"]
    return context


def request_tags(header: str) -> dict[str, str]:
    """x-amz-tagging: URL query parameters, each tag key at most once."""
    tags: dict[str, str] = {}
    for name, value in parse_qsl(header, keep_blank_values=True):
        if name in tags or not name:
            raise InvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then "
                                  "URLEncoded URL query parameters without tag name "
                                  "duplicates.", ArgumentName="x-amz-tagging",
                                  ArgumentValue=header)
        tags[name] = value
    return tags
