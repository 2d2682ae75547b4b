"""S3's error codes, each with its HTTP status."""

from __future__ import annotations

from karashi.errors import ServiceError


def _s3(code: str, status: int) -> type[ServiceError]:
    return type(code, (ServiceError,), {"code": code, "status": status})


AccessDenied = _s3("AccessDenied", 403)
NoSuchBucket = _s3("NoSuchBucket", 404)
NoSuchKey = _s3("NoSuchKey", 404)
BucketAlreadyExists = _s3("BucketAlreadyExists", 409)
BucketAlreadyOwnedByYou = _s3("BucketAlreadyOwnedByYou", 409)
BucketNotEmpty = _s3("BucketNotEmpty", 409)
InvalidBucketName = _s3("InvalidBucketName", 400)
KeyTooLongError = _s3("KeyTooLongError", 400)
InvalidArgument = _s3("InvalidArgument", 400)
InvalidRange = _s3("InvalidRange", 416)
InvalidURI = _s3("InvalidURI", 400)
MethodNotAllowed = _s3("MethodNotAllowed", 405)
NotImplemented_ = _s3("NotImplemented", 501)
PreconditionFailed = _s3("PreconditionFailed", 412)
MissingContentLength = _s3("MissingContentLength", 411)
InvalidRequest = _s3("InvalidRequest", 400)
EntityTooLarge = _s3("EntityTooLarge", 400)
NoSuchVersion = _s3("NoSuchVersion", 404)
NoSuchBucketPolicy = _s3("NoSuchBucketPolicy", 404)
MalformedPolicy = _s3("MalformedPolicy", 400)
MalformedXML = _s3("MalformedXML", 400)
#: AWS documents the 20 KB limit but no code for it; this is the code S3-compatible
#: servers (MinIO) and their clients use, a 400 like AWS's other policy errors.
PolicyTooLarge = _s3("PolicyTooLarge", 400)
