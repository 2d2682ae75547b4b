"""Deciding a request: the caller's policies, compiled once and cached, then evaluated."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from karashi.identity.caller import Caller
from karashi.identity.policies import documents_for_user
from karashi.policy import Decision, Policy, Principal, evaluate, parse_policy
from karashi.store import Store

CACHE_SIZE = 4096


class Authorizer:
    def __init__(self, store: Store) -> None:
        self._store = store
        # (name, cache key) -> compiled policy; see identity_policies for the keys. The
        # lookups run in worker threads, hence the lock.
        self._compiled: OrderedDict[tuple[str, str], Policy] = OrderedDict()
        self._lock = threading.Lock()

    def _compile(self, name: str, key: str, document: str) -> Policy:
        with self._lock:
            policy = self._compiled.get((name, key))
            if policy is not None:
                self._compiled.move_to_end((name, key))
                return policy
        policy = parse_policy(document, kind="identity", name=name)
        with self._lock:
            self._compiled[(name, key)] = policy
            if len(self._compiled) > CACHE_SIZE:
                self._compiled.popitem(last=False)
        return policy

    def identity_policies(self, caller: Caller) -> list[Policy]:
        """Every identity policy that applies to the caller (none for a root user).

        Managed policies attached to the user or to its groups, and the inline policies
        of the user and of its groups. Each source carries its own cache key: a managed
        policy's version (never rewritten), or an inline policy's owner, name and
        SHA-256, so a replaced inline policy is never served stale.
        """
        if caller.user is None:
            return []
        with self._store.engine.connect() as conn:
            sources = documents_for_user(conn, caller.user.id)
        return [self._compile(s.name, s.key, s.document) for s in sources]

    @staticmethod
    def decide(caller: Caller | None, policies: list[Policy], action: str, resource: str,
               context: Mapping[str, str | Sequence[str]], *,
               bucket_policy: Policy | None = None,
               resource_account: str | None = None) -> Decision:
        """Decide one request: ``caller`` None is an anonymous (unsigned) request.

        ``bucket_policy`` is the resource policy of the bucket the resource is in, and
        ``resource_account`` the account that owns it (None: the caller's own). The
        engine applies AWS's rules for one account and across accounts ("Policy
        evaluation logic", "Cross-account policy evaluation logic").
        """
        if caller is None:
            principal = Principal.anonymous()
        else:
            principal = Principal(arn=caller.arn, account=caller.account_id,
                                  type="root" if caller.is_root else "user",
                                  is_root=caller.is_root)
        if resource_account is None and caller is not None:
            resource_account = caller.account_id
        return evaluate(action=action, resource=resource, context=context,
                        identity_policies=policies, resource_policy=bucket_policy,
                        principal=principal, resource_account=resource_account)
