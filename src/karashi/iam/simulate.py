"""IAM handlers: SimulatePrincipalPolicy and SimulateCustomPolicy.

AWS IAM API Reference: "SimulatePrincipalPolicy", "SimulateCustomPolicy", "ContextEntry"
and "EvaluationResult". Neither performs anything: each action of ActionNames is decided
by the policy engine on each resource of ResourceArns ("*" when none is given). The
simulated request carries only the keys of ContextEntries -- no time, address or MFA of
its own -- so the same policies and keys give the same decision as
``karashi policy simulate``.

Deliberate differences from AWS:

- MatchedStatements holds the statement that decided: the Deny that won, or the first
  Allow that applied. AWS lists every Allow that applied.
- Permission boundaries, organization policies and PolicyExclusionList are refused with
  InvalidInput: Karashi has none of them, and ignoring them would misstate a decision.
  ResourceHandlingOption only selects EC2 scenarios and is ignored.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from karashi.http import xml
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction, any_resource
from karashi.identity import users
from karashi.identity.authorizer import Authorizer
from karashi.identity.caller import Caller
from karashi.identity.errors import InvalidInput, NoSuchEntity
from karashi.policy import (
    Decision, Effect, MalformedPolicy, Policy, PolicyKind, Principal, evaluate, parse_policy,
)
from karashi.policy.operators import parse_date, parse_number

#: AWS's spelling of the three decisions ("EvaluationResult": EvalDecision).
EVAL_DECISIONS = {
    Effect.ALLOW: "allowed",
    Effect.EXPLICIT_DENY: "explicitDeny",
    Effect.IMPLICIT_DENY: "implicitDeny",
}
#: "ContextEntry": ContextKeyType. Each ``...List`` type takes any number of values.
CONTEXT_KEY_TYPES = ("string", "numeric", "boolean", "ip", "binary", "date")
_ACTION_NAME = re.compile(r"[A-Za-z0-9_-]+:[A-Za-z0-9_-]+")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_USER_ARN = re.compile(r"arn:aws:iam::([0-9]{12}):user/(?:[^/]+/)*([^/]+)")
_INLINE_NAME = re.compile(r"arn:aws:iam::[0-9]{12}:(user|group|role)/\S* \(inline policy (.+)\)")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_UNSUPPORTED = ("PermissionsBoundaryPolicyInputList", "PolicyExclusionList",
                "OrderedOrganizationPolicyInputList")

#: One matched statement's source: (SourcePolicyId, SourcePolicyType).
Source = tuple[str, str]
ContextValues = dict[str, str | list[str]]


def simulate_custom_policy(call: IamCall) -> list[xml.Node]:
    """Decide the actions under the given identity policies (and resource policy)."""
    policies = _input_policies(call)
    if not policies:
        call.require("PolicyInputList")
    sources = {p.name: (p.name, "none") for p in policies}
    caller_arn = call.get("CallerArn")
    # Without CallerArn the caller is an unnamed user of the calling account.
    principal = (_user_principal(caller_arn, "CallerArn") if caller_arn
                 else Principal(arn=None, account=call.account, type="user"))
    return _simulate(call, policies, sources, principal)


def simulate_principal_policy(call: IamCall) -> list[xml.Node]:
    """Decide the actions under a user's policies, plus any in PolicyInputList."""
    source_arn = call.require("PolicySourceArn")
    user = _source_user(call, source_arn)
    # The Authorizer collects what applies to a caller; the simulated user holds no key.
    stored = Authorizer(call.store).identity_policies(Caller(call.account, user, "", ""))
    extra = _input_policies(call)
    sources = {p.name: _stored_source(p.name) for p in stored}
    sources.update({p.name: (p.name, "none") for p in extra})
    caller_arn = call.get("CallerArn")
    principal = (_user_principal(caller_arn, "CallerArn") if caller_arn
                 else Principal(arn=user.arn, account=call.account, type="user"))
    return _simulate(call, [*stored, *extra], sources, principal)


def _simulate(call: IamCall, policies: list[Policy], sources: dict[str, Source],
              principal: Principal) -> list[xml.Node]:
    for name in _UNSUPPORTED:
        if any(key == name or key.startswith(f"{name}.") for key in call.params):
            raise InvalidInput(f"Karashi does not simulate {name}: it has no such policies.")
    actions = members(call.params, "ActionNames")
    if not actions:
        call.require("ActionNames")
    for action in actions:
        if not _ACTION_NAME.fullmatch(action):
            raise InvalidInput(f"Action name {action!r} must be service:Action, without "
                               "wildcards, as in s3:PutObject.")
    listed = members(call.params, "ResourceArns")
    resources = listed or ["*"]

    resource_policy = None
    if call.get("ResourcePolicy"):
        if principal.arn is None:
            raise InvalidInput("CallerArn is required when ResourcePolicy is given, so that "
                               "its Principal element has a caller to match.")
        resource_policy = _parse(call.require("ResourcePolicy"), "resource", "ResourcePolicy")
        sources[resource_policy.name] = (resource_policy.name, "resource")
    owner = call.get("ResourceOwner")
    resource_account = _owner_account(owner) if owner else None
    context = context_entries(call.params)

    everything = [*policies, *([resource_policy] if resource_policy else [])]
    by_name = {p.name: p for p in everything}
    results: list[list[xml.Node]] = []
    for action in actions:
        missing = missing_context_keys(everything, action, context)
        for resource in resources:
            decision = evaluate(action=action, resource=resource, context=context,
                                identity_policies=policies, resource_policy=resource_policy,
                                principal=principal, resource_account=resource_account)
            matched = _matched(decision, by_name, sources)
            results.append(_result(action, resource, decision, matched, missing,
                                   specific=bool(listed)))
    chosen, paging = page(call, results)
    return [("EvaluationResults", [("member", r) for r in chosen]), *paging]


def _result(action: str, resource: str, decision: Decision, matched: list[xml.Node],
            missing: list[str], specific: bool) -> list[xml.Node]:
    outcome = EVAL_DECISIONS[decision.effect]
    missing_nodes: list[xml.Node] = [("member", key) for key in missing]
    nodes: list[xml.Node] = [
        ("EvalActionName", action), ("EvalResourceName", resource),
        ("EvalDecision", outcome), ("MatchedStatements", matched),
        ("MissingContextValues", missing_nodes)]
    if specific:
        # AWS repeats the result per listed resource ("ResourceSpecificResult").
        nodes.append(("ResourceSpecificResults", [("member", [
            ("EvalResourceName", resource), ("EvalResourceDecision", outcome),
            ("MatchedStatements", matched), ("MissingContextValues", missing_nodes)])]))
    return nodes


def _matched(decision: Decision, by_name: Mapping[str, Policy],
             sources: Mapping[str, Source]) -> list[xml.Node]:
    if decision.policy is None or decision.statement is None:
        return []
    policy_id, policy_type = sources.get(decision.policy, (decision.policy, "none"))
    node: list[xml.Node] = [("SourcePolicyId", policy_id), ("SourcePolicyType", policy_type)]
    policy = by_name.get(decision.policy)
    spans = statement_positions(policy.source) if policy is not None else []
    if decision.statement < len(spans):
        (line, column), (end_line, end_column) = spans[decision.statement]
        node += [("StartPosition", [("Line", line), ("Column", column)]),
                 ("EndPosition", [("Line", end_line), ("Column", end_column)])]
    return [("member", node)]


# -- Reading the request ------------------------------------------------------------------

def members(params: Mapping[str, str], prefix: str) -> list[str]:
    """The values of ``prefix.member.N`` in the order of N (the query protocol's lists).

    An empty list arrives as ``prefix=`` with no members.
    """
    pattern = re.compile(re.escape(prefix) + r"\.member\.([0-9]+)")
    numbered = sorted((int(m.group(1)), value) for key, value in params.items()
                      if (m := pattern.fullmatch(key)))
    return [value for _, value in numbered]


def context_entries(params: Mapping[str, str]) -> ContextValues:
    """ContextEntries.member.N as an engine context: one string, or a list for ``...List``.

    AWS: "ContextEntry". Values are checked against ContextKeyType (default "string") so
    that a typo becomes InvalidInput rather than a key that silently never matches.
    """
    entry = re.compile(r"ContextEntries\.member\.([0-9]+)\.")
    numbers = sorted({int(m.group(1)) for key in params if (m := entry.match(key))})
    context: ContextValues = {}
    seen: set[str] = set()
    for n in numbers:
        where = f"ContextEntries.member.{n}"
        name = params.get(f"{where}.ContextKeyName") or ""
        if ":" not in name or name.startswith(":"):
            raise InvalidInput(f"{where}.ContextKeyName {name!r} must name a context key "
                               "with its service prefix, as in aws:MultiFactorAuthPresent.")
        if name.lower() in seen:
            raise InvalidInput(f"{where}: context key {name} is given more than once.")
        seen.add(name.lower())
        kind = params.get(f"{where}.ContextKeyType") or "string"
        values = members(params, f"{where}.ContextKeyValues")
        context[name] = _typed(kind, values, f"{where} ({name})")
    return context


def _typed(kind: str, values: Sequence[str], where: str) -> str | list[str]:
    base = kind.removesuffix("List")
    if base not in CONTEXT_KEY_TYPES:
        allowed = ", ".join(t for b in CONTEXT_KEY_TYPES for t in (b, f"{b}List"))
        raise InvalidInput(f"{where}: ContextKeyType {kind!r} must be one of {allowed}.")
    checked = [_checked(base, value, where) for value in values]
    if kind.endswith("List"):
        return checked
    if len(checked) != 1:
        raise InvalidInput(f"{where}: a {kind} key takes exactly one value, not "
                           f"{len(checked)}; use {kind}List for several.")
    return checked[0]


def _checked(base: str, value: str, where: str) -> str:
    valid = True
    if base == "boolean":
        valid = value.lower() in ("true", "false")
        value = value.lower()
    elif base == "numeric":
        valid = parse_number(value) is not None
    elif base == "date":
        valid = parse_date(value) is not None
    elif base == "ip":
        try:
            ipaddress.ip_address(value.strip())
        except ValueError:
            valid = False
    elif base == "binary":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            valid = False
    if not valid:
        raise InvalidInput(f"{where}: {value!r} is not a valid {base} value.")
    return value


def _input_policies(call: IamCall) -> list[Policy]:
    """PolicyInputList, each document named by its place: ``PolicyInputList.1``, ..."""
    documents = members(call.params, "PolicyInputList")
    if len(documents) > 1 and all(len(text) <= 1 for text in documents):
        # AWS CLI v1 iterates a file:// value of a string list character by character.
        raise InvalidInput("PolicyInputList arrived one character per document: with the "
                           "AWS CLI, pass the policy text itself (\"$(cat policy.json)\") or "
                           "a file:// holding a JSON list of policy documents as strings.")
    return [_parse(text, "identity", f"PolicyInputList.{n}")
            for n, text in enumerate(documents, 1)]


def _parse(text: str, kind: PolicyKind, name: str) -> Policy:
    try:
        return parse_policy(text, kind=kind, name=name)
    except MalformedPolicy as exc:
        raise InvalidInput(f"{name}: {exc}") from None


def _user_principal(arn: str, field: str) -> Principal:
    match = _USER_ARN.fullmatch(arn)
    if match is None:
        raise InvalidInput(f"{field} {arn!r} must be the ARN of an IAM user, as in "
                           "arn:aws:iam::123456789012:user/alice.")
    return Principal(arn=arn, account=match.group(1), type="user")


def _source_user(call: IamCall, arn: str) -> users.User:
    match = _USER_ARN.fullmatch(arn)
    if match is None:
        raise InvalidInput(f"PolicySourceArn {arn!r} must be the ARN of an IAM user; "
                           "Karashi simulates the policies of users.")
    account, name = match.groups()
    if account != call.account:
        raise InvalidInput(f"PolicySourceArn {arn} is not in account {call.account}.")
    user = users.get_user(call.store, account, name)
    if user.arn != arn:  # the same name under another path is another user
        raise NoSuchEntity(f"The user with ARN {arn} cannot be found.")
    return user


def _stored_source(name: str) -> Source:
    """SourcePolicyId and SourcePolicyType of a policy the Authorizer returned.

    Managed policies are named by ARN, inline ones "<owner ARN> (inline policy <name>)";
    AWS names both by the policy's name and tells them apart by the type.
    """
    inline = _INLINE_NAME.fullmatch(name)
    if inline is not None:
        return inline.group(2), inline.group(1)
    parts = name.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[5].startswith("policy/"):
        kind = "aws-managed" if parts[4] == "aws" else "user-managed"
        return parts[5].rsplit("/", 1)[-1], kind
    return name, "none"


def _owner_account(owner: str) -> str:
    if _ACCOUNT_ID.fullmatch(owner):
        return owner
    match = re.fullmatch(r"arn:aws:iam::([0-9]{12}):root", owner)
    if match is None:
        raise InvalidInput(f"ResourceOwner {owner!r} must be an account id or "
                           "arn:aws:iam::<account>:root.")
    return match.group(1)


# -- Explaining the result ----------------------------------------------------------------

def missing_context_keys(policies: Iterable[Policy], action: str,
                         context: Mapping[str, object]) -> list[str]:
    """Context keys that statements selecting `action` read but the request lacks.

    Keys are named as the policy spells them; policy variables with a default are not
    needed. AWS: "EvaluationResult", MissingContextValues.
    """
    present = {key.lower() for key in context}
    missing: dict[str, str] = {}
    for policy in policies:
        selected = {s.index for s in policy.statements_for(action.lower())}
        variables = policy.version == "2012-10-17"
        for index, raw in enumerate(_raw_statements(policy.source)):
            if index not in selected:
                continue
            for key in _keys_read(raw, variables):
                if key.lower() not in present:
                    missing.setdefault(key.lower(), key)
    return list(missing.values())


def _raw_statements(source: str) -> list[Any]:
    statements = json.loads(source).get("Statement")
    return statements if isinstance(statements, list) else [statements]


def _keys_read(statement: Mapping[str, Any], variables: bool) -> list[str]:
    keys: list[str] = []
    texts: list[str] = []
    for element in ("Resource", "NotResource"):
        value = statement.get(element)
        texts += value if isinstance(value, list) else [value] if value else []
    for block in (statement.get("Condition") or {}).values():
        for key, values in block.items():
            keys.append(key)
            texts += [v for v in (values if isinstance(values, list) else [values])
                      if isinstance(v, str)]
    if variables:
        for text in texts:
            for inner in _VARIABLE.findall(text):
                name, comma, _ = inner.partition(",")
                if not comma and name.strip() not in ("*", "?", "$"):
                    keys.append(name.strip())
    return keys


Position = tuple[int, int]


def statement_positions(source: str) -> list[tuple[Position, Position]]:
    """Where each statement of a policy text starts and ends, as (line, column) pairs.

    Both are 1-based and point at the statement's opening and closing brace. Empty when
    the text is not shaped as parse_policy requires (it has validated it already).
    """
    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    try:
        i = _skip(source, 0)
        if source[i] != "{":
            return []
        i += 1
        while True:
            i = _skip(source, i)
            if source[i] == "}":
                break
            key, i = decoder.raw_decode(source, i)
            i = _skip(source, _skip(source, i) + 1)  # past the colon
            if key == "Statement" and source[i] == "[":
                i += 1
                while source[_skip(source, i)] != "]":
                    start = _skip(source, i)
                    _, end = decoder.raw_decode(source, start)
                    spans.append((start, end - 1))
                    i = _skip(source, end)
                    if source[i] == ",":
                        i += 1
                i = _skip(source, i) + 1
            else:
                start = i
                _, i = decoder.raw_decode(source, i)
                if key == "Statement":
                    spans.append((start, i - 1))
            i = _skip(source, i)
            if source[i] == ",":
                i += 1
    except (ValueError, IndexError):
        return []
    return [(_line_column(source, a), _line_column(source, b)) for a, b in spans]


def _skip(text: str, i: int) -> int:
    while text[i] in " \t\r\n":
        i += 1
    return i


def _line_column(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _source_arn(call: IamCall) -> str:
    return call.get("PolicySourceArn") or "*"


ACTIONS = {
    "SimulatePrincipalPolicy": IamAction(simulate_principal_policy, _source_arn),
    "SimulateCustomPolicy": IamAction(simulate_custom_policy, any_resource),
}
