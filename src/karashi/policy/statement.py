"""One policy statement: Sid, Effect, Action/NotAction, Resource/NotResource, Principal.

AWS: "IAM JSON policy elements: Action", "... NotAction", "... Resource",
"... NotResource", "... Effect" and "... Sid". A statement applies to a request when its
action, resource (and, in a resource policy, principal) match and every condition holds;
its Effect then says Allow or Deny. A failed condition means the statement does not
apply -- it is never a deny by itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .arn import split_arn
from .condition import Condition, compile_condition_block
from .errors import MalformedPolicy
from .principal import PrincipalElement, compile_principal
from .variables import Context, Template, parse_template
from .wildcard import Glob, compile_glob, glob_from_pieces

_ACTION = re.compile(r"[A-Za-z0-9_*?-]+:[A-Za-z0-9_*?-]+")
_SID = re.compile(r"[A-Za-z0-9]*")
STATEMENT_ELEMENTS = frozenset({
    "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
    "Principal", "NotPrincipal", "Condition",
})


class ActionSet:
    """Action or NotAction patterns; matched case-insensitively."""

    __slots__ = ("_all", "_exact", "_globs", "patterns")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.patterns = patterns
        lowered = [p.lower() for p in patterns]
        self._all = "*" in lowered
        globs = [compile_glob(p) for p in lowered]
        self._exact = frozenset(g.literal for g in globs if g.is_literal)
        self._globs = tuple(g for g in globs if not g.is_literal)

    def match(self, action: str) -> bool:
        """Whether the lower-cased `action` matches any pattern."""
        if self._all or action in self._exact:
            return True
        for glob in self._globs:
            if glob.match(action):
                return True
        return False


class ResourceSet:
    """Resource or NotResource patterns; case-sensitive, variables resolved per request."""

    __slots__ = ("_all", "_exact", "_globs", "_templates", "patterns")

    def __init__(self, patterns: tuple[str, ...], templates: tuple[Template, ...],
                 plain: tuple[Glob, ...]) -> None:
        self.patterns = patterns
        self._all = any(g.pattern == "*" for g in plain)
        self._exact = frozenset(g.literal for g in plain if g.is_literal)
        self._globs = tuple(g for g in plain if not g.is_literal)
        self._templates = templates

    def match(self, resource: str, context: Context) -> bool:
        """Whether `resource` matches; a pattern whose variable is unresolved never does."""
        if self._all or resource in self._exact:
            return True
        for glob in self._globs:
            if glob.match(resource):
                return True
        for template in self._templates:
            pieces = template.resolve(context)
            if pieces is not None and glob_from_pieces(pieces).match(resource):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Statement:
    """A compiled statement; ``index`` is its 0-based place in the policy."""

    index: int
    sid: str | None
    allow: bool
    actions: ActionSet
    not_action: bool
    resources: ResourceSet
    not_resource: bool
    principal: PrincipalElement | None
    not_principal: bool
    conditions: tuple[Condition, ...]

    @property
    def effect(self) -> str:
        """"Allow" or "Deny", as written."""
        return "Allow" if self.allow else "Deny"

    def matches_action(self, action: str) -> bool:
        """Whether Action (or NotAction) selects the lower-cased `action`."""
        return self.actions.match(action) != self.not_action

    def applies_to(self, resource: str, context: Context) -> bool:
        """Resource and conditions, for a statement already selected by its action."""
        if self.resources.match(resource, context) == self.not_resource:
            return False
        for condition in self.conditions:
            if not condition.holds(context):
                return False
        return True

    def applies(self, action: str, resource: str, context: Context) -> bool:
        """Action, resource and conditions (the principal is checked by the caller)."""
        return self.matches_action(action) and self.applies_to(resource, context)


def compile_statement(raw: object, index: int, kind: str, variables: bool) -> Statement:
    """Validate and compile one statement object of a policy of `kind`."""
    where = f"Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise MalformedPolicy("must be an object", where=where)
    sid = raw.get("Sid")
    if sid is not None:
        if not isinstance(sid, str):
            raise MalformedPolicy("Sid must be a string", where=where)
        where = f"Statement[{index}] (Sid {sid})"
        # AWS: "IAM JSON policy elements: Sid" -- IAM allows A-Z, a-z, 0-9 only; bucket
        # policies accept any string.
        if kind == "identity" and not _SID.fullmatch(sid):
            raise MalformedPolicy(f"Sid {sid!r} may hold only ASCII letters and digits",
                                  where=where)
    unknown = sorted(set(raw) - STATEMENT_ELEMENTS)
    if unknown:
        raise MalformedPolicy(f"unknown element {unknown[0]!r}", where=where)

    effect = raw.get("Effect")
    if effect is None:
        raise MalformedPolicy("missing Effect", where=where)
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicy(f'Effect must be "Allow" or "Deny", not {effect!r}', where=where)

    action_name = _exactly_one(raw, "Action", "NotAction", where)
    actions = _strings(raw[action_name], f"{where} {action_name}")
    for action in actions:
        _check_action(action, f"{where} {action_name}")

    resource_name = _exactly_one(raw, "Resource", "NotResource", where)
    resources = _strings(raw[resource_name], f"{where} {resource_name}")
    resource_set = _compile_resources(resources, f"{where} {resource_name}", variables)

    principal, not_principal = _compile_principal(raw, kind, where)
    conditions: tuple[Condition, ...] = ()
    if "Condition" in raw:
        conditions = compile_condition_block(raw["Condition"], where, variables)

    return Statement(index, sid, effect == "Allow", ActionSet(actions),
                     action_name == "NotAction", resource_set, resource_name == "NotResource",
                     principal, not_principal, conditions)


def _exactly_one(raw: Mapping[str, object], name: str, negated: str, where: str) -> str:
    if name in raw and negated in raw:
        raise MalformedPolicy(f"has both {name} and {negated}; use one", where=where)
    if name not in raw and negated not in raw:
        raise MalformedPolicy(f"missing {name} (or {negated})", where=where)
    return name if name in raw else negated


def _strings(raw: object, where: str) -> tuple[str, ...]:
    """A string or a non-empty list of non-empty strings."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedPolicy("must not be an empty list", where=where)
    for item in items:
        if not isinstance(item, str) or not item:
            raise MalformedPolicy("must be a string or a list of strings", where=where)
    return tuple(str(item) for item in items)


def _check_action(action: str, where: str) -> None:
    if action == "*" or _ACTION.fullmatch(action):
        return
    if ":" not in action:
        raise MalformedPolicy(
            f"action {action!r} needs a service prefix, as in s3:{action}", where=where)
    raise MalformedPolicy(f"invalid action {action!r} (expected service:Action)", where=where)


def _compile_resources(resources: tuple[str, ...], where: str, variables: bool
                       ) -> ResourceSet:
    templates: list[Template] = []
    plain: list[Glob] = []
    for resource in resources:
        # AWS: "IAM JSON policy elements: Resource" -- an ARN, or "*" for every resource.
        if resource != "*" and split_arn(resource) is None:
            raise MalformedPolicy(
                f"resource {resource!r} must be an ARN (arn:aws:s3:::bucket/key) or \"*\"",
                where=where)
        template = parse_template(resource, where) if variables else None
        if template is None:
            plain.append(compile_glob(resource))
        else:
            templates.append(template)
    return ResourceSet(resources, tuple(templates), tuple(plain))


def _compile_principal(raw: Mapping[str, object], kind: str, where: str
                       ) -> tuple[PrincipalElement | None, bool]:
    present = [n for n in ("Principal", "NotPrincipal") if n in raw]
    if kind == "identity":
        if present:
            # AWS: "AWS JSON policy elements: Principal" -- not allowed in identity policies.
            raise MalformedPolicy(f"{present[0]} is not allowed in an identity policy "
                                  "(the principal is the identity it is attached to)",
                                  where=where)
        return None, False
    if not present:
        raise MalformedPolicy("missing Principal (or NotPrincipal), required in a bucket "
                              "policy", where=where)
    if len(present) == 2:
        raise MalformedPolicy("has both Principal and NotPrincipal; use one", where=where)
    name = present[0]
    return compile_principal(raw[name], f"{where} {name}"), name == "NotPrincipal"
