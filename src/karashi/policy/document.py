"""Policy documents: parse the JSON, validate every element, compile once.

AWS: "IAM JSON policy elements reference" and "IAM JSON policy elements: Version". A
document is an object with ``Version`` (2012-10-17 or 2008-10-17; missing means
2008-10-17, under which policy variables are plain text), an optional ``Id`` and a
``Statement`` that is one statement object or a list of them. Everything that could be
wrong is found here, at parse time, so evaluation never parses or compiles anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import MalformedPolicy
from .statement import Statement, compile_statement

PolicyKind = Literal["identity", "resource"]
VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
_TOP_LEVEL = frozenset({"Version", "Id", "Statement"})
#: Distinct actions remembered per policy before the memo starts afresh. Actions come
#: from the S3/IAM/STS routers' fixed vocabularies, so this is rarely reached.
_ACTION_MEMO = 1024


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed, validated and compiled policy; immutable and safe to share."""

    name: str
    kind: PolicyKind
    source: str        # the original text, exactly as given
    version: str
    id: str | None
    statements: tuple[Statement, ...]
    _by_action: dict[str, tuple[Statement, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def statements_for(self, action: str) -> tuple[Statement, ...]:
        """The statements whose Action/NotAction matches the lower-cased `action`.

        Memoized per action: which statements an action selects never changes, so the
        hot path tests only those statements' resources and conditions.
        """
        found = self._by_action.get(action)
        if found is None:
            if len(self._by_action) >= _ACTION_MEMO:
                self._by_action.clear()
            found = tuple(s for s in self.statements if s.matches_action(action))
            self._by_action[action] = found
        return found


def parse_policy(text: str, kind: PolicyKind = "identity", name: str = "") -> Policy:
    """Parse and compile a policy document of `kind` ("identity" or "resource").

    Raises MalformedPolicy, whose message names the statement and element at fault.
    """
    if kind not in ("identity", "resource"):
        raise ValueError(f"kind must be 'identity' or 'resource', not {kind!r}")
    document = _load_json(text)
    if not isinstance(document, dict):
        raise MalformedPolicy("the policy document must be a JSON object")
    unknown = sorted(set(document) - _TOP_LEVEL)
    if unknown:
        raise MalformedPolicy(f"unknown top-level element {unknown[0]!r}")

    version = document.get("Version", VERSION_2008)
    if version not in (VERSION_2012, VERSION_2008):
        raise MalformedPolicy(
            f"Version must be \"{VERSION_2012}\" or \"{VERSION_2008}\", not {version!r}")
    policy_id = document.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise MalformedPolicy("Id must be a string")

    if "Statement" not in document:
        raise MalformedPolicy("missing Statement")
    raw = document["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedPolicy("Statement must hold at least one statement")

    variables = version == VERSION_2012
    statements = tuple(compile_statement(item, i, kind, variables)
                       for i, item in enumerate(items))
    _check_unique_sids(statements)
    return Policy(name, kind, text, version, policy_id, statements)


def _load_json(text: str) -> Any:
    if not isinstance(text, str):
        raise MalformedPolicy("the policy document must be JSON text")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise MalformedPolicy(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key (two "Effect"s, say) would silently keep only the last one.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise MalformedPolicy(f"duplicate key {key!r} in a JSON object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise MalformedPolicy(f"not valid JSON: {name} is not a JSON value")


def _check_unique_sids(statements: tuple[Statement, ...]) -> None:
    # AWS: "IAM JSON policy elements: Sid" -- the Sid must be unique within a policy.
    seen: dict[str, int] = {}
    for statement in statements:
        if statement.sid is None or statement.sid == "":
            continue
        if statement.sid in seen:
            raise MalformedPolicy(
                f"duplicate Sid {statement.sid!r} (also Statement[{seen[statement.sid]}])",
                where=f"Statement[{statement.index}]")
        seen[statement.sid] = statement.index
