"""Policy variables: ``${aws:username}``, ``${s3:prefix, 'default'}`` and the escapes.

AWS: "IAM policy elements: Variables and tags". Variables exist only under Version
2012-10-17 (under 2008-10-17 the same text is literal). They may appear in Resource and
in the values of string and ARN conditions. A variable names any request-context key
(matched case-insensitively); when the key is absent, or multivalued, the variable cannot
be resolved and the value that holds it matches nothing -- unless it carries a default,
``${key, 'text'}``, where ``''`` inside the quotes stands for one quote. ``${*}``,
``${?}`` and ``${$}`` stand for the literal characters, so a resource can name a real
``*``. Substitution is one pass: a substituted value is never re-read as a pattern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import MalformedPolicy
from .wildcard import Piece

#: A request context as the engine reads it: lower-cased keys, `str` or multivalued.
Context = Mapping[str, str | Sequence[str]]

_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Variable:
    """One ``${key}`` or ``${key, 'default'}`` reference; ``key`` is lower-cased."""

    key: str
    default: str | None


#: A template part: wild text (str), literal text (a 1-tuple), or a variable.
Part = str | tuple[str] | Variable


@dataclass(frozen=True, slots=True)
class Template:
    """Text with variables, compiled once at parse time."""

    source: str
    parts: tuple[Part, ...]

    def resolve(self, context: Context) -> tuple[Piece, ...] | None:
        """The pieces with every variable replaced, or None if one cannot be resolved."""
        pieces: list[Piece] = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append((part, True))
            elif isinstance(part, tuple):
                pieces.append((part[0], False))
            else:
                value = context.get(part.key)
                if isinstance(value, str):
                    pieces.append((value, False))
                elif part.default is not None:
                    pieces.append((part.default, False))
                else:
                    return None
        return tuple(pieces)

    def resolve_text(self, context: Context) -> str | None:
        """The substituted text (wildcards kept as characters), or None if unresolvable."""
        pieces = self.resolve(context)
        return None if pieces is None else "".join(text for text, _ in pieces)


def parse_template(text: str, where: str) -> Template | None:
    """Compile `text` if it holds ``${``; None when it is plain text.

    Raises MalformedPolicy for an unclosed ``${``, an empty name or a bad default.
    """
    if "${" not in text:
        return None
    parts: list[Part] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        start = text.find("${", i)
        if start < 0:
            buf.append(text[i:])
            break
        buf.append(text[i:start])
        end = text.find("}", start + 2)
        if end < 0:
            raise MalformedPolicy(f"unclosed policy variable in {text!r}", where=where)
        inner = text[start + 2:end]
        if inner in _ESCAPES:
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append((_ESCAPES[inner],))
        else:
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(_parse_variable(inner, text, where))
        i = end + 1
    if buf and "".join(buf):
        parts.append("".join(buf))
    return Template(text, tuple(p for p in parts if p != ""))


def _parse_variable(inner: str, text: str, where: str) -> Variable:
    """Parse ``key`` or ``key, 'default'`` (spaces around either are ignored)."""
    key, comma, rest = inner.partition(",")
    key = key.strip()
    if not key or any(c in key for c in " '{$"):
        raise MalformedPolicy(f"invalid policy variable ${{{inner}}} in {text!r}", where=where)
    if ":" not in key:
        raise MalformedPolicy(
            f"policy variable ${{{inner}}} in {text!r} needs a service prefix, "
            "as in ${aws:username}", where=where)
    if not comma:
        return Variable(key.lower(), None)
    rest = rest.strip()
    if len(rest) < 2 or rest[0] != "'" or rest[-1] != "'":
        raise MalformedPolicy(
            f"the default of ${{{inner}}} in {text!r} must be in single quotes", where=where)
    body = rest[1:-1]
    if body.replace("''", "").count("'"):
        raise MalformedPolicy(
            f"a quote inside the default of ${{{inner}}} must be doubled ('')", where=where)
    return Variable(key.lower(), body.replace("''", "'"))
