"""IAM handlers for inline policies of users, groups and roles.

The three families (Put/Get/Delete/List UserPolicy, GroupPolicy, RolePolicy) differ
only in the owner's kind and parameter name, so one set of handlers serves all three.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.identity import inline
from karashi.identity.policies import OwnerKind

_OWNERS: dict[OwnerKind, tuple[str, Callable[[IamCall], str]]] = {
    "user": ("User", resources.user),
    "group": ("Group", resources.group),
    "role": ("Role", resources.role),
}


def _owner_param(kind: OwnerKind) -> str:
    return f"{_OWNERS[kind][0]}Name"


def _put(kind: OwnerKind) -> Callable[[IamCall], None]:
    def put(call: IamCall) -> None:
        inline.put_policy(call.store, call.account, kind, call.require(_owner_param(kind)),
                          call.require("PolicyName"), call.require("PolicyDocument"))
    return put


def _get(kind: OwnerKind) -> Callable[[IamCall], list[xml.Node]]:
    def get(call: IamCall) -> list[xml.Node]:
        name = call.require("PolicyName")
        owner, document = inline.get_policy(call.store, call.account, kind,
                                            call.require(_owner_param(kind)), name)
        # IAM returns documents URL-encoded (RFC 3986); SDKs decode them.
        return [(_owner_param(kind), owner), ("PolicyName", name),
                ("PolicyDocument", quote(document, safe=""))]
    return get


def _delete(kind: OwnerKind) -> Callable[[IamCall], None]:
    def delete(call: IamCall) -> None:
        inline.delete_policy(call.store, call.account, kind,
                             call.require(_owner_param(kind)), call.require("PolicyName"))
    return delete


def _list(kind: OwnerKind) -> Callable[[IamCall], list[xml.Node]]:
    def list_names(call: IamCall) -> list[xml.Node]:
        names = inline.list_policy_names(call.store, call.account, kind,
                                         call.require(_owner_param(kind)))
        chosen, paging = page(call, names)
        return [("PolicyNames", [("member", n) for n in chosen]), *paging]
    return list_names


ACTIONS: dict[str, IamAction] = {}
for _kind, (_label, _resource) in _OWNERS.items():
    ACTIONS[f"Put{_label}Policy"] = IamAction(_put(_kind), _resource)
    ACTIONS[f"Get{_label}Policy"] = IamAction(_get(_kind), _resource)
    ACTIONS[f"Delete{_label}Policy"] = IamAction(_delete(_kind), _resource)
    ACTIONS[f"List{_label}Policies"] = IamAction(_list(_kind), _resource)
