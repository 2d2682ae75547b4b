"""Deciding a request: the caller's policies, compiled once and cached, then evaluated."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

from karashi.identity.caller import Caller
from karashi.identity.policies import documents_for_user
from karashi.policy import Decision, Policy, Principal, evaluate, parse_policy
from karashi.store import Store

CACHE_SIZE = 4096


class Authorizer:
    def __init__(self, store: Store) -> None:
        self._store = store
        # (policy ARN, version id) -> compiled policy. A version's document never
        # changes once written, so an entry never goes stale.
        self._compiled: OrderedDict[tuple[str, str], Policy] = OrderedDict()

    def _compile(self, arn: str, version: str, document: str) -> Policy:
        key = (arn, version)
        policy = self._compiled.get(key)
        if policy is None:
            policy = parse_policy(document, kind="identity", name=arn)
            self._compiled[key] = policy
            if len(self._compiled) > CACHE_SIZE:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(key)
        return policy

    def identity_policies(self, caller: Caller) -> list[Policy]:
        """Every identity policy that applies to the caller (none for a root user)."""
        if caller.user is None:
            return []
        with self._store.engine.connect() as conn:
            rows = documents_for_user(conn, caller.user.id)
        return [self._compile(arn, version, doc) for arn, version, doc in rows]

    @staticmethod
    def decide(caller: Caller, policies: list[Policy], action: str, resource: str,
               context: Mapping[str, str]) -> Decision:
        principal = Principal(arn=caller.arn, account=caller.account_id,
                              type="root" if caller.is_root else "user",
                              is_root=caller.is_root)
        return evaluate(action=action, resource=resource, context=context,
                        identity_policies=policies, resource_policy=None,
                        principal=principal, resource_account=caller.account_id)
