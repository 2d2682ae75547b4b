"""The condition operators: how one request value is tested against a policy's values.

AWS: "IAM JSON policy elements: Condition operators". Each builder below compiles the
policy values of one operator once, at parse time, into a test ``(value, context) ->
bool`` that says whether one request value matches ANY of them (several values for one
key are OR'ed -- "Condition with multiple context keys or values"). Negation, IfExists,
missing keys and the set qualifiers are applied around this test in `condition.py`.
Policy values that cannot mean anything for their operator (a Bool of "yes", a number
that is not one) are refused here with MalformedPolicy, because silently never matching
would make a Deny fail open.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from .arn import ArnPattern, split_arn
from .errors import MalformedPolicy
from .variables import Context, Template, parse_template
from .wildcard import Glob, compile_glob, glob_from_pieces

#: Whether one request value matches any of the policy values.
ValueTest = Callable[[str, Context], bool]
#: Compiles the policy values of one operator: (values, where, variables allowed).
Builder = Callable[[Sequence[str], str, bool], ValueTest]

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _templates(values: Sequence[str], where: str, variables: bool
               ) -> tuple[list[str], list[Template]]:
    """Split values into plain ones and ones with policy variables (2012-10-17 only)."""
    plain: list[str] = []
    templates: list[Template] = []
    for value in values:
        template = parse_template(value, where) if variables else None
        if template is None:
            plain.append(value)
        else:
            templates.append(template)
    return plain, templates


# -- String operators --------------------------------------------------------------------

def string_equals(values: Sequence[str], where: str, variables: bool) -> ValueTest:
    """StringEquals: exact, case-sensitive."""
    plain, templates = _templates(values, where, variables)
    exact = frozenset(plain)
    if not templates:
        return lambda v, ctx: v in exact

    def test(v: str, ctx: Context) -> bool:
        return v in exact or any(t.resolve_text(ctx) == v for t in templates)
    return test


def string_equals_ignore_case(values: Sequence[str], where: str, variables: bool
                              ) -> ValueTest:
    """StringEqualsIgnoreCase: exact after case folding."""
    plain, templates = _templates(values, where, variables)
    folded = frozenset(v.casefold() for v in plain)
    if not templates:
        return lambda v, ctx: v.casefold() in folded

    def test(v: str, ctx: Context) -> bool:
        f = v.casefold()
        if f in folded:
            return True
        for t in templates:
            text = t.resolve_text(ctx)
            if text is not None and text.casefold() == f:
                return True
        return False
    return test


def string_like(values: Sequence[str], where: str, variables: bool) -> ValueTest:
    """StringLike: case-sensitive, `*` and `?` wildcards anywhere in the value."""
    plain, templates = _templates(values, where, variables)
    globs: tuple[Glob, ...] = tuple(compile_glob(v) for v in plain)
    exact = frozenset(g.literal for g in globs if g.is_literal)
    wild = tuple(g for g in globs if not g.is_literal)

    def test(v: str, ctx: Context) -> bool:
        if v in exact or any(g.match(v) for g in wild):
            return True
        for t in templates:
            pieces = t.resolve(ctx)
            if pieces is not None and glob_from_pieces(pieces).match(v):
                return True
        return False
    return test


# -- Numeric and date operators ----------------------------------------------------------

def parse_number(text: str) -> float | None:
    """A decimal number (no NaN or infinity), or None."""
    return float(text) if _NUMBER.fullmatch(text.strip()) else None


def parse_date(text: str) -> float | None:
    """Seconds since the epoch for an ISO 8601 date/time or an epoch-seconds value.

    A date/time without a zone is taken as UTC, as AWS's aws:CurrentTime is.
    """
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _comparison(parse: Callable[[str], float | None], compare: Callable[[float, float], bool],
                kind: str) -> Builder:
    """Build a numeric or date operator: the request value `compare`s to a policy value."""

    def build(values: Sequence[str], where: str, variables: bool) -> ValueTest:
        limits: list[float] = []
        for value in values:
            parsed = parse(value)
            if parsed is None:
                raise MalformedPolicy(f"{value!r} is not a valid {kind}", where=where)
            limits.append(parsed)
        bounds = tuple(limits)

        def test(v: str, ctx: Context) -> bool:
            got = parse(v)
            return got is not None and any(compare(got, b) for b in bounds)
        return test
    return build


# -- Bool, Binary, IP address, ARN -------------------------------------------------------

def boolean(values: Sequence[str], where: str, variables: bool) -> ValueTest:
    """Bool: "true" or "false", case-insensitive; anything else is refused.

    Refusing "yes" matters: a Deny whose Bool value could never match would fail open.
    """
    wanted = set()
    for value in values:
        if value.lower() not in ("true", "false"):
            raise MalformedPolicy(
                f"Bool value {value!r} must be \"true\" or \"false\"", where=where)
        wanted.add(value.lower())
    accepted = frozenset(wanted)
    return lambda v, ctx: v.lower() in accepted


def binary(values: Sequence[str], where: str, variables: bool) -> ValueTest:
    """BinaryEquals: the policy value is base64; compared byte for byte.

    The request value is base64 text too (the context holds strings); one that is not
    valid base64 matches nothing.
    """
    decoded: set[bytes] = set()
    for value in values:
        raw = _b64(value)
        if raw is None:
            raise MalformedPolicy(f"BinaryEquals value {value!r} is not base64", where=where)
        decoded.add(raw)
    accepted = frozenset(decoded)

    def test(v: str, ctx: Context) -> bool:
        raw = _b64(v)
        return raw is not None and raw in accepted
    return test


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def ip_address(values: Sequence[str], where: str, variables: bool) -> ValueTest:
    """IpAddress: the request address lies in one of the CIDR blocks (IPv4 or IPv6)."""
    networks: list[IpNetwork] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise MalformedPolicy(
                f"{value!r} is not an IP address or CIDR block", where=where) from None
    blocks = tuple(networks)

    def test(v: str, ctx: Context) -> bool:
        try:
            address = ipaddress.ip_address(v.strip())
        except ValueError:
            return False
        return any(address.version == n.version and address in n for n in blocks)
    return test


def arn(values: Sequence[str], where: str, variables: bool) -> ValueTest:
    """ArnEquals/ArnLike: the six ARN parts matched one by one, with wildcards."""
    patterns: list[ArnPattern] = []
    for value in values:
        template = parse_template(value, where) if variables else None
        if template is None and split_arn(value) is None:
            raise MalformedPolicy(
                f"{value!r} is not an ARN (arn:partition:service:region:account:resource)",
                where=where)
        patterns.append(ArnPattern(value, template))
    compiled = tuple(patterns)
    return lambda v, ctx: any(p.match(v, ctx) for p in compiled)


# -- The table ---------------------------------------------------------------------------

def _numeric(compare: Callable[[float, float], bool]) -> Builder:
    return _comparison(parse_number, compare, "number")


def _date(compare: Callable[[float, float], bool]) -> Builder:
    return _comparison(parse_date, compare, "date (ISO 8601 or epoch seconds)")


#: Base operator name -> (builder, negated). A negated operator is true when the request
#: value matches NONE of the policy values (AWS: "Condition with multiple context keys or
#: values" -- several values of a negated operator act as a logical NOR).
OPERATORS: dict[str, tuple[Builder, bool]] = {
    "StringEquals": (string_equals, False),
    "StringNotEquals": (string_equals, True),
    "StringEqualsIgnoreCase": (string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (string_equals_ignore_case, True),
    "StringLike": (string_like, False),
    "StringNotLike": (string_like, True),
    "NumericEquals": (_numeric(operator.eq), False),
    "NumericNotEquals": (_numeric(operator.eq), True),
    "NumericLessThan": (_numeric(operator.lt), False),
    "NumericLessThanEquals": (_numeric(operator.le), False),
    "NumericGreaterThan": (_numeric(operator.gt), False),
    "NumericGreaterThanEquals": (_numeric(operator.ge), False),
    "DateEquals": (_date(operator.eq), False),
    "DateNotEquals": (_date(operator.eq), True),
    "DateLessThan": (_date(operator.lt), False),
    "DateLessThanEquals": (_date(operator.le), False),
    "DateGreaterThan": (_date(operator.gt), False),
    "DateGreaterThanEquals": (_date(operator.ge), False),
    "Bool": (boolean, False),
    "BinaryEquals": (binary, False),
    "IpAddress": (ip_address, False),
    "NotIpAddress": (ip_address, True),
    "ArnEquals": (arn, False),
    "ArnLike": (arn, False),
    "ArnNotEquals": (arn, True),
    "ArnNotLike": (arn, True),
}
