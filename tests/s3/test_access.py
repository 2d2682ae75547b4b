"""Deciding S3 requests without a server: the compiled bucket-policy cache, the owner
root's exemption on policy actions, the source address and the policy size rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from karashi.errors import ServiceError
from karashi.identity.caller import Caller
from karashi.identity.context import client_address
from karashi.policy import Effect
from karashi.s3.access import Access, BucketPolicyCache
from karashi.s3.bucket_policy import MAX_POLICY_SIZE, check_policy
from karashi.store.objects import Bucket

OWNER, OTHER = "111111111111", "222222222222"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def bucket_with(*statements: dict[str, Any], name: str = "bkt") -> Bucket:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return Bucket(name, OWNER, "us-east-1", CREATED, text)


def root(account: str) -> Caller:
    return Caller(account, None, "AKIA" + account, "secret")


DENY_ALL = {"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"]}


def access(caller: Caller | None, cache: BucketPolicyCache | None = None) -> Access:
    return Access(caller, [], {}, cache or BucketPolicyCache())


def test_cache_compiles_each_text_once() -> None:
    """A bucket's policy is compiled once per text (keyed by bucket and SHA-256), so a
    request never re-parses JSON; a new text is compiled anew."""
    cache = BucketPolicyCache()
    first = bucket_with(DENY_ALL)
    assert cache.get(first) is cache.get(Bucket("bkt", OWNER, "us-east-1", CREATED,
                                                first.policy))
    changed = bucket_with(dict(DENY_ALL, Sid="Other"))
    assert cache.get(changed) is not cache.get(first)
    assert cache.get(Bucket("bkt", OWNER, "us-east-1", CREATED, None)) is None
    assert len(cache) == 2


def test_cache_is_bounded() -> None:
    """Old compiled policies fall out least recently used first."""
    cache = BucketPolicyCache(size=2)
    buckets = [bucket_with(DENY_ALL, name=f"b{i}") for i in range(3)]
    for bucket in buckets:
        cache.get(bucket)
    assert len(cache) == 2


def test_cached_policy_is_named_for_the_audit() -> None:
    """A bucket-policy decision names "bucket policy of <bucket>", the statement index and
    its Sid ("Policy evaluation logic")."""
    decision = access(root(OWNER)).decide("s3:GetObject", "arn:aws:s3:::bkt/k",
                                          bucket_with(DENY_ALL))
    assert decision.effect is Effect.EXPLICIT_DENY
    assert str(decision) == "ExplicitDeny by bucket policy of bkt statement 0 (Sid DenyAll)"


@pytest.mark.parametrize("action", ["s3:GetBucketPolicy", "s3:PutBucketPolicy",
                                    "s3:DeleteBucketPolicy"])
def test_owner_root_keeps_policy_actions(action: str) -> None:
    """The owner's root may always get, put and delete the policy, even against an
    explicit Deny ("PutBucketPolicy", S3 API Reference); not so another action."""
    bucket = bucket_with(DENY_ALL)
    assert access(root(OWNER)).decide(action, "arn:aws:s3:::bkt", bucket).allowed
    assert not access(root(OWNER)).decide("s3:ListBucket", "arn:aws:s3:::bkt",
                                          bucket).allowed
    assert not access(root(OTHER)).decide(action, "arn:aws:s3:::bkt", bucket).allowed


def test_anonymous_caller() -> None:
    """An unsigned request is allowed only by a statement naming everyone ("Policy
    evaluation logic"; "AWS JSON policy elements: Principal")."""
    public = bucket_with({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                          "Resource": "arn:aws:s3:::bkt/*"})
    named = bucket_with({"Effect": "Allow", "Principal": {"AWS": OWNER},
                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*"})
    assert access(None).decide("s3:GetObject", "arn:aws:s3:::bkt/k", public).allowed
    assert not access(None).decide("s3:GetObject", "arn:aws:s3:::bkt/k", named).allowed
    assert not access(None).decide("s3:ListAllMyBuckets", "arn:aws:s3:::*", None).allowed


def test_resource_account_keys() -> None:
    """s3:ResourceAccount and aws:ResourceAccount are the bucket owner's account
    ("Actions, resources, and condition keys for Amazon S3")."""
    bucket = bucket_with({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                          "Resource": "arn:aws:s3:::bkt/*",
                          "Condition": {"StringEquals": {"s3:ResourceAccount": OWNER}}})
    assert not access(root(OWNER)).decide("s3:GetObject", "arn:aws:s3:::bkt/k",
                                          bucket).allowed


def test_unreadable_stored_policy_fails_closed() -> None:
    """A stored policy that no longer parses denies, rather than being ignored."""
    broken = Bucket("bkt", OWNER, "us-east-1", CREATED, '{"Statement": []}')
    decision = access(root(OWNER)).decide("s3:GetObject", "arn:aws:s3:::bkt/k", broken)
    assert decision.effect is Effect.EXPLICIT_DENY
    assert "does not parse" in str(decision)
    assert access(root(OWNER)).decide("s3:DeleteBucketPolicy", "arn:aws:s3:::bkt",
                                      broken).allowed


# The client's address.

HEADERS = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}


def test_forwarded_headers_ignored_by_default() -> None:
    """Without trusted proxies the socket peer is aws:SourceIp and the scheme is the
    connection's ("AWS global condition context keys", aws:SourceIp)."""
    address = client_address("127.0.0.1", HEADERS, False, ())
    assert (address.ip, address.secure, address.via_proxy) == ("127.0.0.1", False, None)
    assert client_address("10.0.0.9", HEADERS, False, ("127.0.0.1/32",)).ip == "10.0.0.9"


@pytest.mark.parametrize(("forwarded", "expected"), [
    ("203.0.113.7", "203.0.113.7"),
    ("198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client wrote the first hop
    ("203.0.113.7, 10.0.0.2", "203.0.113.7"),  # through two trusted proxies
    ("not-an-ip, 203.0.113.7", "203.0.113.7"),
    ("203.0.113.7:5123", "203.0.113.7"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("10.0.0.3", "10.0.0.3"),  # only proxies: the leftmost
    ("garbage", "10.0.0.1"),
    ("", "10.0.0.1"),
])
def test_forwarded_for_through_trusted_proxies(forwarded: str, expected: str) -> None:
    """Through trusted proxies the client is the rightmost X-Forwarded-For hop that is
    not itself a trusted proxy ("X-Forwarded-For", MDN: only the proxy's own entry is
    trustworthy)."""
    headers = {"x-forwarded-for": forwarded, "x-forwarded-proto": "https"}
    address = client_address("10.0.0.1", headers, False, ("10.0.0.0/8",))
    assert address.ip == expected
    assert address.secure


# Policy size and form.

def statement(i: int) -> dict[str, Any]:
    return {"Sid": f"S{i}", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bkt/*"}


def test_size_limit_discounts_whitespace() -> None:
    """20 KB counted without whitespace ("Adding a bucket policy by using the Amazon S3
    console", S3 User Guide)."""
    statements: list[dict[str, Any]] = []
    while len(json.dumps({"Statement": statements}, separators=(",", ":"))) \
            <= MAX_POLICY_SIZE:
        statements.append(statement(len(statements)))
    too_big = json.dumps({"Statement": statements}, separators=(",", ":")).encode()
    with pytest.raises(ServiceError) as info:
        check_policy(too_big, "bkt")
    assert info.value.code == "PolicyTooLarge"
    fits = json.dumps({"Statement": statements[:-1]}, indent=8).encode()
    assert len(fits) > MAX_POLICY_SIZE
    assert check_policy(fits, "bkt") == fits.decode()


@pytest.mark.parametrize("body", [b" {}", b"\xef\xbb\xbf{}", b"", b"{\xff}"])
def test_policy_must_be_utf8_json_object(body: bytes) -> None:
    """The first byte must be '{' and the text UTF-8 (S3's MalformedPolicy)."""
    with pytest.raises(ServiceError) as info:
        check_policy(body, "bkt")
    assert info.value.code == "MalformedPolicy"


def test_trusted_proxies_setting() -> None:
    """trusted_proxies comes as a TOML list or a comma-separated KARASHI_TRUSTED_PROXIES;
    each entry must be an address or a CIDR network; the default trusts no one."""
    from karashi.config import Settings, load_settings

    assert Settings().trusted_proxies == ()
    settings = load_settings(None, trusted_proxies="10.0.0.0/8, 192.0.2.1")
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.1")
    with pytest.raises(ValueError, match="CIDR"):
        load_settings(None, trusted_proxies="10.0.0.0/8,proxy.example")
