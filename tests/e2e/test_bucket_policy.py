"""Bucket policies end to end with boto3: put/get/delete, anonymous callers, one account
and several, conditions the request fills in, and the audit event of each denial."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.exceptions
import pytest
from server import Server, free_port

from e2e.accounts import (
    Identity,
    code_of,
    request_id,
    anonymous,
    audit_event,
    error_code,
    new_account,
    new_bucket,
    new_user,
    put_policy,
    root_of,
    signed,
)

S3_ALL = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}


def identity_policy(*statements: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.fixture
def owner(server: Server) -> Identity:
    return root_of(server)


@pytest.fixture
def bucket(server: Server, owner: Identity) -> str:
    name = new_bucket(server, owner, "pol")
    owner.client(server).put_object(Bucket=name, Key="public/hello.txt", Body=b"hello")
    return name


# Put, get and delete.

def test_get_returns_exact_bytes_put(server: Server, owner: Identity, bucket: str) -> None:
    """GetBucketPolicy returns the policy as it was put, spacing and key order included
    ("GetBucketPolicy", S3 API Reference)."""
    text = ('{ "Statement":[ {"Sid":"Read", "Principal":"*","Effect":"Allow",\n'
            '\t"Action":"s3:GetObject","Resource":"arn:aws:s3:::' + bucket + '/*",'
            '"Condition":{"StringLike":{"aws:UserAgent":"caf\u00e9*"}}}],'
            ' "Version" : "2012-10-17"}  ')
    s3 = owner.client(server)
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == text


def test_missing_policy_is_no_such_bucket_policy(server: Server, owner: Identity,
                                                 bucket: str) -> None:
    """Without a policy GetBucketPolicy is NoSuchBucketPolicy (404); DeleteBucketPolicy
    removes one ("Error responses", S3 API Reference)."""
    s3 = owner.client(server)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_bucket_policy(Bucket=bucket)
    assert code_of(info) == "NoSuchBucketPolicy"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": "*",
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*"})
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_bucket_policy(Bucket=bucket)
    assert code_of(info) == "NoSuchBucketPolicy"


def test_policy_over_20_kib_is_refused(server: Server, owner: Identity, bucket: str) -> None:
    """A policy over 20 KB, whitespace not counted, is refused ("Adding a bucket policy
    by using the Amazon S3 console", S3 User Guide: "limited to 20 KB in size")."""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/public/*"}
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        dict(statement, Sid=f"S{i:04d}") for i in range(180)]}, separators=(",", ":"))
    assert len(big) > 20 * 1024
    with pytest.raises(botocore.exceptions.ClientError) as info:
        owner.client(server).put_bucket_policy(Bucket=bucket, Policy=big)
    assert code_of(info) == "PolicyTooLarge"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    # Pretty-printed to well over 20 KiB, but not once its whitespace is discounted.
    padded = json.dumps({"Version": "2012-10-17", "Statement": [
        dict(statement, Sid=f"S{i:04d}") for i in range(100)]}, indent=40)
    assert len(padded) > 20 * 1024 > len("".join(padded.split()))
    owner.client(server).put_bucket_policy(Bucket=bucket, Policy=padded)


@pytest.mark.parametrize(("policy", "fragment"), [
    ("{not json", "not valid JSON"),
    ("[]", "first byte must be '{'"),
    (('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
      '"Action": "s3:GetObject", "Resource": "*"}]}'), "Principal"),
    (('{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*", '
      '"Action": "s3:GetObject", "Resource": "*"}]}'), "Effect"),
], ids=["json", "not-object", "no-principal", "bad-effect"])
def test_malformed_policy(server: Server, owner: Identity, bucket: str, policy: str,
                          fragment: str) -> None:
    """An invalid policy is MalformedPolicy (400) with the engine's message saying what
    is wrong ("Error responses", S3 API Reference; "IAM JSON policy elements reference")."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        owner.client(server).put_bucket_policy(Bucket=bucket, Policy=policy)
    assert code_of(info) == "MalformedPolicy"
    assert fragment in info.value.response["Error"]["Message"]


# Anonymous callers.

def test_anonymous_get_needs_a_public_statement(server: Server, owner: Identity,
                                                bucket: str) -> None:
    """An unsigned GET is denied until a statement with "Principal": "*" allows it
    ("Policy evaluation logic"; "AWS JSON policy elements: Principal", IAM User Guide)."""
    denied = anonymous(server, "GET", f"/{bucket}/public/hello.txt")
    assert denied.status == 403 and error_code(denied) == "AccessDenied"
    put_policy(server, owner, bucket, {"Sid": "PublicRead", "Effect": "Allow",
                                       "Principal": "*", "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/public/*"})
    allowed = anonymous(server, "GET", f"/{bucket}/public/hello.txt")
    assert allowed.status == 200 and allowed.data == b"hello"
    event = audit_event(server, allowed.headers["x-amz-request-id"])
    assert event["principal"] == "anonymous"
    assert event["reason"] == f"Allow by bucket policy of {bucket} statement 0 (Sid PublicRead)"

    # Only what the statement names: not a listing, not another prefix, not a write.
    assert anonymous(server, "GET", f"/{bucket}").status == 403
    assert anonymous(server, "PUT", f"/{bucket}/public/new").status == 403
    assert anonymous(server, "GET", "/").status == 403


def test_anonymous_with_aws_star_principal(server: Server, owner: Identity,
                                           bucket: str) -> None:
    """{"AWS": "*"} names everyone as "*" does ("AWS JSON policy elements: Principal")."""
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": {"AWS": "*"},
                                       "Action": "s3:ListBucket",
                                       "Resource": f"arn:aws:s3:::{bucket}"})
    listing = anonymous(server, "GET", f"/{bucket}?list-type=2")
    assert listing.status == 200 and b"public/hello.txt" in listing.data


# One account.

def test_bucket_deny_beats_identity_allow(server: Server, owner: Identity,
                                          bucket: str) -> None:
    """An explicit Deny in the bucket policy wins over an Allow in the user's identity
    policy ("Policy evaluation logic": an explicit deny in any policy overrides allows)."""
    user = new_user(server, owner, identity_policy(S3_ALL))
    s3 = user.client(server)
    assert s3.get_object(Bucket=bucket, Key="public/hello.txt")["Body"].read() == b"hello"
    put_policy(server, owner, bucket, {"Sid": "NoReads", "Effect": "Deny",
                                       "Principal": {"AWS": user.arn},
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*"})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object(Bucket=bucket, Key="public/hello.txt")
    assert code_of(info) == "AccessDenied"
    event = audit_event(server, request_id(info))
    assert event["decision"] == "ExplicitDeny"
    assert event["reason"] == (f"ExplicitDeny by bucket policy of {bucket} statement 0 "
                               "(Sid NoReads)")
    s3.put_object(Bucket=bucket, Key="public/other", Body=b"x")  # the deny is for reads only


def test_identity_deny_is_audited_with_its_policy(server: Server, owner: Identity,
                                                  bucket: str) -> None:
    """An identity-policy Deny names that policy's ARN and statement in the audit event
    ("Policy evaluation logic")."""
    user = new_user(server, owner, identity_policy(
        S3_ALL, {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject",
                 "Resource": "*"}))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        user.client(server).delete_object(Bucket=bucket, Key="public/hello.txt")
    reason = audit_event(server, request_id(info))["reason"]
    assert reason.startswith(f"ExplicitDeny by arn:aws:iam::{owner.account_id}:policy/")
    assert reason.endswith("statement 1 (Sid NoDeletes)")


def test_bucket_allow_to_same_account_user_suffices(server: Server, owner: Identity,
                                                    bucket: str) -> None:
    """Within one account a bucket policy naming the user allows without any identity
    policy: either side suffices ("Policy evaluation for requests within a single
    account", IAM User Guide)."""
    user = new_user(server, owner)
    s3 = user.client(server)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object(Bucket=bucket, Key="public/hello.txt")
    assert code_of(info) == "AccessDenied"
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": {"AWS": user.arn},
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*"})
    assert s3.get_object(Bucket=bucket, Key="public/hello.txt")["Body"].read() == b"hello"


def test_bucket_allow_to_own_account_delegates(server: Server, owner: Identity,
                                               bucket: str) -> None:
    """A bucket statement naming the account (not the user) delegates to the account's
    identity policies, so it grants the user nothing by itself ("AWS JSON policy
    elements: Principal": an account principal is the account's to delegate)."""
    user = new_user(server, owner)
    put_policy(server, owner, bucket, {"Effect": "Allow",
                                       "Principal": {"AWS": owner.account_id},
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*"})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        user.client(server).get_object(Bucket=bucket, Key="public/hello.txt")
    assert code_of(info) == "AccessDenied"


def test_owner_root_bound_by_bucket_deny_but_keeps_policy_access(
        server: Server, owner: Identity, bucket: str) -> None:
    """The owner's root user is refused by an explicit Deny in its bucket policy, yet can
    always get, replace and delete that policy ("PutBucketPolicy", S3 API Reference:
    "even if their bucket policy explicitly denies the root principal's access")."""
    s3 = owner.client(server)
    put_policy(server, owner, bucket, {"Sid": "LockEveryoneOut", "Effect": "Deny",
                                       "Principal": "*", "Action": "s3:*",
                                       "Resource": [f"arn:aws:s3:::{bucket}",
                                                    f"arn:aws:s3:::{bucket}/*"]})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object(Bucket=bucket, Key="public/hello.txt")
    assert code_of(info) == "AccessDenied"
    assert "LockEveryoneOut" in audit_event(server, request_id(info))["reason"]
    assert "LockEveryoneOut" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="public/hello.txt")["Body"].read() == b"hello"


def test_user_not_exempt_from_deny_on_policy_actions(server: Server, owner: Identity,
                                                     bucket: str) -> None:
    """Only the owner's root is exempt: a user of the account is refused GetBucketPolicy
    by a Deny ("PutBucketPolicy", S3 API Reference; "Policy evaluation logic")."""
    user = new_user(server, owner, identity_policy(S3_ALL))
    put_policy(server, owner, bucket, {"Effect": "Deny", "Principal": {"AWS": user.arn},
                                       "Action": "s3:GetBucketPolicy",
                                       "Resource": f"arn:aws:s3:::{bucket}"})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        user.client(server).get_bucket_policy(Bucket=bucket)
    assert code_of(info) == "AccessDenied"


def test_refused_upload_leaves_the_connection_usable(server: Server, owner: Identity,
                                                     bucket: str) -> None:
    """A PutObject refused before its body was asked for closes the connection, so the
    client's next request is not read as that body (RFC 9110, 10.1.1 Expect: a server
    that answers without 100 Continue cannot know what the client will send next); the
    error carries one request id ("Error responses", S3 API Reference)."""
    user = new_user(server, owner)
    s3 = user.client(server)
    for _ in range(3):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x" * 100)
        assert code_of(info) == "AccessDenied"
        assert "," not in request_id(info)
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": {"AWS": user.arn},
                                       "Action": "s3:PutObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"x" * 100)


# Several accounts.

def test_cross_account_needs_both_sides(server: Server, owner: Identity, bucket: str) -> None:
    """Another account's user needs its own identity policy AND the bucket policy to allow
    ("Cross-account policy evaluation logic", IAM User Guide)."""
    other = new_account(server)
    reader = new_user(server, other, identity_policy(
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}))
    without_policy = new_user(server, other)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        reader.client(server).get_object(Bucket=bucket, Key="public/hello.txt")
    assert code_of(info) == "AccessDenied"
    assert "cross-account" in audit_event(server, request_id(info))["reason"]

    put_policy(server, owner, bucket, {"Sid": "OtherAccountReads", "Effect": "Allow",
                                       "Principal": {"AWS": other.account_id},
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*"})
    got = reader.client(server).get_object(Bucket=bucket, Key="public/hello.txt")
    assert got["Body"].read() == b"hello"
    # The account's root is not limited by identity policies: the bucket policy suffices.
    assert other.client(server).head_object(Bucket=bucket, Key="public/hello.txt")
    # A user of that account without an identity policy is still refused.
    with pytest.raises(botocore.exceptions.ClientError) as info:
        without_policy.client(server).get_object(Bucket=bucket, Key="public/hello.txt")
    assert code_of(info) == "AccessDenied"
    # Only what was granted: no listing, no writes.
    with pytest.raises(botocore.exceptions.ClientError) as info:
        other.client(server).put_object(Bucket=bucket, Key="public/x", Body=b"x")
    assert code_of(info) == "AccessDenied"


def test_cross_account_user_named_by_arn(server: Server, owner: Identity,
                                         bucket: str) -> None:
    """A bucket statement naming another account's user by ARN still needs that user's
    identity policy ("Cross-account policy evaluation logic")."""
    other = new_account(server)
    user = new_user(server, other)
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": {"AWS": user.arn},
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*"})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        user.client(server).get_object(Bucket=bucket, Key="public/hello.txt")
    assert code_of(info) == "AccessDenied"


def test_other_account_cannot_manage_the_policy(server: Server, owner: Identity,
                                                bucket: str) -> None:
    """Policy operations from another account: 403 without a grant, and 405
    MethodNotAllowed with one ("PutBucketPolicy", "GetBucketPolicy", S3 API Reference)."""
    other = new_account(server)
    s3 = other.client(server)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_bucket_policy(Bucket=bucket)
    assert code_of(info) == "AccessDenied"
    put_policy(server, owner, bucket, {"Effect": "Allow",
                                       "Principal": {"AWS": other.account_id},
                                       "Action": ["s3:GetBucketPolicy", "s3:PutBucketPolicy"],
                                       "Resource": f"arn:aws:s3:::{bucket}"})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_bucket_policy(Bucket=bucket)
    assert code_of(info) == "MethodNotAllowed"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405


def test_other_account_cannot_list_or_see_buckets(server: Server, owner: Identity,
                                                  bucket: str) -> None:
    """ListBuckets shows the caller's own buckets; another account's bucket is denied
    without a grant ("ListBuckets", S3 API Reference; "Cross-account policy evaluation
    logic")."""
    other = new_account(server)
    s3 = other.client(server)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.list_objects_v2(Bucket=bucket)
    assert code_of(info) == "AccessDenied"


# Conditions S3 fills in from the request.

def test_prefix_condition_limits_listing(server: Server, owner: Identity,
                                         bucket: str) -> None:
    """s3:prefix is the ListBucket request's prefix parameter, so a condition on it
    limits what can be listed ("Actions, resources, and condition keys for Amazon S3";
    "Bucket policy examples": restricting listing to a prefix)."""
    user = new_user(server, owner)
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": {"AWS": user.arn},
                                       "Action": "s3:ListBucket",
                                       "Resource": f"arn:aws:s3:::{bucket}",
                                       "Condition": {"StringLike": {"s3:prefix": "public/*"}}})
    s3 = user.client(server)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="public/")
    assert [o["Key"] for o in listed["Contents"]] == ["public/hello.txt"]
    for prefix in ("private/", ""):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        assert code_of(info) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.list_objects_v2(Bucket=bucket)  # no prefix: the key is absent, no match
    assert code_of(info) == "AccessDenied"


def test_max_keys_and_delimiter_conditions(server: Server, owner: Identity,
                                           bucket: str) -> None:
    """s3:max-keys and s3:delimiter come from the ListBucket request ("Actions,
    resources, and condition keys for Amazon S3")."""
    user = new_user(server, owner)
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": {"AWS": user.arn},
                                       "Action": "s3:ListBucket",
                                       "Resource": f"arn:aws:s3:::{bucket}",
                                       "Condition": {
                                           "NumericLessThanEquals": {"s3:max-keys": "10"},
                                           "StringEquals": {"s3:delimiter": "/"}}})
    s3 = user.client(server)
    assert s3.list_objects_v2(Bucket=bucket, MaxKeys=5, Delimiter="/")["KeyCount"] == 1
    with pytest.raises(botocore.exceptions.ClientError):
        s3.list_objects_v2(Bucket=bucket, MaxKeys=50, Delimiter="/")
    with pytest.raises(botocore.exceptions.ClientError):
        s3.list_objects_v2(Bucket=bucket, MaxKeys=5)


def test_source_ip_condition(server: Server, owner: Identity, bucket: str) -> None:
    """aws:SourceIp is the client's address: an IpAddress condition on 127.0.0.1/32
    allows, one on another network does not ("AWS global condition context keys",
    aws:SourceIp; "Bucket policy examples": limiting access to IP addresses)."""
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": "*",
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*",
                                       "Condition": {"IpAddress": {"aws:SourceIp":
                                                                   "127.0.0.1/32"}}})
    assert anonymous(server, "GET", f"/{bucket}/public/hello.txt").status == 200
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": "*",
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*",
                                       "Condition": {"IpAddress": {"aws:SourceIp":
                                                                   "203.0.113.0/24"}}})
    assert anonymous(server, "GET", f"/{bucket}/public/hello.txt").status == 403


def test_x_forwarded_for_ignored_without_trusted_proxies(server: Server, owner: Identity,
                                                         bucket: str) -> None:
    """Without trusted proxies X-Forwarded-For is only a header a client wrote: it does
    not change aws:SourceIp, for allows nor for denies ("AWS global condition context
    keys", aws:SourceIp: the requester's IP address)."""
    put_policy(server, owner, bucket,
               {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.7/32"}}})
    spoofed = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    response = anonymous(server, "GET", f"/{bucket}/public/hello.txt", spoofed)
    assert response.status == 403
    assert audit_event(server, response.headers["x-amz-request-id"])["source_ip"] == "127.0.0.1"

    user = new_user(server, owner, identity_policy(S3_ALL, {
        "Effect": "Deny", "Action": "s3:*", "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "127.0.0.1/32"}}}))
    allowed = signed(server, user, "GET", f"/{bucket}/public/hello.txt",
                     headers={"X-Forwarded-For": "198.51.100.1"})
    assert allowed.status == 200


def test_x_forwarded_for_followed_through_trusted_proxy(tmp_path: Path) -> None:
    """With the socket peer in trusted_proxies, the address X-Forwarded-For names is
    aws:SourceIp, and the hops a client wrote before it are not ("AWS global condition
    context keys", aws:SourceIp; "X-Forwarded-For", MDN)."""
    from server import create_account

    config = tmp_path / "karashi.toml"
    config.write_text('[karashi]\ntrusted_proxies = ["127.0.0.0/8"]\n')
    proxied = Server(tmp_path, free_port(), extra_args=["--config", str(config)])
    proxied.root = create_account(tmp_path, "proxied")  # type: ignore[attr-defined]
    proxied.start()
    try:
        owner = root_of(proxied)
        bucket = new_bucket(proxied, owner)
        owner.client(proxied).put_object(Bucket=bucket, Key="k", Body=b"v")
        put_policy(proxied, owner, bucket,
                   {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.7/32"},
                                  "Bool": {"aws:SecureTransport": "true"}}})
        through_proxy = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        response = anonymous(proxied, "GET", f"/{bucket}/k", through_proxy)
        assert response.status == 200
        event = audit_event(proxied, response.headers["x-amz-request-id"])
        assert event["source_ip"] == "203.0.113.7"
        # The client claims to be 203.0.113.7; the proxy saw 198.51.100.9.
        spoofed = {"X-Forwarded-For": "203.0.113.7, 198.51.100.9",
                   "X-Forwarded-Proto": "https"}
        assert anonymous(proxied, "GET", f"/{bucket}/k", spoofed).status == 403
        assert anonymous(proxied, "GET", f"/{bucket}/k").status == 403
    finally:
        proxied.stop()


def test_user_agent_and_referer_conditions(server: Server, owner: Identity,
                                           bucket: str) -> None:
    """aws:Referer and aws:UserAgent are the request's headers ("AWS global condition
    context keys"; "Bucket policy examples": restricting access to a referer)."""
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": "*",
                                       "Action": "s3:GetObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*",
                                       "Condition": {
                                           "StringLike": {"aws:Referer":
                                                          "https://example.com/*"},
                                           "StringEquals": {"aws:UserAgent": "karashi-test"}}})
    path = f"/{bucket}/public/hello.txt"
    good = {"Referer": "https://example.com/page", "User-Agent": "karashi-test"}
    assert anonymous(server, "GET", path, good).status == 200
    assert anonymous(server, "GET", path, {**good, "Referer": "https://evil.test/"}).status \
        == 403
    assert anonymous(server, "GET", path, {**good, "User-Agent": "curl"}).status == 403


def test_signature_conditions(server: Server, owner: Identity, bucket: str) -> None:
    """s3:authType, s3:signatureversion and s3:signatureAge describe how the request was
    signed: a header-signed request is REST-HEADER, a presigned URL REST-QUERY-STRING
    ("Actions, resources, and condition keys for Amazon S3"; "Amazon S3 condition key
    examples")."""
    user = new_user(server, owner, identity_policy(S3_ALL))
    deny = {"Effect": "Deny", "Principal": {"AWS": user.arn}, "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*"}
    put_policy(server, owner, bucket,
               dict(deny, Sid="HeaderOnly",
                    Condition={"StringNotEquals": {"s3:authType": "REST-HEADER"}}),
               dict(deny, Sid="V4Only", Condition={
                   "StringNotEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}}),
               dict(deny, Sid="Fresh", Condition={
                   "NumericGreaterThan": {"s3:signatureAge": "600000"}}))
    s3 = user.client(server, signature_version="s3v4")
    assert s3.get_object(Bucket=bucket, Key="public/hello.txt")["Body"].read() == b"hello"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket,
                                                          "Key": "public/hello.txt"})
    response = anonymous(server, "GET", url[len(server.endpoint):])
    assert response.status == 403
    event = audit_event(server, response.headers["x-amz-request-id"])
    assert event["reason"].endswith("statement 0 (Sid HeaderOnly)")


def test_request_object_tags_condition(server: Server, owner: Identity, bucket: str) -> None:
    """s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys come from x-amz-tagging on
    PutObject ("Tagging and access control policies", S3 User Guide)."""
    user = new_user(server, owner)
    put_policy(server, owner, bucket, {"Effect": "Allow", "Principal": {"AWS": user.arn},
                                       "Action": "s3:PutObject",
                                       "Resource": f"arn:aws:s3:::{bucket}/*",
                                       "Condition": {
                                           "StringEquals": {
                                               "s3:RequestObjectTag/team": "blue"},
                                           "ForAllValues:StringEquals": {
                                               "s3:RequestObjectTagKeys": ["team", "env"]}}})
    s3 = user.client(server)
    s3.put_object(Bucket=bucket, Key="tagged", Body=b"x", Tagging="team=blue&env=dev")
    for tagging in ("team=red", "team=blue&owner=me"):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            s3.put_object(Bucket=bucket, Key="tagged", Body=b"x", Tagging=tagging)
        assert code_of(info) == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError):
        s3.put_object(Bucket=bucket, Key="untagged", Body=b"x")


def test_acl_and_encryption_conditions(server: Server, owner: Identity, bucket: str) -> None:
    """s3:x-amz-acl and s3:x-amz-server-side-encryption are the PutObject request's
    headers ("Bucket policy examples": requiring encryption; "Actions, resources, and
    condition keys for Amazon S3")."""
    user = new_user(server, owner, identity_policy(S3_ALL))
    put_policy(server, owner, bucket,
               {"Sid": "NoPublicAcl", "Effect": "Deny", "Principal": "*",
                "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read"}}},
               {"Sid": "RequireSse", "Effect": "Deny", "Principal": "*",
                "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}})
    s3 = user.client(server)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "RequireSse" in audit_event(server, request_id(info))["reason"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ServerSideEncryption="AES256",
                      ACL="public-read")
    assert "NoPublicAcl" in audit_event(server, request_id(info))["reason"]
