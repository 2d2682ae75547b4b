"""Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, location."""

from __future__ import annotations

from karashi.errors import ServiceError
from karashi.http import xml
from karashi.http.response import Response
from karashi.s3.call import S3Call, blocking
from karashi.s3.errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    EntityTooLarge,
    InvalidArgument,
    NoSuchBucket,
)
from karashi.s3.upload import read_body
from karashi.store import objects as meta

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
CREATE_BODY_LIMIT = 64 * 1024


def _body_too_large() -> ServiceError:
    return EntityTooLarge(f"The request body exceeds {CREATE_BODY_LIMIT} bytes.")


def owner(account: str) -> list[xml.Node]:
    return [("ID", account), ("DisplayName", account)]


async def list_buckets(call: S3Call) -> Response:
    assert call.caller is not None
    found = await blocking(meta.list_buckets, call.store, call.caller.account_id)
    body = xml.document("ListAllMyBucketsResult", [
        ("Owner", owner(call.caller.account_id)),
        ("Buckets", [("Bucket", [("Name", b.name), ("CreationDate", b.created_at),
                                 ("BucketRegion", b.region)]) for b in found]),
    ], S3_NS)
    return Response(200, body, content_type="application/xml")


async def create_bucket(call: S3Call) -> Response:
    assert call.caller is not None
    region = call.region
    body = await read_body(call, CREATE_BODY_LIMIT, _body_too_large)
    if body.strip():
        root = xml.parse(body)
        for element in root.iter():
            if xml.local(element.tag) == "LocationConstraint" and element.text:
                region = element.text.strip()
        if region != call.region:
            raise InvalidArgument(f"The {region} location constraint is incompatible with "
                                  f"the region this endpoint serves ({call.region}).",
                                  ArgumentName="LocationConstraint", ArgumentValue=region)
    try:
        await blocking(meta.create_bucket, call.store, call.bucket, call.caller.account_id,
                       region)
    except meta.BucketExists as exists:
        if exists.owner == call.caller.account_id and region == "us-east-1":
            # "For legacy compatibility, if you re-create an existing bucket that you
            # already own in us-east-1, Amazon S3 returns 200 OK" (CreateBucket, S3 API).
            return Response(200, headers=[("location", f"/{call.bucket}")])
        if exists.owner == call.caller.account_id:
            raise BucketAlreadyOwnedByYou("Your previous request to create the named bucket "
                                          "succeeded and you already own it.",
                                          BucketName=call.bucket) from None
        raise BucketAlreadyExists("The requested bucket name is not available. The bucket "
                                  "namespace is shared by all users of the system. Please "
                                  "select a different name and try again.",
                                  BucketName=call.bucket) from None
    return Response(200, headers=[("location", f"/{call.bucket}")])


async def head_bucket(call: S3Call) -> Response:
    return Response(200, headers=[("x-amz-bucket-region", call.region)])


async def delete_bucket(call: S3Call) -> Response:
    if not await blocking(meta.delete_bucket, call.store, call.bucket):
        raise BucketNotEmpty("The bucket you tried to delete is not empty",
                             BucketName=call.bucket)
    return Response(204)


async def get_bucket_location(call: S3Call) -> Response:
    # us-east-1 is reported as an empty LocationConstraint, as S3 does.
    region = "" if call.region == "us-east-1" else call.region
    body = xml.document("LocationConstraint", [], S3_NS).replace(
        b"></LocationConstraint>", f">{xml.escape(region)}</LocationConstraint>".encode())
    return Response(200, body, content_type="application/xml")


def missing_bucket(name: str) -> ServiceError:
    return NoSuchBucket("The specified bucket does not exist", BucketName=name)
