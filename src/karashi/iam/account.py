"""IAM handlers for account-wide views: GetAccountSummary and
GetAccountAuthorizationDetails."""

from __future__ import annotations

from urllib.parse import quote

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.policies import policy_node, version_node
from karashi.iam.resources import IamAction
from karashi.identity import summary
from karashi.identity.errors import ValidationError
from karashi.identity.policies import ManagedPolicy, PolicyVersion


def get_account_summary(call: IamCall) -> list[xml.Node]:
    counts = summary.account_summary(call.store, call.account)
    return [("SummaryMap", [("entry", [("key", key), ("value", value)])
                            for key, value in counts.items()])]


def _inline(policies: list[tuple[str, str]]) -> list[xml.Node]:
    # IAM returns documents URL-encoded (RFC 3986); SDKs decode them.
    return [("member", [("PolicyName", name), ("PolicyDocument", quote(doc, safe=""))])
            for name, doc in policies]


def _attached(policies: list[tuple[str, str]]) -> list[xml.Node]:
    return [("member", [("PolicyName", name), ("PolicyArn", arn)]) for name, arn in policies]


def _user(detail: summary.UserDetail) -> list[xml.Node]:
    user = detail.user
    return [("Path", user.path), ("UserName", user.name), ("UserId", user.id),
            ("Arn", user.arn), ("CreateDate", user.created_at),
            ("UserPolicyList", _inline(detail.inline)),
            ("GroupList", [("member", name) for name in detail.groups]),
            ("AttachedManagedPolicies", _attached(detail.attached)), ("Tags", [])]


def _group(detail: summary.GroupDetail) -> list[xml.Node]:
    group = detail.group
    return [("Path", group.path), ("GroupName", group.name), ("GroupId", group.id),
            ("Arn", group.arn), ("CreateDate", group.created_at),
            ("GroupPolicyList", _inline(detail.inline)),
            ("AttachedManagedPolicies", _attached(detail.attached))]


def _role(detail: summary.RoleDetail) -> list[xml.Node]:
    role = detail.role
    return [("Path", role.path), ("RoleName", role.name), ("RoleId", role.id),
            ("Arn", role.arn), ("CreateDate", role.created_at),
            ("AssumeRolePolicyDocument", quote(role.trust_policy, safe="")),
            ("InstanceProfileList", []), ("RolePolicyList", _inline(detail.inline)),
            ("AttachedManagedPolicies", _attached(detail.attached)), ("Tags", []),
            ("RoleLastUsed", [])]


def _policy(policy: ManagedPolicy, versions: list[PolicyVersion]) -> list[xml.Node]:
    listed: list[xml.Node] = [("member", version_node(v)) for v in versions]
    return [*policy_node(policy, description=True), ("PolicyVersionList", listed)]


def get_account_authorization_details(call: IamCall) -> list[xml.Node]:
    wanted = frozenset(v for k, v in call.params.items() if k.startswith("Filter.member."))
    for value in wanted:
        if value not in summary.FILTERS:
            raise ValidationError(f"Value '{value}' at 'filter' failed to satisfy "
                                  "constraint: Member must satisfy enum value set: "
                                  f"[{', '.join(summary.FILTERS)}]")
    details = summary.authorization_details(call.store, call.account,
                                            wanted or frozenset(summary.FILTERS))
    # One page over the four lists together, in the order IAM returns them.
    items: list[tuple[str, list[xml.Node]]] = [
        *(("UserDetailList", _user(d)) for d in details.users),
        *(("GroupDetailList", _group(d)) for d in details.groups),
        *(("RoleDetailList", _role(d)) for d in details.roles),
        *(("Policies", _policy(p, versions)) for p, versions in details.policies)]
    chosen, paging = page(call, items)
    result: list[xml.Node] = []
    for name in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
        members: list[xml.Node] = [("member", node) for kind, node in chosen if kind == name]
        result.append((name, members))
    return result + paging


ACTIONS = {
    "GetAccountSummary": IamAction(get_account_summary, resources.any_resource),
    "GetAccountAuthorizationDetails": IamAction(get_account_authorization_details,
                                                resources.any_resource),
}
