"""Glob matching for `*` and `?` in actions, resources and StringLike values.

AWS: "IAM JSON policy elements: Action" and "... Resource" -- `*` matches any run of
characters (including none) and `?` exactly one character; actions compare
case-insensitively, resources case-sensitively.

The matcher never backtracks. A pattern is split at its stars into segments; the first
segment must sit at the start of the string, the last at its end, and each middle segment
is placed at its leftmost occurrence after the previous one. Leftmost placement is always
safe for a star-separated glob, so a match costs at most one scan per segment (str.find
in C for the common segments without `?`), and a pattern such as ``"*a" * 30`` against a
long string is linear in the string, not exponential as a backtracking regex would be.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

#: A piece of a pattern: (text, wild). Wild text gives `*` and `?` their meaning; literal
#: text (from variables and the escapes ``${*}``, ``${?}``) matches itself only.
Piece = tuple[str, bool]


class _Segment:
    """A star-free run of a pattern: literal characters and `?` positions."""

    __slots__ = ("plain", "runs", "size", "text")

    def __init__(self, chars: str | list[str | None]) -> None:
        self.size = len(chars)
        if isinstance(chars, str):  # no `?`: one literal run
            self.runs: tuple[tuple[int, str], ...] = ((0, chars),) if chars else ()
            self.plain = True
            self.text = chars
            return
        # Runs of literal characters as (offset, text); None stands for `?`.
        runs: list[tuple[int, str]] = []
        start = 0
        while start < self.size:
            if chars[start] is None:
                start += 1
                continue
            end = start
            while end < self.size and chars[end] is not None:
                end += 1
            runs.append((start, "".join(c for c in chars[start:end] if c is not None)))
            start = end
        self.runs = tuple(runs)
        self.plain = len(runs) == 1 and runs[0][0] == 0 and len(runs[0][1]) == self.size
        self.text = runs[0][1] if self.plain else ""

    def at(self, s: str, i: int) -> bool:
        """Whether the segment matches `s` starting exactly at `i`."""
        if i < 0 or i + self.size > len(s):
            return False
        if self.plain:
            return s.startswith(self.text, i)
        return all(s.startswith(run, i + off) for off, run in self.runs)

    def find(self, s: str, start: int, end: int) -> int:
        """Leftmost `i >= start` where the segment matches within ``s[:end]``, or -1."""
        if self.plain:
            return s.find(self.text, start, end)
        if not self.runs:  # only `?`: any position with room
            return start if start + self.size <= end else -1
        off0, run0 = self.runs[0]
        i = start
        while i + self.size <= end:
            j = s.find(run0, i + off0, end)
            if j < 0:
                return -1
            i = j - off0
            if i + self.size <= end and self.at(s, i):
                return i
            i += 1
        return -1


class Glob:
    """A compiled wildcard pattern; ``match(s)`` tests the whole string."""

    __slots__ = ("_kind", "_min_len", "_segments", "_text", "pattern")

    def __init__(self, pattern: str, pieces: Iterable[Piece]) -> None:
        self.pattern = pattern
        parts = tuple(pieces)
        if len(parts) == 1 and parts[0][1]:
            # One wild piece (every pattern without variables): split with C string ops.
            texts = parts[0][0].split("*")
            segments = [_chars(t) for t in texts]
            stars = len(texts) - 1
        else:
            segments, stars = _split_pieces(parts)
        self._segments = tuple(_Segment(c) for c in segments)
        self._min_len = sum(seg.size for seg in self._segments)
        self._text = ""
        # Fast paths for the shapes almost every policy uses.
        first, last = self._segments[0], self._segments[-1]
        if stars == 0 and first.plain:
            self._kind, self._text = "exact", first.text
        elif stars == 0:
            self._kind = "single"
        elif stars == 1 and first.size == 0 and last.size == 0:
            self._kind = "any"
        elif stars == 1 and last.size == 0 and first.plain:
            self._kind, self._text = "prefix", first.text
        elif stars == 1 and first.size == 0 and last.plain:
            self._kind, self._text = "suffix", last.text
        else:
            self._kind = "general"

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"

    @property
    def is_literal(self) -> bool:
        """True when the pattern has no wildcard at all."""
        return self._kind == "exact"

    @property
    def literal(self) -> str:
        """The text of an exact pattern (meaningful only when ``is_literal``)."""
        return self._text

    def match(self, s: str) -> bool:
        """Whether `s` matches the whole pattern."""
        kind = self._kind
        if kind == "exact":
            return s == self._text
        if kind == "any":
            return True
        if kind == "prefix":
            return s.startswith(self._text)
        if kind == "suffix":
            return s.endswith(self._text)
        if len(s) < self._min_len:
            return False
        segments = self._segments
        if kind == "single":
            return len(s) == segments[0].size and segments[0].at(s, 0)
        first, last = segments[0], segments[-1]
        end = len(s) - last.size
        if not first.at(s, 0) or not last.at(s, end):
            return False
        pos = first.size
        for seg in segments[1:-1]:
            found = seg.find(s, pos, end)
            if found < 0:
                return False
            pos = found + seg.size
        return True


def _chars(text: str) -> str | list[str | None]:
    """A star-free wild text: itself without `?`, else characters with None for `?`."""
    if "?" not in text:
        return text
    return [None if c == "?" else c for c in text]


def _split_pieces(pieces: tuple[Piece, ...]
                  ) -> tuple[list[str | list[str | None]], int]:
    """Split wild and literal pieces at the wild stars; returns (segments, star count)."""
    chars: list[str | None] = []
    segments: list[str | list[str | None]] = []
    for text, wild in pieces:
        for ch in text:
            if wild and ch == "*":
                segments.append(chars)
                chars = []
            elif wild and ch == "?":
                chars.append(None)
            else:
                chars.append(ch)
    segments.append(chars)
    return segments, len(segments) - 1


def compile_glob(pattern: str) -> Glob:
    """Compile a pattern in which every `*` and `?` is a wildcard."""
    return Glob(pattern, ((pattern, True),))


@lru_cache(maxsize=4096)
def glob_from_pieces(pieces: tuple[Piece, ...]) -> Glob:
    """Compile a pattern assembled from wild and literal pieces (after substitution).

    Cached: the same resolved pattern (one user's home prefix, say) recurs on every
    request, and a compiled Glob is immutable.
    """
    return Glob("".join(text for text, _ in pieces), pieces)


def has_wildcard(text: str) -> bool:
    """Whether `text` contains `*` or `?`."""
    return "*" in text or "?" in text
