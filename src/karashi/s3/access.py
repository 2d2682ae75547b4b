"""Deciding an S3 request: the caller's identity policies and the bucket's policy.

AWS: "How Amazon S3 authorizes a request" (S3 User Guide) with "Policy evaluation
logic" and "Cross-account policy evaluation logic" (IAM User Guide). The engine applies
the rules; this module hands it the right policies:

- the caller's identity policies (none for an anonymous caller or a root user);
- the policy of the bucket that holds the resource, compiled once per text;
- the account that owns that bucket, so that access from another account needs both
  sides to allow.

Objects belong to the bucket's owner (S3's "bucket owner enforced" setting: Karashi has
no ACLs), so an object operation has no third, object-owner context.

The bucket owner's root user may always read, replace and delete the bucket's policy,
whatever the policy says ("PutBucketPolicy", S3 API Reference: so that an owner cannot
lock itself out); every other action of that root user is subject to an explicit Deny
in the bucket policy.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from karashi.audit import AuditEvent
from karashi.identity.authorizer import Authorizer
from karashi.identity.caller import Caller
from karashi.policy import Decision, Effect, MalformedPolicy, Policy, parse_policy
from karashi.s3.operations import POLICY_OPERATIONS
from karashi.store.objects import Bucket

logger = logging.getLogger(__name__)

CACHE_SIZE = 1024
_POLICY_ACTIONS = frozenset(f"s3:{name}".lower() for name in POLICY_OPERATIONS)

Context = Mapping[str, str | Sequence[str]]


def policy_name(bucket: str) -> str:
    """How a bucket policy is named in decisions and in the audit log."""
    return f"bucket policy of {bucket}"


class BucketPolicyCache:
    """Compiled bucket policies keyed by (bucket, SHA-256 of the text).

    A changed policy has another hash, so an entry never goes stale; old entries fall
    out in least-recently-used order.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._compiled: OrderedDict[tuple[str, str], Policy] = OrderedDict()

    def get(self, bucket: Bucket) -> Policy | None:
        """The bucket's compiled policy; raises MalformedPolicy if the stored text no
        longer parses (it was checked when it was put)."""
        if bucket.policy is None:
            return None
        key = (bucket.name, hashlib.sha256(bucket.policy.encode()).hexdigest())
        policy = self._compiled.get(key)
        if policy is not None:
            self._compiled.move_to_end(key)
            return policy
        policy = parse_policy(bucket.policy, kind="resource", name=policy_name(bucket.name))
        self._compiled[key] = policy
        if len(self._compiled) > self._size:
            self._compiled.popitem(last=False)
        return policy

    def __len__(self) -> int:
        return len(self._compiled)


@dataclass
class Access:
    """One request's caller, identity policies and context, ready to decide any
    (action, resource) in any bucket: the request's own, a copy's source, each key of a
    multi-object delete."""

    caller: Caller | None
    identity_policies: list[Policy]
    context: Context
    bucket_policies: BucketPolicyCache

    @property
    def is_anonymous(self) -> bool:
        return self.caller is None

    def is_owner_root(self, bucket: Bucket) -> bool:
        return (self.caller is not None and self.caller.is_root
                and self.caller.account_id == bucket.account_id)

    def decide(self, action: str, resource: str, bucket: Bucket | None,
               extra: Mapping[str, str] | None = None) -> Decision:
        """Decide ``action`` on ``resource``, in ``bucket`` (None: no bucket, as for
        ListBuckets and CreateBucket). ``extra`` adds condition keys for this check."""
        context: Context = self.context
        if bucket is not None or extra:
            merged = dict(self.context)
            if bucket is not None:
                merged["s3:ResourceAccount"] = bucket.account_id
                merged["aws:ResourceAccount"] = bucket.account_id
            merged.update(extra or {})
            context = merged

        bucket_policy: Policy | None = None
        if bucket is not None and not (action.lower() in _POLICY_ACTIONS
                                       and self.is_owner_root(bucket)):
            try:
                bucket_policy = self.bucket_policies.get(bucket)
            except MalformedPolicy as exc:
                # Fail closed: a policy we cannot read could have denied this request.
                logger.error("the stored policy of bucket %s does not parse: %s",
                             bucket.name, exc)
                return Decision(Effect.EXPLICIT_DENY, reason=f"the stored policy of bucket "
                                f"{bucket.name} does not parse: {exc}")
        return Authorizer.decide(self.caller, self.identity_policies, action, resource,
                                 context, bucket_policy=bucket_policy,
                                 resource_account=bucket.account_id if bucket else None)

    def record(self, event: AuditEvent, action: str, resource: str,
               decision: Decision) -> None:
        """Put the decision, and the statement that made it, in the audit event."""
        event.action, event.resource = action, resource
        event.decision, event.reason = decision.effect.value, str(decision)
