"""Evaluate a request against identity policies and a bucket policy.

AWS: "Policy evaluation logic", "Policy evaluation for requests within a single account"
and "Cross-account policy evaluation logic":

1. An explicit Deny in any applicable statement, identity or resource policy, wins.
2. Same account: an Allow in either the identity policies or the resource policy is
   enough -- but a resource-policy Allow that names the caller only through its account
   (``"AWS": "<account id>"``) delegates to that account's identity policies, so it adds
   nothing by itself.
3. Another account: the caller's identity policies AND the resource policy must allow.
4. Anonymous: only a resource-policy statement naming everyone (``"*"``) can allow.
5. Otherwise the request is implicitly denied.

The root user of an account is not limited by its account's identity policies ("Policy
evaluation logic": every request is implicitly denied "with the exception of the AWS
account root user, which has full access"), but an explicit Deny in a bucket policy
still applies to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .decision import Decision, Effect
from .document import Policy
from .principal import Principal, PrincipalMatch
from .statement import Statement

ContextInput = Mapping[str, str | Sequence[str]]


def evaluate(*, action: str, resource: str, context: ContextInput | None = None,
             identity_policies: Iterable[Policy] = (), resource_policy: Policy | None = None,
             principal: Principal | None = None, resource_account: str | None = None
             ) -> Decision:
    """Decide one request. Pure: compiled policies in, a Decision out.

    `context` keys are matched case-insensitively; values are a string or a sequence of
    strings (multivalued). `principal` None evaluates identity policies alone for a
    same-account caller. `resource_account` None means the caller's own account.
    """
    ctx = normalize_context(context)
    action_lc = action.lower()
    caller = principal if principal is not None else Principal(arn=None, account=None)
    anonymous = caller.is_anonymous
    same_account = not anonymous and (resource_account is None
                                       or resource_account == caller.account)

    # Identity policies: none for anonymous callers; none that bind an account's root.
    identity_allow: tuple[Policy, Statement] | None = None
    if not anonymous and not caller.is_root:
        for policy in identity_policies:
            if policy.kind != "identity":
                raise ValueError(f"{policy.name or 'policy'} is a {policy.kind} policy, "
                                 "not an identity policy")
            for statement in policy.statements_for(action_lc):
                if not statement.applies_to(resource, ctx):
                    continue
                if not statement.allow:
                    return _decided(Effect.EXPLICIT_DENY, policy, statement)
                if identity_allow is None:
                    identity_allow = (policy, statement)

    # The resource policy: the statement must also name the caller.
    direct_allow: Statement | None = None
    account_allow: Statement | None = None
    if resource_policy is not None:
        if resource_policy.kind != "resource":
            raise ValueError(f"{resource_policy.name or 'policy'} is an identity policy, "
                             "not a resource policy")
        for statement in resource_policy.statements_for(action_lc):
            match = _principal_match(statement, caller)
            if match is PrincipalMatch.NONE or not statement.applies_to(resource, ctx):
                continue
            if not statement.allow:
                return _decided(Effect.EXPLICIT_DENY, resource_policy, statement)
            if match is PrincipalMatch.DIRECT and direct_allow is None:
                direct_allow = statement
            elif match is PrincipalMatch.ACCOUNT and account_allow is None:
                account_allow = statement

    identity_allows = caller.is_root or identity_allow is not None
    if same_account:
        if identity_allow is not None:
            return _decided(Effect.ALLOW, identity_allow[0], identity_allow[1])
        if direct_allow is not None and resource_policy is not None:
            return _decided(Effect.ALLOW, resource_policy, direct_allow)
        if caller.is_root:
            return Decision(Effect.ALLOW, reason=f"root user of account {caller.account}")
        return Decision(Effect.IMPLICIT_DENY,
                        reason=f"no statement allows {action} on {resource}")

    if anonymous:
        if direct_allow is not None and resource_policy is not None:
            return _decided(Effect.ALLOW, resource_policy, direct_allow)
        return Decision(Effect.IMPLICIT_DENY, reason=f"anonymous request: no bucket policy "
                        f"statement allows {action} on {resource} to everyone")

    granting = direct_allow or account_allow
    if identity_allows and granting is not None and resource_policy is not None:
        return _decided(Effect.ALLOW, resource_policy, granting)
    if not identity_allows:
        reason = (f"cross-account request: the caller's identity policies do not allow "
                  f"{action} on {resource}")
    else:
        reason = (f"cross-account request: the bucket policy of account {resource_account} "
                  f"does not allow {action} on {resource} to {caller.arn}")
    return Decision(Effect.IMPLICIT_DENY, reason=reason)


def normalize_context(context: ContextInput | None) -> dict[str, str | Sequence[str]]:
    """Lower-case the keys; check that each value is a string or a sequence of strings."""
    if not context:
        return {}
    normalized = {key.lower(): value for key, value in context.items()}
    for key, value in normalized.items():
        if type(value) is not str and not isinstance(value, (str, list, tuple)):
            raise TypeError(f"context value for {key!r} must be a string or a sequence of "
                            f"strings, not {type(value).__name__}")
    return normalized


def _principal_match(statement: Statement, caller: Principal) -> PrincipalMatch:
    element = statement.principal
    if element is None:  # only identity statements lack it; parse_policy ensures that
        return PrincipalMatch.NONE
    if statement.not_principal:
        # AWS: "AWS JSON policy elements: NotPrincipal" -- everyone not listed.
        return PrincipalMatch.NONE if element.excludes(caller) else PrincipalMatch.DIRECT
    return element.match(caller)


def _decided(effect: Effect, policy: Policy, statement: Statement) -> Decision:
    return Decision(effect, policy.name, statement.index, statement.sid)
