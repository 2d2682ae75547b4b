"""Amazon Resource Names: split into their six parts and matched part by part.

AWS: "IAM identifiers" (ARN format ``arn:partition:service:region:account:resource``)
and "IAM JSON policy elements: Condition operators" (ARN condition operators): ArnEquals
and ArnLike behave alike -- each of the six colon-separated parts is matched on its own,
case-sensitively, and each may hold `*` and `?`. The resource part keeps any further
colons, so ``arn:aws:s3:::bucket/a:b`` has ``bucket/a:b`` as its resource.
"""

from __future__ import annotations

import re

from .variables import Context, Template
from .wildcard import Glob, Piece, compile_glob, glob_from_pieces

ARN_PARTS = 6
_ACCOUNT_ID = re.compile(r"[0-9]{12}")


def split_arn(text: str) -> tuple[str, ...] | None:
    """The six parts of an ARN, or None when `text` is not shaped like one."""
    parts = text.split(":", ARN_PARTS - 1)
    if len(parts) != ARN_PARTS or parts[0] != "arn":
        return None
    return tuple(parts)


def is_account_id(text: str) -> bool:
    """Whether `text` is a 12-digit account id."""
    return _ACCOUNT_ID.fullmatch(text) is not None


def root_arn(account: str) -> str:
    """The ARN of an account's root user, ``arn:aws:iam::<account>:root``."""
    return f"arn:aws:iam::{account}:root"


def account_of_root_arn(text: str) -> str | None:
    """The account id when `text` is a root-user ARN, else None."""
    parts = split_arn(text)
    if parts and parts[2] == "iam" and parts[5] == "root" and is_account_id(parts[4]):
        return parts[4]
    return None


class ArnPattern:
    """One ArnEquals/ArnLike value, matched part by part against a request ARN."""

    __slots__ = ("_parts", "_template", "source")

    def __init__(self, source: str, template: Template | None) -> None:
        self.source = source
        self._template = template
        self._parts: tuple[Glob, ...] | None = None
        if template is None:
            parts = split_arn(source)
            if parts is not None:
                self._parts = tuple(compile_glob(p) for p in parts)

    def match(self, value: str, context: Context) -> bool:
        """Whether the request ARN `value` matches; an unresolvable variable never does."""
        parts = self._parts
        if parts is None:
            if self._template is None:
                return False
            pieces = self._template.resolve(context)
            if pieces is None:
                return False
            parts = _split_pieces(pieces)
            if parts is None:
                return False
        values = split_arn(value)
        if values is None:
            return False
        return all(glob.match(v) for glob, v in zip(parts, values, strict=True))


def _split_pieces(pieces: tuple[Piece, ...]) -> tuple[Glob, ...] | None:
    """Split resolved pieces at the first five colons into six part patterns."""
    parts: list[list[Piece]] = [[]]
    for text, wild in pieces:
        chunks = text.split(":")
        for n, chunk in enumerate(chunks):
            if n and len(parts) < ARN_PARTS:
                parts.append([])
            elif n:
                parts[-1].append((":", False))
            if chunk:
                parts[-1].append((chunk, wild))
    if len(parts) != ARN_PARTS:
        return None
    first = "".join(text for text, _ in parts[0])
    if first != "arn":
        return None
    return tuple(glob_from_pieces(tuple(p)) for p in parts)
