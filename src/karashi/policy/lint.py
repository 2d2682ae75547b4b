"""Warnings about valid policies that probably do not do what their author meant.

Nothing here changes a decision; `lint` reads a compiled policy and reports. Each check
names the AWS page that explains the trap.
"""

from __future__ import annotations

from dataclasses import dataclass

from .condition import Condition
from .document import Policy, PolicyKind, parse_policy
from .statement import Statement
from .wildcard import compile_glob, has_wildcard

_MFA_KEY = "aws:multifactorauthpresent"


@dataclass(frozen=True, slots=True)
class LintWarning:
    """One finding: a short code, a sentence, and the statement it is about."""

    code: str
    message: str
    statement: int
    sid: str | None

    def __str__(self) -> str:
        sid = f" (Sid {self.sid})" if self.sid else ""
        return f"Statement[{self.statement}]{sid}: {self.code}: {self.message}"


def lint(document: Policy | str, kind: PolicyKind = "identity") -> list[LintWarning]:
    """Warnings for `document` (a parsed Policy, or text parsed as `kind`)."""
    policy = document if isinstance(document, Policy) else parse_policy(document, kind)
    warnings: list[LintWarning] = []
    for statement in policy.statements:
        for code, message in _statement_findings(statement):
            warnings.append(LintWarning(code, message, statement.index, statement.sid))
    for statement in policy.statements:
        shadow = _shadowing_deny(statement, policy.statements)
        if shadow is not None:
            warnings.append(LintWarning(
                "unreachable-statement",
                f"this Allow can never apply: the unconditional Deny in Statement"
                f"[{shadow.index}] covers all of its actions and resources",
                statement.index, statement.sid))
    return warnings


def _statement_findings(statement: Statement) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for condition in statement.conditions:
        if _mfa_bool_trap(statement, condition):
            # AWS: "Amazon EC2: Requires MFA (GetSessionToken) for specific EC2
            # operations" -- long-term keys carry no aws:MultiFactorAuthPresent at all.
            found.append(("mfa-bool", (
                "Bool on aws:MultiFactorAuthPresent: on AWS, requests signed with long-term "
                "access keys have no such key, so this condition does not match them there "
                "(Karashi sets it to \"false\" unless in aws mode); use BoolIfExists to "
                "behave the same on both")))
        if condition.qualifier == "ForAllValues" and statement.allow and not condition.if_exists:
            # AWS: "Single-valued vs. multivalued context keys" -- ForAllValues is true
            # when the key is missing from the request.
            found.append(("forallvalues-allow", (
                f"{condition.operator} on {condition.key} is also true when the request "
                "has no such key, so this Allow applies to requests without it; add a "
                "Null check on the key")))
    if statement.allow and statement.not_action:
        # AWS: "IAM JSON policy elements: NotAction" -- Allow with NotAction grants every
        # other action, including actions of other services and ones added later.
        found.append(("allow-notaction", (
            "Allow with NotAction allows every action not listed, in every service, "
            "including actions added later; list the allowed actions instead")))
    if statement.allow and statement.not_resource:
        found.append(("allow-notresource", (
            "Allow with NotResource allows every resource not listed, including ones "
            "created later; list the allowed resources instead")))
    element = statement.principal
    if (statement.allow and element is not None and element.everyone
            and not statement.not_principal and not statement.conditions):
        # AWS: "AWS JSON policy elements: Principal" -- "*" includes anonymous callers.
        found.append(("public-principal", (
            "Principal \"*\" without a Condition allows everyone, anonymous callers "
            "included")))
    return found


def _mfa_bool_trap(statement: Statement, condition: Condition) -> bool:
    if condition.base != "Bool" or condition.if_exists or condition.key != _MFA_KEY:
        return False
    # An Allow that requires "true" behaves the same whether the key is absent or false.
    return not (statement.allow and all(v.lower() == "true" for v in condition.values))


def _shadowing_deny(allow: Statement, statements: tuple[Statement, ...]) -> Statement | None:
    """An unconditional Deny that certainly covers every request `allow` could match."""
    if not allow.allow:
        return None
    for deny in statements:
        if (deny.allow or deny.conditions or deny.not_action or deny.not_resource
                or not _principal_covered(allow, deny)):
            continue
        if (_patterns_covered(allow.actions.patterns, allow.not_action,
                              deny.actions.patterns, fold=True)
                and _patterns_covered(allow.resources.patterns, allow.not_resource,
                                      deny.resources.patterns, fold=False)):
            return deny
    return None


def _principal_covered(allow: Statement, deny: Statement) -> bool:
    if deny.principal is None:  # identity policy: the same principal throughout
        return True
    if deny.not_principal:
        return False
    return deny.principal.everyone or (not allow.not_principal
                                       and allow.principal == deny.principal)


def _patterns_covered(inner: tuple[str, ...], inner_negated: bool, outer: tuple[str, ...],
                      *, fold: bool) -> bool:
    """Whether every string matched by `inner` is matched by some `outer` pattern.

    Conservative: only certain coverage counts (a "*", the same pattern, a literal the
    outer pattern matches, or a literal prefix the outer prefix pattern extends).
    """
    if "*" in outer:
        return True
    if inner_negated:
        return False
    return all(any(_covers(o, i, fold) for o in outer) for i in inner)


def _covers(outer: str, inner: str, fold: bool) -> bool:
    if fold:
        outer, inner = outer.lower(), inner.lower()
    if outer == inner:
        return True
    if "${" in inner or "${" in outer:
        return False
    if not has_wildcard(inner):
        return compile_glob(outer).match(inner)
    stem = outer[:-1]
    return outer.endswith("*") and not has_wildcard(stem) and inner.startswith(stem)
