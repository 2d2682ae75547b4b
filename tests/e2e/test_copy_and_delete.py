"""CopyObject and DeleteObjects end to end, with boto3 and the AWS CLI: both sides of a
copy checked, per-key decisions in a multi-object delete, and the CLI commands that use
them (``s3 cp`` between buckets, ``s3 mv``, ``s3 rm --recursive``)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from server import Server

from e2e.accounts import (
    Identity,
    code_of,
    request_id,
    audit_event,
    error_code,
    new_account,
    new_bucket,
    new_user,
    put_policy,
    root_of,
    signed,
)
from e2e.awscli import AwsCli


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


@pytest.fixture
def owner(server: Server) -> Identity:
    return root_of(server)


@pytest.fixture
def buckets(server: Server, owner: Identity) -> tuple[str, str]:
    """A source bucket holding ``src.txt`` (with metadata) and an empty destination."""
    source, destination = new_bucket(server, owner, "src"), new_bucket(server, owner, "dst")
    owner.client(server).put_object(Bucket=source, Key="src.txt", Body=b"copy me",
                                    ContentType="text/plain", Metadata={"colour": "blue"})
    return source, destination


# CopyObject.

def test_copy_keeps_data_and_metadata(server: Server, owner: Identity,
                                      buckets: tuple[str, str]) -> None:
    """CopyObject with the COPY directive keeps the body, Content-Type and metadata and
    answers with a CopyObjectResult ("CopyObject", S3 API Reference)."""
    source, destination = buckets
    s3 = owner.client(server)
    result = s3.copy_object(Bucket=destination, Key="copy.txt",
                            CopySource={"Bucket": source, "Key": "src.txt"})
    assert result["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"copy me").hexdigest()}"'
    assert result["CopyObjectResult"]["LastModified"]
    got = s3.get_object(Bucket=destination, Key="copy.txt")
    assert got["Body"].read() == b"copy me"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"colour": "blue"}


def test_copy_replace_directive(server: Server, owner: Identity,
                                buckets: tuple[str, str]) -> None:
    """With x-amz-metadata-directive REPLACE, metadata comes from the request; copying an
    object onto itself is allowed only then ("CopyObject", S3 API Reference)."""
    source, _ = buckets
    s3 = owner.client(server)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.copy_object(Bucket=source, Key="src.txt",
                       CopySource={"Bucket": source, "Key": "src.txt"})
    assert code_of(info) == "InvalidRequest"
    s3.copy_object(Bucket=source, Key="src.txt", CopySource={"Bucket": source,
                                                             "Key": "src.txt"},
                   MetadataDirective="REPLACE", ContentType="text/markdown",
                   Metadata={"shape": "round"})
    head = s3.head_object(Bucket=source, Key="src.txt")
    assert head["ContentType"] == "text/markdown"
    assert head["Metadata"] == {"shape": "round"}
    assert s3.get_object(Bucket=source, Key="src.txt")["Body"].read() == b"copy me"


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"CopySource": {"Bucket": "{source}", "Key": "missing"}}, "NoSuchKey"),
    ({"CopySource": {"Bucket": "{source}", "Key": "src.txt", "VersionId": "v1"}},
     "NoSuchVersion"),
    ({"CopySource": {"Bucket": "no-such-bucket-karashi", "Key": "k"}}, "NoSuchBucket"),
    ({"CopySource": {"Bucket": "{source}", "Key": "src.txt"},
      "CopySourceIfMatch": '"0123"'}, "PreconditionFailed"),
    ({"CopySource": {"Bucket": "{source}", "Key": "src.txt"},
      "MetadataDirective": "MERGE"}, "InvalidArgument"),
], ids=["no-key", "version", "no-bucket", "if-match", "directive"])
def test_copy_errors(server: Server, owner: Identity, buckets: tuple[str, str],
                     kwargs: dict[str, Any], code: str) -> None:
    """Each way a copy can be wrong gets S3's code ("CopyObject", "Error responses", S3
    API Reference)."""
    source, destination = buckets
    kwargs = json.loads(json.dumps(kwargs).replace("{source}", source))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        owner.client(server).copy_object(Bucket=destination, Key="k", **kwargs)
    assert code_of(info) == code


@pytest.mark.parametrize("granted", ["source", "destination", "both"])
def test_copy_checks_both_sides(server: Server, owner: Identity, buckets: tuple[str, str],
                                granted: str) -> None:
    """A copy needs s3:GetObject on the source and s3:PutObject on the destination
    ("CopyObject", S3 API Reference: Permissions)."""
    source, destination = buckets
    actions = {"source": [("s3:GetObject", f"arn:aws:s3:::{source}/*")],
               "destination": [("s3:PutObject", f"arn:aws:s3:::{destination}/*")]}
    grants = actions["source"] + actions["destination"] if granted == "both" \
        else actions[granted]
    user = new_user(server, owner, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": a, "Resource": r} for a, r in grants]})
    s3 = user.client(server)
    if granted != "both":
        with pytest.raises(botocore.exceptions.ClientError) as info:
            s3.copy_object(Bucket=destination, Key="c", CopySource={"Bucket": source,
                                                                    "Key": "src.txt"})
        assert code_of(info) == "AccessDenied"
        event = audit_event(server, request_id(info))
        missing = "s3:PutObject" if granted == "source" else "s3:GetObject"
        assert event["action"] == missing
        return
    s3.copy_object(Bucket=destination, Key="c", CopySource={"Bucket": source,
                                                            "Key": "src.txt"})
    assert owner.client(server).get_object(Bucket=destination, Key="c")["Body"].read() \
        == b"copy me"


def test_copy_from_another_accounts_bucket(server: Server, owner: Identity,
                                           buckets: tuple[str, str]) -> None:
    """Copying out of another account's bucket needs that bucket's policy to allow
    s3:GetObject too ("Cross-account policy evaluation logic", IAM User Guide)."""
    source, _ = buckets
    other = new_account(server)
    target = new_bucket(server, other, "theirs")
    s3 = other.client(server)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.copy_object(Bucket=target, Key="k", CopySource={"Bucket": source,
                                                           "Key": "src.txt"})
    assert code_of(info) == "AccessDenied"
    put_policy(server, owner, source, {"Effect": "Allow",
                                       "Principal": {"AWS": other.account_id},
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{source}/*"})
    s3.copy_object(Bucket=target, Key="k", CopySource={"Bucket": source, "Key": "src.txt"})
    assert s3.get_object(Bucket=target, Key="k")["Body"].read() == b"copy me"


def test_copy_source_condition_key(server: Server, owner: Identity,
                                   buckets: tuple[str, str]) -> None:
    """s3:x-amz-copy-source names the source as "bucket/key", so a policy can limit
    where copies come from ("Bucket policy examples": restricting the copy source)."""
    source, destination = buckets
    owner.client(server).put_object(Bucket=source, Key="secret/x", Body=b"s")
    user = new_user(server, owner, allow(["s3:GetObject", "s3:PutObject"], "*"))
    put_policy(server, owner, destination, {
        "Sid": "OnlyPublicSources", "Effect": "Deny", "Principal": "*",
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{destination}/*",
        "Condition": {"StringLike": {"s3:x-amz-copy-source": f"{source}/secret/*"}}})
    s3 = user.client(server)
    s3.copy_object(Bucket=destination, Key="a", CopySource={"Bucket": source,
                                                            "Key": "src.txt"})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.copy_object(Bucket=destination, Key="b", CopySource={"Bucket": source,
                                                                "Key": "secret/x"})
    assert "OnlyPublicSources" in audit_event(server, request_id(info))["reason"]


# DeleteObjects.

def test_delete_objects_reports_denied_keys(server: Server, owner: Identity) -> None:
    """Each key of DeleteObjects is checked as s3:DeleteObject: a denied key is an
    <Error> with AccessDenied and the others are deleted ("DeleteObjects", S3 API
    Reference)."""
    bucket = new_bucket(server, owner, "multi")
    root = owner.client(server)
    for key in ("public/a", "public/b", "private/c"):
        root.put_object(Bucket=bucket, Key=key, Body=b"x")
    user = new_user(server, owner, allow("s3:DeleteObject", f"arn:aws:s3:::{bucket}/public/*"))
    result = user.client(server).delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "public/a"}, {"Key": "private/c"}, {"Key": "public/b"},
        {"Key": "public/never-existed"}]})
    assert sorted(d["Key"] for d in result["Deleted"]) == [
        "public/a", "public/b", "public/never-existed"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("private/c", "AccessDenied")]
    left = [o["Key"] for o in root.list_objects_v2(Bucket=bucket)["Contents"]]
    assert left == ["private/c"]
    event = audit_event(server, result["ResponseMetadata"]["RequestId"])
    assert event["decision"] == "ImplicitDeny"
    assert event["reason"].startswith("1 of 4 keys denied: private/c: ImplicitDeny")


def test_delete_objects_quiet_and_versions(server: Server, owner: Identity) -> None:
    """Quiet mode lists only errors; a VersionId other than "null" is NoSuchVersion, as
    Karashi keeps one version per key ("DeleteObjects", S3 API Reference)."""
    bucket = new_bucket(server, owner, "quiet")
    s3 = owner.client(server)
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    s3.put_object(Bucket=bucket, Key="b", Body=b"x")
    result = s3.delete_objects(Bucket=bucket, Delete={"Quiet": True, "Objects": [
        {"Key": "a"}, {"Key": "b", "VersionId": "null"}, {"Key": "c", "VersionId": "3HL4"}]})
    assert "Deleted" not in result
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("c", "NoSuchVersion")]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects_needs_version_permission(server: Server, owner: Identity) -> None:
    """A key with a VersionId is checked as s3:DeleteObjectVersion, with s3:VersionId set
    ("Actions, resources, and condition keys for Amazon S3")."""
    bucket = new_bucket(server, owner, "ver")
    owner.client(server).put_object(Bucket=bucket, Key="a", Body=b"x")
    user = new_user(server, owner, allow("s3:DeleteObject", "*"))
    result = user.client(server).delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "a", "VersionId": "null"}]})
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [("a", "AccessDenied")]


def _delete_body(keys: list[str]) -> bytes:
    objects = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
    return f"<Delete>{objects}</Delete>".encode()


def test_delete_objects_limits(server: Server, owner: Identity) -> None:
    """More than 1,000 keys is MalformedXML; a request without Content-MD5 or an
    x-amz-checksum-* header is InvalidRequest ("DeleteObjects", S3 API Reference)."""
    bucket = new_bucket(server, owner, "limits")
    body = _delete_body([f"k{i}" for i in range(1001)])
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    too_many = signed(server, owner, "POST", f"/{bucket}?delete", body,
                      {"Content-MD5": md5})
    assert (too_many.status, error_code(too_many)) == (400, "MalformedXML")

    body = _delete_body(["a"])
    unprotected = signed(server, owner, "POST", f"/{bucket}?delete", body)
    assert (unprotected.status, error_code(unprotected)) == (400, "InvalidRequest")
    assert b"Content-MD5" in unprotected.data

    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    tampered = signed(server, owner, "POST", f"/{bucket}?delete", body,
                      {"Content-MD5": wrong})
    assert (tampered.status, error_code(tampered)) == (400, "BadDigest")

    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    accepted = signed(server, owner, "POST", f"/{bucket}?delete", body,
                      {"Content-MD5": md5})
    assert accepted.status == 200 and b"<Deleted><Key>a</Key></Deleted>" in accepted.data


# Versions on single-object operations.

def test_version_id_needs_version_actions(server: Server, owner: Identity) -> None:
    """GetObject and HeadObject with a versionId need s3:GetObjectVersion; "null" is the
    one version Karashi keeps and any other is NoSuchVersion, after authorization
    ("GetObject", "Actions, resources, and condition keys for Amazon S3")."""
    bucket = new_bucket(server, owner, "getver")
    root = owner.client(server)
    root.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert root.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"v"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        root.get_object(Bucket=bucket, Key="k", VersionId="3HL4kqtJlcpXroDTDmJ")
    assert code_of(info) == "NoSuchVersion"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(botocore.exceptions.ClientError) as info:
        root.delete_object(Bucket=bucket, Key="k", VersionId="3HL4kqtJlcpXroDTDmJ")
    assert code_of(info) == "NoSuchVersion"

    reader = new_user(server, owner, allow("s3:GetObject", "*"))
    s3 = reader.client(server)
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == 1
    for call in (s3.get_object, s3.head_object):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call(Bucket=bucket, Key="k", VersionId="3HL4kqtJlcpXroDTDmJ")
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_bucket_operations_map_to_their_actions(server: Server, owner: Identity) -> None:
    """HeadBucket and ListObjects need s3:ListBucket; GetBucketLocation needs
    s3:GetBucketLocation ("Actions, resources, and condition keys for Amazon S3";
    "HeadBucket", "GetBucketLocation", S3 API Reference)."""
    bucket = new_bucket(server, owner, "map")
    locator = new_user(server, owner, allow("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"))
    lister = new_user(server, owner, allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    assert "LocationConstraint" in locator.client(server).get_bucket_location(Bucket=bucket)
    with pytest.raises(botocore.exceptions.ClientError):
        locator.client(server).head_bucket(Bucket=bucket)
    lister.client(server).head_bucket(Bucket=bucket)
    lister.client(server).list_objects(Bucket=bucket)
    with pytest.raises(botocore.exceptions.ClientError):
        lister.client(server).get_bucket_location(Bucket=bucket)


# The AWS CLI.

@pytest.fixture
def cli(server: Server, owner: Identity, tmp_path: Path) -> AwsCli:
    aws = AwsCli(tmp_path, server.endpoint)
    aws.configure("owner", owner.key, owner.secret)
    return aws


def test_cli_copy_move_and_recursive_remove(server: Server, owner: Identity, cli: AwsCli,
                                            tmp_path: Path) -> None:
    """``aws s3 cp`` between buckets, ``aws s3 mv`` and ``aws s3 rm --recursive`` work as
    the AWS CLI documents them ("cp", "mv", "rm" in the AWS CLI Command Reference)."""
    first, second = new_bucket(server, owner, "cli-a"), new_bucket(server, owner, "cli-b")
    s3 = owner.client(server)
    for key in ("dir/one.txt", "dir/two.txt", "dir/sub/three.txt", "top.txt"):
        s3.put_object(Bucket=first, Key=key, Body=key.encode())

    cli.run("s3", "cp", f"s3://{first}/top.txt", f"s3://{second}/copied.txt",
            "--profile", "owner")
    assert s3.get_object(Bucket=second, Key="copied.txt")["Body"].read() == b"top.txt"

    cli.run("s3", "cp", f"s3://{first}/dir/", f"s3://{second}/dir/", "--recursive",
            "--profile", "owner")
    cli.run("s3", "mv", f"s3://{first}/top.txt", f"s3://{second}/moved.txt",
            "--profile", "owner")
    assert s3.get_object(Bucket=second, Key="moved.txt")["Body"].read() == b"top.txt"
    with pytest.raises(botocore.exceptions.ClientError):
        s3.head_object(Bucket=first, Key="top.txt")

    cli.run("s3", "rm", f"s3://{second}", "--recursive", "--profile", "owner")
    assert "Contents" not in s3.list_objects_v2(Bucket=second)
    cli.run("s3", "rm", f"s3://{first}/dir/", "--recursive", "--profile", "owner")
    assert "Contents" not in s3.list_objects_v2(Bucket=first)


def test_cli_recursive_remove_reports_denied_keys(server: Server, owner: Identity,
                                                  cli: AwsCli) -> None:
    """``aws s3 rm --recursive`` by a user who may delete only part of a prefix deletes
    that part and reports the rest as failed ("rm", AWS CLI Command Reference)."""
    bucket = new_bucket(server, owner, "cli-rm")
    s3 = owner.client(server)
    for key in ("logs/a", "logs/b", "keep/c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    user = new_user(server, owner, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Effect": "Allow", "Action": "s3:DeleteObject",
         "Resource": f"arn:aws:s3:::{bucket}/logs/*"}]})
    cli.configure("limited", user.key, user.secret)
    result = cli.run("s3", "rm", f"s3://{bucket}", "--recursive", "--profile", "limited",
                     check=False)
    assert result.returncode != 0 and "AccessDenied" in result.stderr
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert left == ["keep/c"]
