"""IAM handlers for managed policies, their versions, and their attachments."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.identity import policies
from karashi.identity.errors import ValidationError
from karashi.identity.policies import ManagedPolicy, OwnerKind, PolicyVersion


def policy_node(policy: ManagedPolicy, description: bool = False) -> list[xml.Node]:
    nodes: list[xml.Node] = [
        ("PolicyName", policy.name), ("DefaultVersionId", policy.default_version),
        ("PolicyId", policy.id), ("Path", policy.path), ("Arn", policy.arn),
        ("AttachmentCount", policy.attachment_count), ("PermissionsBoundaryUsageCount", 0),
        ("IsAttachable", True)]
    if description and policy.description:
        nodes.append(("Description", policy.description))
    nodes += [("CreateDate", policy.created_at), ("UpdateDate", policy.updated_at)]
    return nodes


def version_node(version: PolicyVersion, document: bool = True) -> list[xml.Node]:
    # IAM returns documents URL-encoded (RFC 3986); SDKs decode them. ListPolicyVersions
    # leaves the document out.
    return [("Document", quote(version.document, safe="") if document else None),
            ("VersionId", version.version_id), ("IsDefaultVersion", version.is_default),
            ("CreateDate", version.created_at)]


def _flag(call: IamCall, name: str) -> bool:
    return (call.get(name) or "false").lower() == "true"


def create_policy(call: IamCall) -> list[xml.Node]:
    policy = policies.create_policy(call.store, call.account, call.require("PolicyName"),
                                    call.require("PolicyDocument"), call.get("Path"),
                                    call.get("Description") or "")
    return [("Policy", policy_node(policy, description=True))]


def get_policy(call: IamCall) -> list[xml.Node]:
    policy = policies.get_policy(call.store, call.account, call.require("PolicyArn"))
    return [("Policy", policy_node(policy, description=True))]


def list_policies(call: IamCall) -> list[xml.Node]:
    scope = call.get("Scope") or "All"
    if scope not in ("All", "AWS", "Local"):
        raise ValidationError(f"Value '{scope}' at 'scope' failed to satisfy constraint: "
                              "Member must satisfy enum value set: [All, AWS, Local]")
    usage = call.get("PolicyUsageFilter") or "PermissionsPolicy"
    if usage not in ("PermissionsPolicy", "PermissionsBoundary"):
        raise ValidationError(f"Value '{usage}' at 'policyUsageFilter' failed to satisfy "
                              "constraint: Member must satisfy enum value set: "
                              "[PermissionsPolicy, PermissionsBoundary]")
    found = policies.list_policies(call.store, call.account, _flag(call, "OnlyAttached"),
                                   call.get("PathPrefix") or "/", scope)
    if usage == "PermissionsBoundary":
        found = []  # Karashi has no permissions boundaries.
    chosen, paging = page(call, found)
    return [("Policies", [("member", policy_node(p)) for p in chosen]), *paging]


def delete_policy(call: IamCall) -> None:
    policies.delete_policy(call.store, call.account, call.require("PolicyArn"))


def create_policy_version(call: IamCall) -> list[xml.Node]:
    version = policies.create_policy_version(
        call.store, call.account, call.require("PolicyArn"), call.require("PolicyDocument"),
        _flag(call, "SetAsDefault"))
    return [("PolicyVersion", version_node(version, document=False))]


def get_policy_version(call: IamCall) -> list[xml.Node]:
    version = policies.get_policy_version(call.store, call.account, call.require("PolicyArn"),
                                          call.require("VersionId"))
    return [("PolicyVersion", version_node(version))]


def list_policy_versions(call: IamCall) -> list[xml.Node]:
    versions = policies.list_policy_versions(call.store, call.account,
                                             call.require("PolicyArn"))
    chosen, paging = page(call, versions)
    return [("Versions", [("member", version_node(v, document=False)) for v in chosen]),
            *paging]


def delete_policy_version(call: IamCall) -> None:
    policies.delete_policy_version(call.store, call.account, call.require("PolicyArn"),
                                   call.require("VersionId"))


def set_default_policy_version(call: IamCall) -> None:
    policies.set_default_policy_version(call.store, call.account, call.require("PolicyArn"),
                                        call.require("VersionId"))


def list_entities_for_policy(call: IamCall) -> list[xml.Node]:
    entity_filter = call.get("EntityFilter") or None
    allowed = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
    if entity_filter is not None and entity_filter not in allowed:
        raise ValidationError(f"Value '{entity_filter}' at 'entityFilter' failed to satisfy "
                              "constraint: Member must satisfy enum value set: "
                              f"[{', '.join(allowed)}]")
    found = policies.list_entities_for_policy(call.store, call.account,
                                              call.require("PolicyArn"), entity_filter,
                                              call.get("PathPrefix") or "/")
    if call.get("PolicyUsageFilter") == "PermissionsBoundary":
        found = policies.PolicyEntities([], [], [])
    # One page over the three lists together, so Marker and MaxItems mean what they
    # mean elsewhere.
    tagged = ([("user", e) for e in found.users] + [("group", e) for e in found.groups]
              + [("role", e) for e in found.roles])
    chosen, paging = page(call, tagged)

    def members(kind: str, label: str) -> list[xml.Node]:
        return [("member", [(f"{label}Name", name), (f"{label}Id", entity_id)])
                for k, (name, entity_id) in chosen if k == kind]
    return [("PolicyGroups", members("group", "Group")),
            ("PolicyUsers", members("user", "User")),
            ("PolicyRoles", members("role", "Role")), *paging]


_OWNERS: dict[OwnerKind, tuple[str, Callable[[IamCall], str]]] = {
    "user": ("User", resources.user),
    "group": ("Group", resources.group),
    "role": ("Role", resources.role),
}


def _attach(kind: OwnerKind) -> Callable[[IamCall], None]:
    def attach(call: IamCall) -> None:
        policies.attach_policy(call.store, call.account, kind,
                               call.require(f"{_OWNERS[kind][0]}Name"),
                               call.require("PolicyArn"))
    return attach


def _detach(kind: OwnerKind) -> Callable[[IamCall], None]:
    def detach(call: IamCall) -> None:
        policies.detach_policy(call.store, call.account, kind,
                               call.require(f"{_OWNERS[kind][0]}Name"),
                               call.require("PolicyArn"))
    return detach


def _list_attached(kind: OwnerKind) -> Callable[[IamCall], list[xml.Node]]:
    def list_attached(call: IamCall) -> list[xml.Node]:
        attached = policies.list_attached(call.store, call.account, kind,
                                          call.require(f"{_OWNERS[kind][0]}Name"),
                                          call.get("PathPrefix") or "/")
        chosen, paging = page(call, attached)
        members: list[xml.Node] = [
            ("member", [("PolicyName", p.name), ("PolicyArn", p.arn)]) for p in chosen]
        return [("AttachedPolicies", members), *paging]
    return list_attached


ACTIONS: dict[str, IamAction] = {
    "CreatePolicy": IamAction(create_policy, resources.new_policy),
    "GetPolicy": IamAction(get_policy, resources.policy_arn),
    "ListPolicies": IamAction(list_policies, resources.any_resource),
    "DeletePolicy": IamAction(delete_policy, resources.policy_arn),
    "CreatePolicyVersion": IamAction(create_policy_version, resources.policy_arn),
    "GetPolicyVersion": IamAction(get_policy_version, resources.policy_arn),
    "ListPolicyVersions": IamAction(list_policy_versions, resources.policy_arn),
    "DeletePolicyVersion": IamAction(delete_policy_version, resources.policy_arn),
    "SetDefaultPolicyVersion": IamAction(set_default_policy_version, resources.policy_arn),
    "ListEntitiesForPolicy": IamAction(list_entities_for_policy, resources.policy_arn),
}
for _kind, (_label, _resource) in _OWNERS.items():
    ACTIONS[f"Attach{_label}Policy"] = IamAction(_attach(_kind), _resource)
    ACTIONS[f"Detach{_label}Policy"] = IamAction(_detach(_kind), _resource)
    ACTIONS[f"ListAttached{_label}Policies"] = IamAction(_list_attached(_kind), _resource)
