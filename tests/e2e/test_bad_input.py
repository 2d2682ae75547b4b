"""Bad input over the wire: each gets its protocol's own error code and status, and the
server keeps serving. Requests are sent raw where no SDK would send them."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from unittest import mock

import botocore.auth
import botocore.exceptions
import pytest
import urllib3
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import client, root_client
from e2e.helpers import FORCE_MFA, make_user
from server import Server

http = urllib3.PoolManager(retries=False)


def error_of(response: urllib3.BaseHTTPResponse) -> str:
    body = response.data.decode()
    return body.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in body else ""


@pytest.fixture
def bucket(server: Server) -> Iterator[str]:
    name = "bad-input-" + secrets.token_hex(4)
    s3 = root_client(server, "s3")
    s3.create_bucket(Bucket=name)
    yield name


@pytest.fixture(autouse=True)
def still_serving(server: Server) -> Iterator[None]:
    """After every bad request, a good one still succeeds."""
    yield
    assert "Buckets" in root_client(server, "s3").list_buckets()


class StreamingSigner(botocore.auth.S3SigV4Auth):
    """botocore's S3 signer, declaring the payload hash the test chose."""

    def __init__(self, creds: Credentials, service: str, region: str, declared: str) -> None:
        super().__init__(creds, service, region)
        self.declared = declared

    def payload(self, request: AWSRequest) -> str:
        return self.declared


def signed(server: Server, method: str, path: str, body: bytes = b"",
           headers: dict[str, str] | None = None, key: str | None = None,
           secret: str | None = None, token: str | None = None,
           service: str = "s3") -> AWSRequest:
    root = server.root  # type: ignore[attr-defined]
    creds = Credentials(key or root["access_key_id"], secret or root["secret_access_key"],
                        token)
    request = AWSRequest(method=method, url=server.endpoint + path, data=body,
                         headers=headers or {})
    declared = (headers or {}).get("x-amz-content-sha256")
    signer = (StreamingSigner(creds, service, "us-east-1", declared) if declared
              else botocore.auth.S3SigV4Auth(creds, service, "us-east-1") if service == "s3"
              else botocore.auth.SigV4Auth(creds, service, "us-east-1"))
    signer.add_auth(request)
    return request


def send(request: AWSRequest) -> urllib3.BaseHTTPResponse:
    prepared = request.prepare()
    return http.request(prepared.method, prepared.url, body=prepared.body,
                        headers=dict(prepared.headers))


def test_malformed_authorization_header(server: Server) -> None:
    """An Authorization header that is not SigV4's shape: AuthorizationHeaderMalformed."""
    response = http.request("GET", server.endpoint + "/", headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=garbage", "x-amz-date": "20260101T000000Z"})
    assert response.status == 400
    assert error_of(response) == "AuthorizationHeaderMalformed"


def test_unknown_access_key(server: Server) -> None:
    """An access key Karashi never issued: InvalidAccessKeyId in S3, InvalidClientTokenId
    in STS."""
    s3 = client(server, "s3", "AKIAUNKNOWNUNKNOWN00", "x" * 40)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.list_buckets()
    assert info.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    sts = client(server, "sts", "AKIAUNKNOWNUNKNOWN00", "x" * 40)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sts.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_wrong_signature(server: Server) -> None:
    """The right key id with the wrong secret: SignatureDoesNotMatch (403)."""
    root = server.root  # type: ignore[attr-defined]
    s3 = client(server, "s3", root["access_key_id"], "w" * 40)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.list_buckets()
    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_tampered_header_after_signing(server: Server, bucket: str) -> None:
    """Changing a signed header after signing breaks the signature."""
    request = signed(server, "PUT", f"/{bucket}/k", b"data",
                     headers={"x-amz-meta-color": "blue"})
    request.headers.replace_header("x-amz-meta-color", "red")
    response = send(request)
    assert response.status == 403 and error_of(response) == "SignatureDoesNotMatch"


def test_body_not_matching_content_sha256(server: Server, bucket: str) -> None:
    """A body that differs from its signed x-amz-content-sha256: XAmzContentSHA256Mismatch,
    and no object is stored."""
    request = signed(server, "PUT", f"/{bucket}/mismatch", b"original body")
    request.data = b"replaced body"
    response = send(request)
    assert response.status == 400 and error_of(response) == "XAmzContentSHA256Mismatch"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        root_client(server, "s3").head_object(Bucket=bucket, Key="mismatch")
    assert info.value.response["Error"]["Code"] == "404"


def _chunk_signature(key: bytes, amz_date: str, scope: str, previous: str,
                     data: bytes) -> str:
    to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous,
                         hashlib.sha256(b"").hexdigest(), hashlib.sha256(data).hexdigest()])
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _signing_key(secret: str, date: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


@pytest.mark.parametrize("tamper", [False, True])
def test_signed_chunked_upload(server: Server, bucket: str, tamper: bool) -> None:
    """STREAMING-AWS4-HMAC-SHA256-PAYLOAD: good chunk signatures store the object; a chunk
    whose data changed after signing is SignatureDoesNotMatch and stores nothing."""
    root = server.root  # type: ignore[attr-defined]
    chunks = [b"a" * 65536, b"b" * 1000]
    total = sum(len(c) for c in chunks)
    request = signed(server, "PUT", f"/{bucket}/chunked-{tamper}", headers={
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(total)})
    seed = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    amz_date = request.headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key = _signing_key(root["secret_access_key"], amz_date[:8])
    body, previous = b"", seed
    for data in [*chunks, b""]:
        previous = _chunk_signature(key, amz_date, scope, previous, data)
        sent = data.replace(b"b", b"c") if tamper and data.startswith(b"b") else data
        body += f"{len(data):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    prepared = request.prepare()
    headers = dict(prepared.headers)
    headers["Content-Length"] = str(len(body))
    response = http.request("PUT", prepared.url, body=body, headers=headers)
    s3 = root_client(server, "s3")
    if tamper:
        assert response.status == 403 and error_of(response) == "SignatureDoesNotMatch"
        with pytest.raises(botocore.exceptions.ClientError):
            s3.head_object(Bucket=bucket, Key=f"chunked-{tamper}")
    else:
        assert response.status == 200, response.data
        stored = s3.get_object(Bucket=bucket, Key=f"chunked-{tamper}")
        assert stored["Body"].read() == b"".join(chunks)
        assert "ContentEncoding" not in stored, "aws-chunked is never stored"


def test_expired_presigned_url(server: Server, bucket: str) -> None:
    """A presigned URL used after X-Amz-Date + X-Amz-Expires: AccessDenied (403)."""
    s3 = root_client(server, "s3", signature_version="s3v4")
    s3.put_object(Bucket=bucket, Key="shared", Body=b"x")
    an_hour_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
    # The client's clock, an hour back: the URL was signed then, for 60 seconds.
    root = server.root  # type: ignore[attr-defined]
    request = AWSRequest(method="GET", url=f"{server.endpoint}/{bucket}/shared")
    signer = botocore.auth.S3SigV4QueryAuth(
        Credentials(root["access_key_id"], root["secret_access_key"]), "s3", "us-east-1",
        expires=60)
    with mock.patch("botocore.auth.get_current_datetime", return_value=an_hour_ago):
        signer.add_auth(request)
    url = request.url
    response = http.request("GET", url)
    assert response.status == 403, response.data
    assert error_of(response) == "AccessDenied"
    assert b"expired" in response.data
    fresh = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared"},
                                      ExpiresIn=60)
    assert http.request("GET", fresh).data == b"x"


def _session(server: Server) -> dict[str, str]:
    user = make_user(server, FORCE_MFA)
    creds = user.client(server, "sts").get_session_token(
        SerialNumber=user.serial, TokenCode=user.code())["Credentials"]
    return dict(creds)


def test_session_key_without_its_token(server: Server) -> None:
    """Session credentials sent without the session token: InvalidAccessKeyId."""
    creds = _session(server)
    s3 = client(server, "s3", creds["AccessKeyId"], creds["SecretAccessKey"])
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.list_buckets()
    assert info.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_token_of_another_session(server: Server) -> None:
    """A session key with another session's token: InvalidToken in S3,
    InvalidClientTokenId in STS."""
    first, second = _session(server), _session(server)
    s3 = client(server, "s3", first["AccessKeyId"], first["SecretAccessKey"],
                second["SessionToken"])
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.list_buckets()
    assert info.value.response["Error"]["Code"] == "InvalidToken"
    sts = client(server, "sts", first["AccessKeyId"], first["SecretAccessKey"],
                 second["SessionToken"])
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sts.get_caller_identity()
    assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"


@pytest.mark.parametrize("name", ["ab", "Upper-Case", "under_score", "a..b", "192.168.1.1",
                                  "-leading", "x" * 64])
def test_invalid_bucket_name(server: Server, name: str) -> None:
    """Names outside S3's bucket naming rules: InvalidBucketName (400)."""
    response = send(signed(server, "PUT", f"/{name}"))
    assert response.status == 400 and error_of(response) == "InvalidBucketName"


def test_deleted_users_key(server: Server) -> None:
    """Once the key and its user are deleted, the key is unknown: InvalidAccessKeyId."""
    iam = root_client(server, "iam")
    user = make_user(server, mfa=False)
    assert user.client(server, "sts").get_caller_identity()["Arn"] == user.arn
    iam.delete_access_key(UserName=user.name, AccessKeyId=user.key)
    iam.delete_user(UserName=user.name)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        user.client(server, "s3").list_buckets()
    assert info.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_delete_user_with_key_is_a_conflict(server: Server) -> None:
    """A user who still has an access key cannot be deleted: DeleteConflict (409)."""
    user = make_user(server, mfa=False)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        root_client(server, "iam").delete_user(UserName=user.name)
    assert info.value.response["Error"]["Code"] == "DeleteConflict"


@pytest.mark.parametrize("document", [
    "{not json",
    json.dumps({"Version": "2012-10-17"}),
    json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}),
    json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "yes"}}}]}),
])
def test_malformed_policy_document(server: Server, document: str) -> None:
    """A policy that is not JSON or not a valid policy: MalformedPolicyDocument, and no
    policy is created."""
    iam = root_client(server, "iam")
    name = "bad-" + secrets.token_hex(4)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        iam.create_policy(PolicyName=name, PolicyDocument=document)
    assert info.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    assert info.value.response["Error"]["Message"]
    names = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    assert name not in names
