"""Tests for karashi.policy.wildcard: `*` and `?` globs, linear by construction."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from karashi.policy.wildcard import compile_glob, glob_from_pieces


def reference(pattern: str, text: str) -> bool:
    """A regex built from the pattern: `*` -> `.*`, `?` -> `.`, the rest escaped."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("s3:getobject", "s3:getobject", True),
    ("s3:getobject", "s3:getobjects", False),
    ("*", "", True),
    ("*", "anything:at/all", True),
    ("s3:*", "s3:putobject", True),
    ("s3:*", "iam:createuser", False),
    ("*object", "s3:getobject", True),
    ("s3:get*", "s3:put", False),
    ("s3:?etobject", "s3:getobject", True),
    ("s3:?etobject", "s3:etobject", False),
    ("arn:aws:s3:::bucket/*/photo?.jpg", "arn:aws:s3:::bucket/a/b/photo1.jpg", True),
    ("arn:aws:s3:::bucket/*/photo?.jpg", "arn:aws:s3:::bucket/photo1.jpg", False),
    ("a*b*c", "abc", True),
    ("a*b*c", "acb", False),
    ("a*a", "a", False),
    ("??", "ab", True),
    ("??", "abc", False),
    ("*?*", "", False),
])
def test_glob_cases(pattern: str, text: str, expected: bool) -> None:
    """`*` matches any run, `?` one character (AWS: "IAM JSON policy elements: Resource")."""
    assert compile_glob(pattern).match(text) is expected
    assert reference(pattern, text) is expected


@settings(max_examples=500, deadline=None)
@given(pattern=st.text(alphabet="ab*?", max_size=8), text=st.text(alphabet="ab", max_size=10))
def test_glob_agrees_with_regex_reference(pattern: str, text: str) -> None:
    """The two-pointer glob agrees with a regex reference on short strings (AWS: Resource)."""
    assert compile_glob(pattern).match(text) is reference(pattern, text)


@settings(max_examples=200, deadline=None)
@given(pattern=st.text(alphabet="ab?*/", max_size=8), text=st.text(alphabet="ab*?/", max_size=10))
def test_glob_agrees_with_regex_when_text_holds_wildcards(pattern: str, text: str) -> None:
    """Wildcard characters in the matched text are ordinary characters (AWS: Resource)."""
    assert compile_glob(pattern).match(text) is reference(pattern, text)


def test_pathological_pattern_is_linear() -> None:
    """A `*a`x30 pattern against a long non-matching string ends at once: no backtracking.

    Each star-separated segment is placed once, leftmost, so the cost is one scan per
    segment; a backtracking regex would explore exponentially many splits here. No timing
    is asserted -- the guarantee is by construction (AWS: "IAM JSON policy elements:
    Resource" wildcards).
    """
    pattern = "*a" * 30 + "b"
    text = "a" * 100_000
    assert compile_glob(pattern).match(text) is False
    assert compile_glob(pattern).match(text + "b") is True


def test_literal_pieces_keep_wildcards_literal() -> None:
    """Text from `${*}` or a variable matches itself only (AWS: "IAM policy elements:
    Variables and tags")."""
    glob = glob_from_pieces((("arn:aws:s3:::b/", True), ("*", False), ("/*", True)))
    assert glob.match("arn:aws:s3:::b/*/x")
    assert not glob.match("arn:aws:s3:::b/any/x")


def test_literal_question_mark_piece() -> None:
    """A literal `?` from `${?}` is not a wildcard (AWS: "IAM policy elements: Variables and
    tags")."""
    glob = glob_from_pieces((("a", True), ("?", False), ("*", True)))
    assert glob.match("a?zzz")
    assert not glob.match("abzzz")


def test_glob_is_case_sensitive() -> None:
    """Resources match case-sensitively (AWS: "IAM JSON policy elements: Resource")."""
    assert not compile_glob("arn:aws:s3:::Bucket/*").match("arn:aws:s3:::bucket/k")
