"""S3 REST handlers: buckets, objects and listings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from karashi.http.response import Response
from karashi.s3 import buckets, listing, objects
from karashi.s3.call import S3Call

Handler = Callable[[S3Call], Awaitable[Response]]

HANDLERS: dict[str, Handler] = {
    "ListBuckets": buckets.list_buckets,
    "CreateBucket": buckets.create_bucket,
    "HeadBucket": buckets.head_bucket,
    "DeleteBucket": buckets.delete_bucket,
    "GetBucketLocation": buckets.get_bucket_location,
    "ListObjects": listing.list_objects,
    "ListObjectsV2": listing.list_objects,
    "PutObject": objects.put_object,
    "GetObject": objects.get_object,
    "HeadObject": objects.head_object,
    "DeleteObject": objects.delete_object,
}
