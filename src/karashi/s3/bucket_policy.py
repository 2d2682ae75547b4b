"""PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy (the ``?policy`` subresource).

The policy is kept exactly as it was put and returned byte for byte. It is parsed and
validated by the policy engine when it is put, so a request is never decided by a
policy that does not parse. Limits follow the S3 User Guide ("Bucket policies are
limited to 20 KB in size"), counted as AWS and Karashi's IAM count a managed policy:
without whitespace.
"""

from __future__ import annotations

import re

from karashi.errors import ServiceError
from karashi.http.response import Response
from karashi.policy import MalformedPolicy as EngineMalformedPolicy
from karashi.policy import parse_policy
from karashi.s3.access import policy_name
from karashi.s3.buckets import missing_bucket
from karashi.s3.call import S3Call, blocking
from karashi.s3.errors import MalformedPolicy, NoSuchBucketPolicy, PolicyTooLarge
from karashi.s3.upload import read_body
from karashi.store import objects as meta

MAX_POLICY_SIZE = 20 * 1024
#: The body read before whitespace is discounted: a pretty-printed policy may be
#: several times its counted size.
MAX_BODY_SIZE = 16 * MAX_POLICY_SIZE
_WHITESPACE = re.compile(rb"\s+")


def _too_large() -> ServiceError:
    return PolicyTooLarge("Policy exceeds the maximum allowed document size.",
                          MaxSizeAllowed=str(MAX_POLICY_SIZE))


def check_policy(body: bytes, bucket: str) -> str:
    """The policy text if ``body`` is one S3 accepts; raises PolicyTooLarge or
    MalformedPolicy (with the engine's message naming the statement at fault)."""
    if not body.startswith(b"{"):
        raise MalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
    if len(_WHITESPACE.sub(b"", body)) > MAX_POLICY_SIZE:
        raise _too_large()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPolicy("Policies must be valid JSON encoded as UTF-8") from None
    try:
        parse_policy(text, kind="resource", name=policy_name(bucket))
    except EngineMalformedPolicy as exc:
        raise MalformedPolicy(str(exc)) from None
    return text


async def put_bucket_policy(call: S3Call) -> Response:
    body = await read_body(call, MAX_BODY_SIZE, _too_large)
    text = check_policy(body, call.bucket)
    if not await blocking(meta.set_bucket_policy, call.store, call.bucket, text):
        raise missing_bucket(call.bucket)
    return Response(204)


async def get_bucket_policy(call: S3Call) -> Response:
    bucket = call.found
    if bucket is None:
        raise missing_bucket(call.bucket)
    if bucket.policy is None:
        raise NoSuchBucketPolicy("The bucket policy does not exist", BucketName=call.bucket)
    return Response(200, bucket.policy.encode("utf-8"), content_type="application/json")


async def delete_bucket_policy(call: S3Call) -> Response:
    if not await blocking(meta.set_bucket_policy, call.store, call.bucket, None):
        raise missing_bucket(call.bucket)
    return Response(204)
