"""Nothing is lost and nothing partial is visible: interrupted and refused uploads."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import time

import botocore.auth
import botocore.exceptions
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import root_client
from server import Server


def _signed_put(server: Server, path: str, body: bytes) -> AWSRequest:
    root = server.root  # type: ignore[attr-defined]
    request = AWSRequest(method="PUT", url=server.endpoint + path, data=body)
    botocore.auth.S3SigV4Auth(Credentials(root["access_key_id"], root["secret_access_key"]),
                              "s3", "us-east-1").add_auth(request)
    return request


def test_connection_dropped_mid_body(server: Server) -> None:
    """A PUT whose client disconnects half way stores nothing: the key stays absent, an
    older version stays intact, and no temporary file is left behind."""
    s3 = root_client(server, "s3")
    bucket = "durable-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="kept", Body=b"old body")

    for key in ("absent", "kept"):
        body = secrets.token_bytes(200_000)
        prepared = _signed_put(server, f"/{bucket}/{key}", body).prepare()
        head = f"PUT /{bucket}/{key} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in prepared.headers.items()) + \
            f"Content-Length: {len(body)}\r\n\r\n"
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(head.encode() + body[:70_000])
            time.sleep(0.2)

    deadline = time.monotonic() + 5
    while any((server.data_dir / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any((server.data_dir / "tmp").iterdir())
    try:
        s3.head_object(Bucket=bucket, Key="absent")
        raise AssertionError("a partial upload became visible")
    except botocore.exceptions.ClientError as exc:
        assert exc.response["Error"]["Code"] == "404"
    assert s3.get_object(Bucket=bucket, Key="kept")["Body"].read() == b"old body"


def test_refused_body_keeps_the_old_object(server: Server) -> None:
    """A PUT refused for a wrong Content-MD5 leaves the previous object as it was."""
    s3 = root_client(server, "s3")
    bucket = "durable-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"first")
    wrong = hashlib.md5(b"something else").digest()
    try:
        s3.put_object(Bucket=bucket, Key="k", Body=b"second",
                      ContentMD5=base64.b64encode(wrong).decode())
        raise AssertionError("a wrong Content-MD5 was accepted")
    except botocore.exceptions.ClientError as exc:
        assert exc.response["Error"]["Code"] == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"first"
