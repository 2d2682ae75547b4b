"""Bucket and object settings Karashi does not keep, answered as S3 answers a bucket that
never had them, so clients that read them before they work (rclone reads versioning,
s3cmd reads ACLs and CORS) go on.

Karashi has no ACLs: every bucket behaves as S3's "bucket owner enforced" setting (the
default since April 2023, "Controlling ownership of objects", S3 User Guide): reading an
ACL shows the owner's FULL_CONTROL, setting one that grants anything else is
AccessControlListNotSupported. Versioning was never enabled, so its configuration is
empty; the other settings are "not found", each with S3's own error code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from karashi.errors import ServiceError
from karashi.http import xml
from karashi.http.request import Request
from karashi.http.response import Response
from karashi.s3.buckets import S3_NS, owner
from karashi.s3.call import S3Call, blocking
from karashi.s3.errors import MalformedXML, NoSuchKey
from karashi.store import objects as meta

XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Canned ACLs that grant nothing beyond what the bucket owner already holds.
OWNER_ONLY_ACLS = {"private", "bucket-owner-full-control"}
ACL_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Setting:
    """A GET of a setting: the operation, the IAM action that authorizes it, and either
    an empty document (``root``) or the error S3 gives when it was never set."""

    operation: str
    action: str
    root: str = ""
    missing: tuple[str, str] | None = None


BUCKET_SETTINGS = {
    "versioning": Setting("GetBucketVersioning", "s3:GetBucketVersioning",
                          root="VersioningConfiguration"),
    "logging": Setting("GetBucketLogging", "s3:GetBucketLogging", root="BucketLoggingStatus"),
    "notification": Setting("GetBucketNotificationConfiguration", "s3:GetBucketNotification",
                            root="NotificationConfiguration"),
    "accelerate": Setting("GetBucketAccelerateConfiguration",
                          "s3:GetAccelerateConfiguration", root="AccelerateConfiguration"),
    "requestPayment": Setting("GetBucketRequestPayment", "s3:GetBucketRequestPayment",
                              root="RequestPaymentConfiguration"),
    "ownershipControls": Setting("GetBucketOwnershipControls",
                                 "s3:GetBucketOwnershipControls",
                                 root="OwnershipControls"),
    "acl": Setting("GetBucketAcl", "s3:GetBucketAcl", root="AccessControlPolicy"),
    "cors": Setting("GetBucketCors", "s3:GetBucketCORS", missing=(
        "NoSuchCORSConfiguration", "The CORS configuration does not exist")),
    "lifecycle": Setting("GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration",
                         missing=("NoSuchLifecycleConfiguration",
                                  "The lifecycle configuration does not exist")),
    "tagging": Setting("GetBucketTagging", "s3:GetBucketTagging", missing=(
        "NoSuchTagSet", "The TagSet does not exist")),
    "website": Setting("GetBucketWebsite", "s3:GetBucketWebsite", missing=(
        "NoSuchWebsiteConfiguration", "The specified bucket does not have a website "
        "configuration")),
    "encryption": Setting("GetBucketEncryption", "s3:GetEncryptionConfiguration", missing=(
        "ServerSideEncryptionConfigurationNotFoundError",
        "The server side encryption configuration was not found")),
    "publicAccessBlock": Setting("GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock",
                                 missing=("NoSuchPublicAccessBlockConfiguration",
                                          "The public access block configuration was not "
                                          "found")),
    "object-lock": Setting("GetObjectLockConfiguration",
                           "s3:GetBucketObjectLockConfiguration", missing=(
                               "ObjectLockConfigurationNotFoundError",
                               "Object Lock configuration does not exist for this bucket")),
    "replication": Setting("GetBucketReplication", "s3:GetReplicationConfiguration",
                           missing=("ReplicationConfigurationNotFoundError",
                                    "The replication configuration was not found")),
}
OBJECT_SETTINGS = {
    "acl": Setting("GetObjectAcl", "s3:GetObjectAcl", root="AccessControlPolicy"),
    "tagging": Setting("GetObjectTagging", "s3:GetObjectTagging", root="Tagging"),
}
OPERATIONS = {s.operation: s for s in (*BUCKET_SETTINGS.values(), *OBJECT_SETTINGS.values())}


def _access_control_policy(account: str) -> list[xml.Node]:
    grantee = f'Grantee xmlns:xsi="{XSI}" xsi:type="CanonicalUser"'
    return [("Owner", owner(account)),
            ("AccessControlList", [("Grant", [(grantee, owner(account)),
                                              ("Permission", "FULL_CONTROL")])])]


def _document(setting: Setting, account: str) -> bytes:
    children: list[xml.Node] = []
    if setting.root == "AccessControlPolicy":
        children = _access_control_policy(account)
    elif setting.root == "RequestPaymentConfiguration":
        children = [("Payer", "BucketOwner")]
    elif setting.root == "OwnershipControls":
        children = [("Rule", [("ObjectOwnership", "BucketOwnerEnforced")])]
    elif setting.root == "Tagging":
        children = [("TagSet", [])]
    return xml.document(setting.root, children, S3_NS)


async def get_setting(call: S3Call) -> Response:
    """Answer a GET of a setting Karashi does not keep."""
    setting = OPERATIONS[call.op.name]
    if setting.missing is not None:
        code, message = setting.missing
        raise ServiceError(message, code=code, status=404, BucketName=call.bucket)
    if call.op.key is not None:
        await _require_object(call)
    assert call.found is not None
    return Response(200, _document(setting, call.found.account_id),
                    content_type="application/xml")


def check_canned_acl(request: Request) -> None:
    """Refuse an ``x-amz-acl``/``x-amz-grant-*`` that would grant more than the owner has:
    S3 answers AccessControlListNotSupported when ACLs are disabled."""
    acl = request.headers.get("x-amz-acl")
    grants = [name for name in request.headers if name.startswith("x-amz-grant-")]
    if (acl is not None and acl.strip() not in OWNER_ONLY_ACLS) or grants:
        raise ServiceError("The bucket does not allow ACLs: Karashi keeps no ACLs; grant "
                           "access with a bucket policy instead.",
                           code="AccessControlListNotSupported", status=400)


async def put_acl(call: S3Call) -> Response:
    """PutBucketAcl/PutObjectAcl: accepted only when they grant the owner alone."""
    check_canned_acl(call.request)
    body = await call.request.body(ACL_BODY_LIMIT)
    if body.strip():
        assert call.found is not None
        root = xml.parse(body)
        for grant in (e for e in root.iter() if xml.local(e.tag) == "Grant"):
            ids = [e.text for e in grant.iter() if xml.local(e.tag) == "ID"]
            permission = [e.text for e in grant.iter() if xml.local(e.tag) == "Permission"]
            if not ids or permission != ["FULL_CONTROL"]:
                raise ServiceError("The bucket does not allow ACLs: Karashi keeps no ACLs; "
                                   "grant access with a bucket policy instead.",
                                   code="AccessControlListNotSupported", status=400)
            if ids[0] != call.found.account_id:
                raise ServiceError("The bucket does not allow ACLs: Karashi keeps no "
                                   "ACLs; grant access with a bucket policy instead.",
                                   code="AccessControlListNotSupported", status=400)
        if not any(xml.local(e.tag) == "AccessControlList" for e in root.iter()):
            raise MalformedXML("The XML you provided was not well-formed or did not "
                               "validate against our published schema.")
    if call.op.key is not None:
        await _require_object(call)
    return Response(200)


async def _require_object(call: S3Call) -> None:
    def lookup() -> bool:
        with call.store.engine.connect() as conn:
            return meta.get_object(conn, call.bucket, call.key) is not None
    if not await blocking(lookup):
        raise NoSuchKey("The specified key does not exist.", Key=call.key)


HANDLERS: dict[str, Callable[[S3Call], Awaitable[Response]]] = {
    **{name: get_setting for name in OPERATIONS},
    "PutBucketAcl": put_acl,
    "PutObjectAcl": put_acl,
}
