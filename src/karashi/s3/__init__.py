"""S3 REST handlers: buckets, bucket policies, objects, multipart uploads, copies, deletes
and listings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from karashi.http.response import Response
from karashi.s3 import (
    bucket_policy,
    buckets,
    copy,
    listing,
    multi_delete,
    multipart,
    objects,
    settings,
)
from karashi.s3.call import S3Call

Handler = Callable[[S3Call], Awaitable[Response]]

HANDLERS: dict[str, Handler] = {
    "ListBuckets": buckets.list_buckets,
    "CreateBucket": buckets.create_bucket,
    "HeadBucket": buckets.head_bucket,
    "DeleteBucket": buckets.delete_bucket,
    "GetBucketLocation": buckets.get_bucket_location,
    "GetBucketPolicy": bucket_policy.get_bucket_policy,
    "PutBucketPolicy": bucket_policy.put_bucket_policy,
    "DeleteBucketPolicy": bucket_policy.delete_bucket_policy,
    "ListObjects": listing.list_objects,
    "ListObjectsV2": listing.list_objects,
    "PutObject": objects.put_object,
    "CopyObject": copy.copy_object,
    "GetObject": objects.get_object,
    "HeadObject": objects.head_object,
    "DeleteObject": objects.delete_object,
    "DeleteObjects": multi_delete.delete_objects,
    "CreateMultipartUpload": multipart.create_multipart_upload,
    "UploadPart": multipart.upload_part,
    "CompleteMultipartUpload": multipart.complete_multipart_upload,
    "AbortMultipartUpload": multipart.abort_multipart_upload,
    "ListParts": multipart.list_parts,
    "ListMultipartUploads": multipart.list_multipart_uploads,
    **settings.HANDLERS,
}
