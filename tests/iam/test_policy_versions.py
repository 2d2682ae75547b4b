"""Managed policy versions, and attaching managed policies to groups and roles."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import root_client
from e2e.awscli import AwsCli
from iam_support import allow, code_of, error_of, fresh, trust_policy
from server import Server


def test_versions_lifecycle(server: Server) -> None:
    """CreatePolicyVersion (SetAsDefault), GetPolicyVersion, ListPolicyVersions (newest
    first), SetDefaultPolicyVersion and DeletePolicyVersion (IAM API Reference:
    CreatePolicyVersion, ListPolicyVersions, SetDefaultPolicyVersion)."""
    iam = root_client(server, "iam")
    arn = iam.create_policy(PolicyName=fresh("v"),
                            PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
    v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("s3:ListBucket"))
    assert v2["PolicyVersion"]["VersionId"] == "v2"
    assert v2["PolicyVersion"]["IsDefaultVersion"] is False
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"

    v3 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("s3:PutObject"),
                                   SetAsDefault=True)["PolicyVersion"]
    assert v3["VersionId"] == "v3" and v3["IsDefaultVersion"] is True
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]
    assert got["Document"] == json.loads(allow("s3:ListBucket"))
    assert got["IsDefaultVersion"] is False

    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == \
        [("v3", True), ("v2", False), ("v1", False)]

    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v1"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == \
        ["v2", "v1"]
    assert code_of(iam.get_policy_version, PolicyArn=arn, VersionId="v3") == "NoSuchEntity"
    assert code_of(iam.set_default_policy_version, PolicyArn=arn,
                   VersionId="v9") == "NoSuchEntity"
    unchecked = root_client(server, "iam", parameter_validation=False)
    assert code_of(unchecked.get_policy_version, PolicyArn=arn,
                   VersionId="version-1") == "ValidationError"


def test_at_most_five_versions(server: Server) -> None:
    """A sixth version is LimitExceeded with IAM's message and is not written; a version
    id is never reused after a delete (IAM User Guide: Versioning IAM policies)."""
    iam = root_client(server, "iam")
    arn = iam.create_policy(PolicyName=fresh("five"),
                            PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
    for n in range(2, 6):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow(f"s3:Get{n}"))
    error = error_of(iam.create_policy_version, PolicyArn=arn,
                     PolicyDocument=allow("s3:GetSix"))
    assert error["Code"] == "LimitExceeded"
    assert error["Message"].startswith("A managed policy can have up to 5 versions.")
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 5

    iam.delete_policy_version(PolicyArn=arn, VersionId="v5")
    created = iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("s3:GetSix"))
    assert created["PolicyVersion"]["VersionId"] == "v6"


def test_version_conflicts(server: Server) -> None:
    """The default version cannot be deleted (DeleteConflict), a policy with more than one
    version cannot be deleted (DeleteConflict), and an invalid new version is
    MalformedPolicyDocument (IAM API Reference: DeletePolicyVersion, DeletePolicy)."""
    iam = root_client(server, "iam")
    arn = iam.create_policy(PolicyName=fresh("c"),
                            PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
    error = error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v1")
    assert error["Code"] == "DeleteConflict" and "default version" in error["Message"]
    assert code_of(iam.create_policy_version, PolicyArn=arn,
                   PolicyDocument='{"Statement": []}') == "MalformedPolicyDocument"
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow("s3:ListBucket"))
    assert code_of(iam.delete_policy, PolicyArn=arn) == "DeleteConflict"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)
    assert code_of(iam.list_policy_versions, PolicyArn=arn) == "NoSuchEntity"


def test_group_and_role_attachments(server: Server) -> None:
    """Attach/Detach/ListAttached for groups and roles, AttachmentCount, and
    ListEntitiesForPolicy with and without EntityFilter (IAM API Reference:
    AttachGroupPolicy, AttachRolePolicy, ListEntitiesForPolicy)."""
    iam = root_client(server, "iam")
    account = server.root["account_id"]  # type: ignore[attr-defined]
    arn = iam.create_policy(PolicyName=fresh("att"),
                            PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
    user, group, role = fresh("u"), fresh("g"), fresh("r")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_policy(account))
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)  # again: no change
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3

    for listed in (iam.list_attached_group_policies(GroupName=group),
                   iam.list_attached_role_policies(RoleName=role)):
        assert [p["PolicyArn"] for p in listed["AttachedPolicies"]] == [arn]

    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == [user]
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == [group]
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    assert entities["PolicyRoles"][0]["RoleId"].startswith("AROA")
    only_roles = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert only_roles["PolicyUsers"] == [] and only_roles["PolicyGroups"] == []
    assert len(only_roles["PolicyRoles"]) == 1
    paged = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=2)
    assert paged["IsTruncated"] is True

    iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    assert code_of(iam.detach_role_policy, RoleName=role, PolicyArn=arn) == "NoSuchEntity"
    assert iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"] == []
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert code_of(iam.attach_group_policy, GroupName=fresh("none"),
                   PolicyArn=arn) == "NoSuchEntity"
    assert code_of(iam.attach_role_policy, RoleName=role,
                   PolicyArn=arn + "-missing") == "NoSuchEntity"


def test_attached_policies_per_entity_quota(server: Server) -> None:
    """At most ten managed policies attach to one group; the eleventh is LimitExceeded
    (IAM User Guide: IAM and AWS STS quotas, "Managed policies attached to an IAM
    group")."""
    iam = root_client(server, "iam")
    group = fresh("g")
    iam.create_group(GroupName=group)
    arns = [iam.create_policy(PolicyName=fresh("q"),
                              PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
            for _ in range(11)]
    for arn in arns[:10]:
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    error = error_of(iam.attach_group_policy, GroupName=group, PolicyArn=arns[10])
    assert error["Code"] == "LimitExceeded" and "PoliciesPerGroup" in error["Message"]


def test_versions_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam create-policy-version --set-as-default` and `list-policy-versions` work with
    the real AWS CLI."""
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    arn = root_client(server, "iam").create_policy(
        PolicyName=fresh("cli"), PolicyDocument=allow("s3:GetObject"))["Policy"]["Arn"]
    (tmp_path / "v2.json").write_text(allow("s3:ListBucket"))
    created = cli.json("iam", "create-policy-version", "--policy-arn", arn,
                       "--policy-document", "file://v2.json", "--set-as-default",
                       "--profile", "admin")
    assert created["PolicyVersion"]["VersionId"] == "v2"
    listed = cli.json("iam", "list-policy-versions", "--policy-arn", arn,
                      "--profile", "admin")
    assert [v["VersionId"] for v in listed["Versions"]] == ["v2", "v1"]
