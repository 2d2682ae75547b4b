"""Multipart upload through boto3 and the AWS CLI against a real server: parts, complete,
abort, listings, the errors S3 documents, and the object staying invisible until done."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import botocore.exceptions
import pytest
from conftest import root_client
from e2e.awscli import AwsCli
from server import Server

from karashi.http.request import Request
from karashi.s3.operations import resolve

MiB = 1024 * 1024
BIG = secrets.token_bytes(5 * MiB)  # the smallest part allowed before the last one


@pytest.fixture(params=["server", "tls_server"])
def s3(request: pytest.FixtureRequest) -> Iterator[object]:
    srv: Server = request.getfixturevalue(request.param)
    yield root_client(srv, "s3")


@pytest.fixture
def plain(server: Server) -> object:
    return root_client(server, "s3")


def new_bucket(s3: object) -> str:
    name = "multipart-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=name)  # type: ignore[attr-defined]
    return name


def s3_etag(*parts: bytes) -> str:
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def code_of(info: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def upload(s3, bucket: str, key: str, *bodies: bytes, **create: object
           ) -> tuple[str, list[dict[str, object]]]:
    """Create an upload and send ``bodies`` as parts 1..N; returns (id, parts)."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    parts = []
    for number, body in enumerate(bodies, 1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id,
                              PartNumber=number, Body=body)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    return upload_id, parts


def complete(s3, bucket: str, key: str, upload_id: str, parts: list[dict[str, object]]):
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})


def blob_count(srv: Server) -> int:
    return sum(1 for path in (srv.data_dir / "blobs").rglob("*") if path.is_file())


def test_round_trip_with_s3_etag(s3) -> None:
    """Parts of 5 MiB and a small last one become one object whose ETag is the MD5 of
    the parts' MD5s with "-N", as S3 computes it ("Checking object integrity", S3 UG);
    Content-Type and metadata given on create are kept, and HEAD reports the size."""
    bucket, tail = new_bucket(s3), b"the end\n"
    upload_id, parts = upload(s3, bucket, "big.bin", BIG, tail, ContentType="text/x-big",
                              Metadata={"colour": "blue"})
    assert parts[0]["ETag"] == f'"{hashlib.md5(BIG).hexdigest()}"'
    done = complete(s3, bucket, "big.bin", upload_id, parts)
    assert done["ETag"] == s3_etag(BIG, tail)

    got = s3.get_object(Bucket=bucket, Key="big.bin")
    assert got["Body"].read() == BIG + tail
    assert got["ETag"] == s3_etag(BIG, tail)
    assert got["ContentType"] == "text/x-big"
    assert got["Metadata"] == {"colour": "blue"}
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert (head["ContentLength"], head["ETag"]) == (len(BIG) + len(tail), s3_etag(BIG, tail))
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_part_blobs_removed_after_complete(server: Server, plain) -> None:
    """Completing leaves exactly one blob, the object's: the parts' are removed."""
    bucket = new_bucket(plain)
    before = blob_count(server)
    upload_id, parts = upload(plain, bucket, "k", BIG, b"x")
    assert blob_count(server) == before + 2
    complete(plain, bucket, "k", upload_id, parts)
    assert blob_count(server) == before + 1


def test_reuploaded_part_replaces_the_old(plain) -> None:
    """Uploading a part number again replaces that part ("UploadPart", S3 API
    Reference)."""
    bucket = new_bucket(plain)
    upload_id, _ = upload(plain, bucket, "k", b"first")
    etag = plain.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1,
                             Body=b"second")["ETag"]
    listed = plain.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [(1, etag, 6)]
    complete(plain, bucket, "k", upload_id, [{"PartNumber": 1, "ETag": etag}])
    assert plain.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second"


def test_unfinished_upload_is_invisible(plain) -> None:
    """An object is not visible until CompleteMultipartUpload commits it: GET is
    NoSuchKey and ListObjectsV2 does not list it."""
    bucket = new_bucket(plain)
    upload(plain, bucket, "pending", b"part one")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        plain.get_object(Bucket=bucket, Key="pending")
    assert code_of(info) == "NoSuchKey"
    assert plain.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize(("change", "code"), [
    (lambda parts: [parts[0], {"PartNumber": 3, "ETag": parts[1]["ETag"]}], "InvalidPart"),
    (lambda parts: [parts[0], {"PartNumber": 2, "ETag": '"' + "0" * 32 + '"'}],
     "InvalidPart"),
    (lambda parts: [parts[1], parts[0]], "InvalidPartOrder"),
    (lambda parts: [parts[0], parts[0]], "InvalidPartOrder"),
], ids=["missing", "wrong-etag", "descending", "repeated"])
def test_complete_refuses_bad_part_lists(plain, change, code: str) -> None:
    """A part not uploaded or with another ETag is InvalidPart; a list not in ascending
    order is InvalidPartOrder ("CompleteMultipartUpload", S3 API Reference: Errors)."""
    bucket = new_bucket(plain)
    upload_id, parts = upload(plain, bucket, "k", b"a", b"b")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        complete(plain, bucket, "k", upload_id, change(parts))
    assert code_of(info) == code


def test_complete_refuses_small_parts(plain) -> None:
    """A part other than the last under 5 MiB is EntityTooSmall
    ("CompleteMultipartUpload", S3 API Reference; "Amazon S3 multipart upload limits")."""
    bucket = new_bucket(plain)
    upload_id, parts = upload(plain, bucket, "k", b"a" * 1024, b"b")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        complete(plain, bucket, "k", upload_id, parts)
    assert code_of(info) == "EntityTooSmall"
    # A single small part is also the last one, and is accepted.
    assert complete(plain, bucket, "k", upload_id, parts[1:])["ETag"] == s3_etag(b"b")


@pytest.mark.parametrize("number", [0, 10001])
def test_part_number_out_of_range(plain, number: int) -> None:
    """Part numbers run from 1 to 10,000 ("UploadPart", S3 API Reference)."""
    bucket = new_bucket(plain)
    upload_id, _ = upload(plain, bucket, "k")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        plain.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=number,
                          Body=b"x")
    assert code_of(info) == "InvalidArgument"


def test_part_body_digest_is_checked(plain) -> None:
    """A part whose body does not match its Content-MD5 is refused with BadDigest and
    not recorded, as for PutObject ("UploadPart", S3 API Reference)."""
    bucket = new_bucket(plain)
    upload_id, _ = upload(plain, bucket, "k")
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(botocore.exceptions.ClientError) as info:
        plain.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1,
                          Body=b"body", ContentMD5=wrong)
    assert code_of(info) == "BadDigest"
    assert plain.list_parts(Bucket=bucket, Key="k", UploadId=upload_id).get("Parts", []) == []


def test_upload_id_belongs_to_its_key(plain) -> None:
    """An upload id used with another key, or an unknown one, is NoSuchUpload
    ("UploadPart", "ListParts", S3 API Reference: Errors)."""
    bucket = new_bucket(plain)
    upload_id, parts = upload(plain, bucket, "mine", b"x")
    calls = [
        lambda: plain.upload_part(Bucket=bucket, Key="other", UploadId=upload_id,
                                  PartNumber=1, Body=b"y"),
        lambda: plain.list_parts(Bucket=bucket, Key="other", UploadId=upload_id),
        lambda: complete(plain, bucket, "other", upload_id, parts),
        lambda: plain.abort_multipart_upload(Bucket=bucket, Key="other", UploadId=upload_id),
        lambda: plain.list_parts(Bucket=bucket, Key="mine", UploadId="not-an-upload"),
    ]
    for call in calls:
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call()
        assert code_of(info) == "NoSuchUpload"
    assert plain.list_parts(Bucket=bucket, Key="mine", UploadId=upload_id)["Parts"]


def test_abort_removes_the_upload_and_its_parts(server: Server, plain) -> None:
    """AbortMultipartUpload removes the parts; the upload is then NoSuchUpload, also for
    a second abort ("AbortMultipartUpload", S3 API Reference)."""
    bucket = new_bucket(plain)
    before = blob_count(server)
    upload_id, parts = upload(plain, bucket, "k", b"a", b"b")
    plain.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    assert blob_count(server) == before
    for call in (lambda: plain.abort_multipart_upload(Bucket=bucket, Key="k",
                                                      UploadId=upload_id),
                 lambda: complete(plain, bucket, "k", upload_id, parts)):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call()
        assert code_of(info) == "NoSuchUpload"
    plain.delete_bucket(Bucket=bucket)


def test_list_parts_pages(plain) -> None:
    """ListParts pages with max-parts and part-number-marker ("ListParts", S3 API
    Reference)."""
    bucket = new_bucket(plain)
    upload_id, parts = upload(plain, bucket, "k", b"1", b"22", b"333", b"4444", b"55555")
    seen, marker = [], 0
    while True:
        page = plain.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, MaxParts=2,
                                PartNumberMarker=marker)
        seen += [(p["PartNumber"], p["ETag"], p["Size"]) for p in page["Parts"]]
        if not page["IsTruncated"]:
            break
        marker = page["NextPartNumberMarker"]
    assert seen == [(p["PartNumber"], p["ETag"], n) for n, p in enumerate(parts, 1)]


def test_list_multipart_uploads_pages(plain) -> None:
    """ListMultipartUploads filters by prefix and pages with max-uploads, key-marker and
    upload-id-marker ("ListMultipartUploads", S3 API Reference)."""
    bucket = new_bucket(plain)
    made = sorted((key, upload(plain, bucket, key)[0])
                  for key in ("a/1", "a/1", "a/2", "a/3", "b/1"))
    seen: list[tuple[str, str]] = []
    markers: dict[str, str] = {}
    while True:
        page = plain.list_multipart_uploads(Bucket=bucket, Prefix="a/", MaxUploads=2,
                                            **markers)
        seen += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
        if not page["IsTruncated"]:
            break
        markers = {"KeyMarker": page["NextKeyMarker"],
                   "UploadIdMarker": page["NextUploadIdMarker"]}
    assert seen == [entry for entry in made if entry[0].startswith("a/")]
    after = plain.list_multipart_uploads(Bucket=bucket, KeyMarker="a/2")
    assert [u["Key"] for u in after["Uploads"]] == ["a/3", "b/1"]


def test_get_object_part_number_is_refused(plain) -> None:
    """GetObject with partNumber is refused with NotImplemented rather than answered with
    the whole object: Karashi keeps no part boundaries ("GetObject", S3 API Reference)."""
    bucket = new_bucket(plain)
    plain.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        plain.get_object(Bucket=bucket, Key="k", PartNumber=1)
    assert code_of(info) == "NotImplemented"


def _request(method: str, target: str, headers: dict[str, str] | None = None) -> Request:
    path, _, query = target.partition("?")
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "client": ("127.0.0.1", 5000), "scheme": "http",
             "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()]}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}
    return Request(scope, receive)  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "target", "name", "action", "resource"), [
    ("POST", "/bkt/k?uploads", "CreateMultipartUpload", "s3:PutObject", "arn:aws:s3:::bkt/k"),
    ("PUT", "/bkt/k?partNumber=1&uploadId=u", "UploadPart", "s3:PutObject", "arn:aws:s3:::bkt/k"),
    ("POST", "/bkt/k?uploadId=u", "CompleteMultipartUpload", "s3:PutObject",
     "arn:aws:s3:::bkt/k"),
    ("DELETE", "/bkt/k?uploadId=u", "AbortMultipartUpload", "s3:AbortMultipartUpload",
     "arn:aws:s3:::bkt/k"),
    ("GET", "/bkt/k?uploadId=u", "ListParts", "s3:ListMultipartUploadParts",
     "arn:aws:s3:::bkt/k"),
    ("GET", "/bkt?uploads", "ListMultipartUploads", "s3:ListBucketMultipartUploads",
     "arn:aws:s3:::bkt"),
])
def test_multipart_actions(method: str, target: str, name: str, action: str,
                           resource: str) -> None:
    """Each multipart operation needs the IAM action and resource AWS documents
    ("Actions, resources, and condition keys for Amazon S3")."""
    op = resolve(_request(method, target), "")
    assert (op.name, op.action, op.resource, op.unsupported) == (name, action, resource,
                                                                 False)


def test_upload_part_copy_is_flagged() -> None:
    """UploadPartCopy is not served yet: it is refused as NotImplemented, not taken for
    an UploadPart with an empty body."""
    op = resolve(_request("PUT", "/bkt/k?partNumber=1&uploadId=u",
                          {"x-amz-copy-source": "src/k"}), "")
    assert op.unsupported


@pytest.mark.parametrize("target", ["server", "tls_server"])
def test_aws_cli_large_copy_round_trip(request: pytest.FixtureRequest, target: str,
                                       tmp_path: Path) -> None:
    """``aws s3 cp`` of a 20 MiB file goes up as a multipart upload (the CLI's threshold
    is 8 MiB) and comes back byte for byte, over HTTP and over HTTPS, where the CLI
    sends trailer checksums ("cp", AWS CLI Command Reference)."""
    srv: Server = request.getfixturevalue(target)
    cli = AwsCli(tmp_path, srv.endpoint, srv.tls[0] if srv.tls else None)
    root = srv.root  # type: ignore[attr-defined]
    cli.configure("default", root["access_key_id"], root["secret_access_key"])
    bucket = new_bucket(root_client(srv, "s3"))
    source, back = tmp_path / "up.bin", tmp_path / "down.bin"
    source.write_bytes(secrets.token_bytes(20 * MiB))

    cli.run("s3", "cp", str(source), f"s3://{bucket}/big.bin")
    head = cli.json("s3api", "head-object", "--bucket", bucket, "--key", "big.bin")
    assert head["ContentLength"] == 20 * MiB
    assert head["ETag"].endswith('-3"')  # 8 MiB chunks: 8 + 8 + 4
    cli.run("s3", "cp", f"s3://{bucket}/big.bin", str(back))
    assert back.read_bytes() == source.read_bytes()
