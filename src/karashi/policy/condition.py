"""The Condition element: operators over context keys, AND'ed together.

AWS: "IAM JSON policy elements: Condition operators", "Condition with multiple context
keys or values" and "Single-valued vs. multivalued context keys". The rules applied here:

- several operators in a block, and several keys under one operator, are AND'ed;
  several values for one key are OR'ed (NOR for a negated operator);
- a key absent from the request makes a condition false, except that a negated operator
  (StringNotEquals, NotIpAddress, ...) is then true; ``...IfExists`` is true when the key
  is absent; ``Null`` tests presence itself;
- ``ForAnyValue:`` is true when at least one request value passes, false when the key is
  absent or empty; ``ForAllValues:`` is true when every request value passes, and also
  when the key is absent or empty;
- without a set qualifier, a multivalued request key passes a positive operator when
  any of its values matches, and a negated operator when none does.

An empty multivalued request value counts as absent. Keys are matched case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .errors import MalformedPolicy
from .operators import OPERATORS, ValueTest
from .variables import Context

Qualifier = Literal["", "ForAllValues", "ForAnyValue"]
_QUALIFIERS: tuple[Qualifier, ...] = ("ForAllValues", "ForAnyValue")
#: Operators whose value may name policy variables (AWS: "Where you can use policy
#: variables" -- string and ARN comparisons).
_VARIABLE_OPERATORS = frozenset(n for n in OPERATORS if n.startswith(("String", "Arn")))


@dataclass(frozen=True, slots=True)
class Condition:
    """One operator applied to one context key, compiled."""

    operator: str          # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str              # e.g. "StringLike", or "Null"
    key: str               # lower-cased context key
    values: tuple[str, ...]
    test: ValueTest | None  # None for Null
    negated: bool
    if_exists: bool
    qualifier: Qualifier
    on_missing: bool       # the result when the key is absent or empty

    def holds(self, context: Context) -> bool:
        """Whether the condition is true for this (lower-cased) request context."""
        raw = context.get(self.key)
        if raw is None or (not isinstance(raw, str) and not raw):
            return self.on_missing
        test = self.test
        if test is None:  # Null with the key present: true only for "false"
            return not self.on_missing
        negated = self.negated
        if isinstance(raw, str):
            return test(raw, context) != negated
        if self.qualifier == "ForAllValues":
            return all(test(v, context) != negated for v in raw)
        if self.qualifier == "ForAnyValue":
            return any(test(v, context) != negated for v in raw)
        return any(test(v, context) for v in raw) != negated


def compile_condition_block(block: object, where: str, variables: bool
                            ) -> tuple[Condition, ...]:
    """Compile a statement's Condition element; raises MalformedPolicy with the place."""
    where = f"{where} Condition"
    if not isinstance(block, Mapping):
        raise MalformedPolicy("must be an object of operators", where=where)
    compiled: list[Condition] = []
    for name, keys in block.items():
        qualifier, base, if_exists = _split_operator(name, where)
        here = f"{where} {name}"
        if not isinstance(keys, Mapping) or not keys:
            raise MalformedPolicy("must be an object of context keys to values", where=here)
        for key, raw_values in keys.items():
            compiled.append(_compile_one(name, qualifier, base, if_exists, key, raw_values,
                                         f"{here} {key!r}", variables))
    return tuple(compiled)


def _split_operator(name: str, where: str) -> tuple[Qualifier, str, bool]:
    """Split ``ForAnyValue:StringLikeIfExists`` into its qualifier, base and IfExists."""
    qualifier: Qualifier = ""
    base = name
    if ":" in name:
        prefix, _, base = name.partition(":")
        if prefix not in _QUALIFIERS:
            raise MalformedPolicy(
                f"unknown set qualifier {prefix!r} (expected ForAllValues or ForAnyValue)",
                where=where)
        qualifier = "ForAllValues" if prefix == "ForAllValues" else "ForAnyValue"
    if_exists = base.endswith("IfExists") and base != "IfExists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base == "Null":
        if if_exists:
            raise MalformedPolicy("Null cannot take IfExists; it already tests presence",
                                  where=where)
        if qualifier:
            raise MalformedPolicy(f"Null cannot take the {qualifier} qualifier", where=where)
    elif base not in OPERATORS:
        known = {n.lower(): n for n in (*OPERATORS, "Null")}
        hint = known.get(base.lower())
        suffix = f" (operator names are case-sensitive: {hint})" if hint else ""
        raise MalformedPolicy(f"unknown condition operator {name!r}{suffix}", where=where)
    return qualifier, base, if_exists


def _compile_one(name: str, qualifier: Qualifier, base: str, if_exists: bool, key: object,
                 raw_values: object, where: str, variables: bool) -> Condition:
    if not isinstance(key, str) or ":" not in key or key.startswith(":"):
        raise MalformedPolicy(
            "a condition key needs a service prefix, as in aws:username", where=where)
    values = _values(raw_values, where)
    if base == "Null":
        flags = set()
        for value in values:
            if value.lower() not in ("true", "false"):
                raise MalformedPolicy(f"Null value {value!r} must be \"true\" or \"false\"",
                                      where=where)
            flags.add(value.lower() == "true")
        # Absent satisfies "true"; present satisfies "false"; both listed -> always true.
        if flags == {True, False}:
            return Condition(name, base, key.lower(), values, lambda v, c: True, False,
                             False, "", True)
        return Condition(name, base, key.lower(), values, None, False, False, "",
                         True in flags)

    builder, negated = OPERATORS[base]
    test = builder(values, where, variables and base in _VARIABLE_OPERATORS)
    if if_exists or qualifier == "ForAllValues":
        on_missing = True
    elif qualifier == "ForAnyValue":
        on_missing = False
    else:
        on_missing = negated
    return Condition(name, base, key.lower(), values, test, negated, if_exists, qualifier,
                     on_missing)


def _values(raw: object, where: str) -> tuple[str, ...]:
    """A condition value as strings: a string, number, boolean, or a non-empty list."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedPolicy("the list of values is empty", where=where)
    values: list[str] = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, (int, float)):
            values.append(repr(item))
        elif isinstance(item, str):
            values.append(item)
        else:
            raise MalformedPolicy(
                f"values must be strings, numbers or booleans, not {type(item).__name__}",
                where=where)
    return tuple(values)
