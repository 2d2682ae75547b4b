"""Several accounts on one server, their users, and requests sent raw or anonymously."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import botocore.auth
import botocore.exceptions
import pytest
import urllib3
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from conftest import client
from server import Server, create_account

http = urllib3.PoolManager(retries=False)


@dataclass
class Identity:
    """An account's root user or one of its IAM users, with a long-term key."""

    account_id: str
    arn: str
    key: str
    secret: str

    def client(self, srv: Server, service: str = "s3", **config: Any) -> Any:
        return client(srv, service, self.key, self.secret, **config)


def root_of(srv: Server) -> Identity:
    """The root user of the server's first account (``server.root``)."""
    root = srv.root  # type: ignore[attr-defined]
    return Identity(root["account_id"], f"arn:aws:iam::{root['account_id']}:root",
                    root["access_key_id"], root["secret_access_key"])


def new_account(srv: Server) -> Identity:
    """Another account on the same data folder (the server may be running); its root."""
    made = create_account(srv.data_dir, "acct-" + secrets.token_hex(4))
    return Identity(made["account_id"], f"arn:aws:iam::{made['account_id']}:root",
                    made["access_key_id"], made["secret_access_key"])


def new_user(srv: Server, root: Identity, policy: dict[str, Any] | None = None) -> Identity:
    """An IAM user of ``root``'s account with an access key and, if given, ``policy``."""
    iam = root.client(srv, "iam")
    name = "u-" + secrets.token_hex(4)
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    if policy is not None:
        arn = iam.create_policy(PolicyName=f"p-{name}",
                                PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    return Identity(root.account_id, user["Arn"], key["AccessKeyId"], key["SecretAccessKey"])


def new_bucket(srv: Server, owner: Identity, prefix: str = "b") -> str:
    name = f"{prefix}-{secrets.token_hex(5)}"
    owner.client(srv).create_bucket(Bucket=name)
    return name


def put_policy(srv: Server, owner: Identity, bucket: str, *statements: dict[str, Any]) -> str:
    """Put a bucket policy made of ``statements``; returns its text."""
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    owner.client(srv).put_bucket_policy(Bucket=bucket, Policy=text)
    return text


def anonymous(srv: Server, method: str, path: str,
              headers: dict[str, str] | None = None) -> urllib3.BaseHTTPResponse:
    """An unsigned request, as a browser or curl sends it."""
    return http.request(method, srv.endpoint + path, headers=headers or {})


def signed(srv: Server, who: Identity, method: str, path: str, body: bytes = b"",
           headers: dict[str, str] | None = None) -> urllib3.BaseHTTPResponse:
    """A SigV4-signed request built by hand, for what no SDK would send."""
    request = AWSRequest(method=method, url=srv.endpoint + path, data=body,
                         headers=headers or {})
    signer = botocore.auth.S3SigV4Auth(Credentials(who.key, who.secret), "s3", "us-east-1")
    signer.add_auth(request)
    return http.request(method, request.url, body=body, headers=dict(request.headers.items()))


def error_code(response: urllib3.BaseHTTPResponse) -> str:
    body = response.data.decode()
    return body.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in body else ""


def audit_event(srv: Server, request_id: str) -> dict[str, Any]:
    """The audit event the server logged for ``request_id``."""
    # An S3 error response repeats x-amz-request-id, which botocore joins with ", ".
    request_id = request_id.split(",")[0].strip()
    # The server writes log records from a background thread: allow it a moment.
    deadline = time.monotonic() + 5
    while True:
        for line in srv.log().splitlines():
            if "karashi.audit" in line and request_id in line:
                return dict(json.loads(line.split("karashi.audit: ", 1)[1]))
        if time.monotonic() > deadline:
            raise AssertionError(f"no audit event for request {request_id}")
        time.sleep(0.05)


def code_of(info: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def request_id(info: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(info.value.response["ResponseMetadata"]["RequestId"])
