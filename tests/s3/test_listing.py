"""ListObjectsV2 and ListObjects: prefix, delimiter, paging, encoding-type=url."""

from __future__ import annotations

import secrets

import pytest

from conftest import root_client
from server import Server

KEYS = ["a.txt", "b/1", "b/2", "b/c/3", "c/4", "d", "e+f g", "photos/2024/x.jpg",
        "photos/2025/y.jpg", "photos/index.html", "zzz/é"]


@pytest.fixture(scope="module")
def filled(server: Server) -> tuple[object, str]:
    s3 = root_client(server, "s3")
    name = "listing-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=name)
    for key in KEYS:
        s3.put_object(Bucket=name, Key=key, Body=b"x")
    return s3, name


def test_everything_in_key_order(filled) -> None:
    """Without a delimiter every key comes back, in UTF-8 byte order."""
    s3, bucket = filled
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == sorted(KEYS, key=str.encode)


def test_delimiter_rolls_up_common_prefixes(filled) -> None:
    """With '/', keys below a slash roll up into CommonPrefixes."""
    s3, bucket = filled
    page = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in page["Contents"]] == ["a.txt", "d", "e+f g"]
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["b/", "c/", "photos/", "zzz/"]


def test_prefix_and_delimiter(filled) -> None:
    """Prefix narrows the listing; the delimiter applies after the prefix."""
    s3, bucket = filled
    page = s3.list_objects_v2(Bucket=bucket, Prefix="photos/", Delimiter="/")
    assert [o["Key"] for o in page["Contents"]] == ["photos/index.html"]
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["photos/2024/", "photos/2025/"]


@pytest.mark.parametrize("page_size", [1, 2, 3, 5])
@pytest.mark.parametrize("delimiter", ["", "/"])
def test_pages_join_to_the_whole_listing(filled, page_size: int, delimiter: str) -> None:
    """Following continuation tokens page by page gives the same entries, once each."""
    s3, bucket = filled
    whole = s3.list_objects_v2(Bucket=bucket, Delimiter=delimiter)
    expected = [o["Key"] for o in whole.get("Contents", [])] + \
        [p["Prefix"] for p in whole.get("CommonPrefixes", [])]
    seen: list[str] = []
    kwargs = {"Bucket": bucket, "MaxKeys": page_size, "Delimiter": delimiter}
    while True:
        page = s3.list_objects_v2(**kwargs)
        assert page["KeyCount"] <= page_size
        seen += [o["Key"] for o in page.get("Contents", [])]
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            break
        kwargs["ContinuationToken"] = page["NextContinuationToken"]
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen))


def test_paginator_v1(filled) -> None:
    """ListObjects (v1) with markers, through boto3's paginator."""
    s3, bucket = filled
    keys = [o["Key"] for page in s3.get_paginator("list_objects").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 4}) for o in page.get("Contents", [])]
    assert keys == sorted(KEYS, key=str.encode)


def test_start_after(filled) -> None:
    """StartAfter skips keys up to and including it."""
    s3, bucket = filled
    page = s3.list_objects_v2(Bucket=bucket, StartAfter="d")
    assert [o["Key"] for o in page["Contents"]][0] == "e+f g"


def test_max_keys_zero(filled) -> None:
    """MaxKeys=0 returns no entries and is not truncated."""
    s3, bucket = filled
    page = s3.list_objects_v2(Bucket=bucket, MaxKeys=0)
    assert page["KeyCount"] == 0 and "Contents" not in page
