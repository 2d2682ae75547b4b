"""IAM handlers for managed policies and their attachment to users."""

from __future__ import annotations

from urllib.parse import quote

from karashi.http import xml
from karashi.iam import resources
from karashi.iam.call import IamCall, page
from karashi.iam.resources import IamAction
from karashi.identity import policies
from karashi.identity.errors import ValidationError
from karashi.identity.policies import ManagedPolicy


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


def create_policy(call: IamCall) -> list[xml.Node]:
    policy = policies.create_policy(call.store, call.account, call.require("PolicyName"),
                                    call.require("PolicyDocument"), call.get("Path"),
                                    call.get("Description") or "")
    return [("Policy", policy_node(policy, description=True))]


def get_policy(call: IamCall) -> list[xml.Node]:
    policy = policies.get_policy(call.store, call.account, call.require("PolicyArn"))
    return [("Policy", policy_node(policy, description=True))]


def get_policy_version(call: IamCall) -> list[xml.Node]:
    version = policies.get_policy_version(call.store, call.account, call.require("PolicyArn"),
                                          call.require("VersionId"))
    # IAM returns documents URL-encoded (RFC 3986); SDKs decode them.
    return [("PolicyVersion", [("Document", quote(version.document, safe="")),
                               ("VersionId", version.version_id),
                               ("IsDefaultVersion", version.is_default),
                               ("CreateDate", version.created_at)])]


def list_policies(call: IamCall) -> list[xml.Node]:
    scope = call.get("Scope") or "All"
    if scope not in ("All", "AWS", "Local"):
        raise ValidationError(f"Value '{scope}' at 'scope' failed to satisfy constraint: "
                              "Member must satisfy enum value set: [All, AWS, Local]")
    only_attached = (call.get("OnlyAttached") or "false").lower() == "true"
    found = [] if scope == "AWS" else policies.list_policies(
        call.store, call.account, only_attached, call.get("PathPrefix") or "/")
    chosen, paging = page(call, found)
    return [("Policies", [("member", policy_node(p)) for p in chosen]), *paging]


def delete_policy(call: IamCall) -> None:
    policies.delete_policy(call.store, call.account, call.require("PolicyArn"))


def attach_user_policy(call: IamCall) -> None:
    policies.attach_user_policy(call.store, call.account, call.require("UserName"),
                                call.require("PolicyArn"))


def detach_user_policy(call: IamCall) -> None:
    policies.detach_user_policy(call.store, call.account, call.require("UserName"),
                                call.require("PolicyArn"))


def list_attached_user_policies(call: IamCall) -> list[xml.Node]:
    attached = policies.list_attached_user_policies(call.store, call.account,
                                                    call.require("UserName"))
    chosen, paging = page(call, attached)
    members = [("member", [("PolicyName", p.name), ("PolicyArn", p.arn)]) for p in chosen]
    return [("AttachedPolicies", members), *paging]


ACTIONS = {
    "CreatePolicy": IamAction(create_policy, resources.new_policy),
    "GetPolicy": IamAction(get_policy, resources.policy_arn),
    "GetPolicyVersion": IamAction(get_policy_version, resources.policy_arn),
    "ListPolicies": IamAction(list_policies, resources.any_resource),
    "DeletePolicy": IamAction(delete_policy, resources.policy_arn),
    "AttachUserPolicy": IamAction(attach_user_policy, resources.user),
    "DetachUserPolicy": IamAction(detach_user_policy, resources.user),
    "ListAttachedUserPolicies": IamAction(list_attached_user_policies, resources.user),
}
