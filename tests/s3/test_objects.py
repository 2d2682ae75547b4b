"""S3 objects through boto3 against a real server: bodies, metadata, ranges, keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator

import botocore.exceptions
import pytest

from conftest import root_client
from server import Server

AWKWARD_KEYS = [
    "plain.txt", "with space.txt", "plus+sign", "percent%20literal", "tilde~", "a//b",
    "a/./b", "../escape", "dot/../dot", "unicodé/ключ/鍵", "question?mark", "hash#tag",
    "amp&er=sand", "emoji-🙂", "trailing/", "*star*", "semi;colon", "x" * 1024,
]


@pytest.fixture(params=["server", "tls_server"])
def s3(request: pytest.FixtureRequest) -> Iterator[object]:
    srv: Server = request.getfixturevalue(request.param)
    yield root_client(srv, "s3")


@pytest.fixture
def bucket(s3: object) -> str:
    name = "objects-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=name)  # type: ignore[attr-defined]
    return name


@pytest.mark.parametrize("key", AWKWARD_KEYS, ids=lambda k: k[:20])
def test_awkward_keys_round_trip(s3, bucket: str, key: str) -> None:
    """Keys are stored exactly as given (S3 never normalises them) and listed back."""
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == [key]


def test_key_too_long(s3, bucket: str) -> None:
    """A key over 1,024 bytes of UTF-8 is refused with KeyTooLongError."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket=bucket, Key="é" * 513, Body=b"x")
    assert info.value.response["Error"]["Code"] == "KeyTooLongError"


def test_etag_content_type_and_metadata_kept(s3, bucket: str) -> None:
    """The ETag is the MD5 of the body; Content-Type and x-amz-meta-* come back."""
    body = b"hello world\n"
    put = s3.put_object(Bucket=bucket, Key="k", Body=body, ContentType="text/plain",
                        Metadata={"Owner": "alice", "colour": "blue"})
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"owner": "alice", "colour": "blue"}
    assert got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["ContentLength"] == len(body)


def test_default_content_type(s3, bucket: str) -> None:
    """Without a Content-Type the object is binary/octet-stream, as S3 answers."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.head_object(Bucket=bucket, Key="k")["ContentType"] == "binary/octet-stream"


@pytest.mark.parametrize(("spec", "expected"), [
    ("bytes=0-4", b"01234"), ("bytes=5-", b"56789"), ("bytes=-3", b"789"),
    ("bytes=8-100", b"89"),
])
def test_range_get(s3, bucket: str, spec: str, expected: bytes) -> None:
    """GetObject with Range returns 206 and the bytes asked for."""
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="digits", Range=spec)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == expected
    assert got["ContentRange"].endswith("/10")


def test_unsatisfiable_range(s3, bucket: str) -> None:
    """A range starting past the end is InvalidRange (416)."""
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object(Bucket=bucket, Key="digits", Range="bytes=10-20")
    assert info.value.response["Error"]["Code"] == "InvalidRange"


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_checksum_algorithms(s3, bucket: str, algorithm: str) -> None:
    """Each flexible checksum boto3 can send is verified and stored (over HTTPS it comes as
    an aws-chunked trailer, over HTTP as a header)."""
    body = secrets.token_bytes(70_000)
    put = s3.put_object(Bucket=bucket, Key="c", Body=body, ChecksumAlgorithm=algorithm)
    assert put[f"Checksum{algorithm}"]
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got["Body"].read() == body
    assert got[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]


def test_overwrite_replaces_and_delete_removes(s3, bucket: str) -> None:
    """A second PUT replaces the object; DELETE removes it and a GET is NoSuchKey."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    s3.delete_object(Bucket=bucket, Key="k")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object(Bucket=bucket, Key="k")
    assert info.value.response["Error"]["Code"] == "NoSuchKey"
    s3.delete_object(Bucket=bucket, Key="k")  # deleting nothing is not an error in S3


def test_bucket_lifecycle(s3) -> None:
    """Create, head, refuse to delete while not empty, then delete; a missing bucket is
    NoSuchBucket. Creating it again in us-east-1 answers 200, as S3 does there for
    legacy compatibility (CreateBucket, S3 API Reference)."""
    name = "life-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=name)
    s3.head_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.create_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.delete_bucket(Bucket=name)
    assert info.value.response["Error"]["Code"] == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.list_objects_v2(Bucket=name)
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"


def test_large_body_streams_whole_and_in_ranges(s3, bucket: str) -> None:
    """A body larger than the in-memory threshold streams back intact, whole and ranged."""
    body = secrets.token_bytes(1_300_000)
    s3.put_object(Bucket=bucket, Key="big", Body=body)
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == body
    part = s3.get_object(Bucket=bucket, Key="big", Range="bytes=300000-1000000")
    assert part["Body"].read() == body[300_000:1_000_001]


def test_reads_racing_overwrites_see_whole_bodies(s3, bucket: str) -> None:
    """GETs racing PUTs of the same key always return one of the bodies, whole."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [bytes([n]) * (400_000 if n % 2 else 3_000) for n in range(1, 9)]
    s3.put_object(Bucket=bucket, Key="hot", Body=bodies[0])

    def write(n: int) -> None:
        s3.put_object(Bucket=bucket, Key="hot", Body=bodies[n % len(bodies)])

    def read(_: int) -> bytes:
        return s3.get_object(Bucket=bucket, Key="hot")["Body"].read()

    with ThreadPoolExecutor(6) as pool:
        writes = pool.map(write, range(16))
        reads = list(pool.map(read, range(24)))
        list(writes)
    assert all(got in bodies for got in reads)


def test_backwards_range_is_ignored(s3, bucket: str) -> None:
    """A range whose end precedes its start is not a valid byte-range-spec: the whole
    object comes back with 200 (RFC 9110, 14.1.1; S3 does the same)."""
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="digits", Range="bytes=5-2")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert got["Body"].read() == b"0123456789"


def test_conditional_writes(s3, bucket: str) -> None:
    """If-None-Match: * writes only a new key; If-Match writes only over the ETag given;
    a failed condition is 412 PreconditionFailed and leaves the object as it was
    ("Add preconditions to S3 operations with conditional requests", S3 User Guide)."""
    first = s3.put_object(Bucket=bucket, Key="lock", Body=b"one", IfNoneMatch="*")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket=bucket, Key="lock", Body=b"two", IfNoneMatch="*")
    assert info.value.response["Error"]["Code"] == "PreconditionFailed"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket=bucket, Key="lock", Body=b"two", IfMatch='"nope"')
    assert info.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="lock")["Body"].read() == b"one"
    s3.put_object(Bucket=bucket, Key="lock", Body=b"three", IfMatch=first["ETag"])
    assert s3.get_object(Bucket=bucket, Key="lock")["Body"].read() == b"three"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"x", IfMatch=first["ETag"])
    assert info.value.response["Error"]["Code"] == "NoSuchKey"


def test_if_none_match_under_concurrency(s3, bucket: str) -> None:
    """Eight concurrent If-None-Match: * writes of one new key: exactly one succeeds."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(n: int) -> str:
        try:
            s3.put_object(Bucket=bucket, Key="race", Body=str(n).encode(), IfNoneMatch="*")
            return "ok"
        except botocore.exceptions.ClientError as exc:
            return str(exc.response["Error"]["Code"])

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert sorted(outcomes) == ["PreconditionFailed"] * 7 + ["ok"]
