"""Who makes a request, and the Principal / NotPrincipal element that names them.

AWS: "AWS JSON policy elements: Principal" and "... NotPrincipal". In a resource (bucket)
policy, ``"*"`` and ``{"AWS": "*"}`` both mean everyone, anonymous callers included. A
12-digit account id and ``arn:aws:iam::<id>:root`` both name the account: the account's
administrators decide, through identity policies, which of its principals get the access.
Any other ARN names one principal exactly; wildcards are not allowed in a Principal ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from .arn import account_of_root_arn, is_account_id, split_arn
from .errors import MalformedPolicy


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: an IAM user, role session, an account's root user, or anonymous."""

    arn: str | None
    account: str | None
    type: str = "user"
    is_root: bool = False

    @classmethod
    def anonymous(cls) -> Principal:
        """An unauthenticated caller: no account, no identity policies."""
        return cls(arn=None, account=None, type="anonymous", is_root=False)

    @property
    def is_anonymous(self) -> bool:
        """Whether the request was unsigned."""
        return self.type == "anonymous"


class PrincipalMatch(Enum):
    """How a Principal element matched a caller."""

    NONE = 0
    #: Named directly (``*`` or the caller's own ARN): the resource policy alone grants.
    DIRECT = 1
    #: Named through the caller's account: the account's identity policies must allow too.
    ACCOUNT = 2


#: Principal element keys this engine accepts. Service, Federated and CanonicalUser are
#: valid syntax but never match a Karashi caller.
_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


@dataclass(frozen=True, slots=True)
class PrincipalElement:
    """A compiled Principal or NotPrincipal element."""

    everyone: bool
    arns: frozenset[str]
    accounts: frozenset[str]

    def match(self, caller: Principal) -> PrincipalMatch:
        """How this element names `caller` (as Principal)."""
        if self.everyone:
            return PrincipalMatch.DIRECT
        if caller.is_anonymous:
            return PrincipalMatch.NONE
        if caller.arn is not None and caller.arn in self.arns:
            return PrincipalMatch.DIRECT
        if caller.account is not None and caller.account in self.accounts:
            return PrincipalMatch.ACCOUNT
        return PrincipalMatch.NONE

    def excludes(self, caller: Principal) -> bool:
        """Whether `caller` is one of those a NotPrincipal element leaves out.

        AWS: "AWS JSON policy elements: NotPrincipal" -- an account listed there leaves
        out that account's root user only; each other principal must be listed by ARN.
        """
        if self.everyone:
            return True
        if caller.is_anonymous:
            return False
        if caller.arn is not None and caller.arn in self.arns:
            return True
        return caller.is_root and caller.account in self.accounts


def compile_principal(raw: object, where: str) -> PrincipalElement:
    """Compile ``"*"`` or ``{"AWS": ..., "Service": ...}``; raises MalformedPolicy."""
    if raw == "*":
        return PrincipalElement(True, frozenset(), frozenset())
    if not isinstance(raw, Mapping) or not raw:
        raise MalformedPolicy('must be "*" or an object such as {"AWS": "<arn>"}',
                              where=where)
    everyone = False
    arns: set[str] = set()
    accounts: set[str] = set()
    for kind, values in raw.items():
        if kind not in _KINDS:
            raise MalformedPolicy(f"unknown principal type {kind!r} (expected one of "
                                  f"{', '.join(_KINDS)})", where=where)
        items = values if isinstance(values, list) else [values]
        if not items or not all(isinstance(v, str) and v for v in items):
            raise MalformedPolicy(f"{kind} must be a string or a list of strings",
                                  where=where)
        if kind != "AWS":
            continue
        for value in items:
            if value == "*":
                everyone = True
            elif is_account_id(value):
                accounts.add(value)
            elif (account := account_of_root_arn(value)) is not None:
                accounts.add(account)
            elif split_arn(value) is None:
                raise MalformedPolicy(
                    f"AWS principal {value!r} must be \"*\", a 12-digit account id "
                    "or an ARN", where=where)
            elif "*" in value or "?" in value:
                raise MalformedPolicy(
                    f"AWS principal {value!r} may not contain wildcards", where=where)
            else:
                arns.add(value)
    return PrincipalElement(everyone, frozenset(arns), frozenset(accounts))
