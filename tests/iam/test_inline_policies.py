"""Inline policies of users, groups and roles end to end: put, get, list, delete, limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import root_client
from e2e.awscli import AwsCli
from iam_support import allow, code_of, error_of, fresh, padded, trust_policy
from server import Server

#: (kind, boto3 parameter, aggregate limit) -- IAM User Guide, IAM and AWS STS quotas:
#: "Aggregate inline policy size" 2,048 (user), 5,120 (group), 10,240 (role).
KINDS = [("user", "UserName", 2048), ("group", "GroupName", 5120), ("role", "RoleName", 10_240)]


def make_owner(iam: Any, server: Server, kind: str) -> str:
    name = fresh(kind)
    if kind == "user":
        iam.create_user(UserName=name)
    elif kind == "group":
        iam.create_group(GroupName=name)
    else:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy(
            server.root["account_id"]))  # type: ignore[attr-defined]
    return name


def op(iam: Any, verb: str, kind: str) -> Any:
    suffix = "policies" if verb == "list" else "policy"
    return getattr(iam, f"{verb}_{kind}_{suffix}")


@pytest.mark.parametrize(("kind", "param", "limit"), KINDS)
def test_inline_round_trip(server: Server, kind: str, param: str, limit: int) -> None:
    """Put<Kind>Policy, Get<Kind>Policy (the document exactly as put), List<Kind>Policies
    and Delete<Kind>Policy; putting a name again replaces it (IAM API Reference:
    PutUserPolicy, PutGroupPolicy, PutRolePolicy)."""
    iam = root_client(server, "iam")
    owner = make_owner(iam, server, kind)
    # '+' and '%41' survive only if the server URL-encodes the document, as IAM does.
    document = allow("s3:GetObject", "arn:aws:s3:::bucket/a+b%41 c")
    op(iam, "put", kind)(**{param: owner}, PolicyName="read", PolicyDocument=document)
    op(iam, "put", kind)(**{param: owner}, PolicyName="list",
                         PolicyDocument=allow("s3:ListBucket"))
    got = op(iam, "get", kind)(**{param: owner}, PolicyName="read")
    assert got[param] == owner and got["PolicyName"] == "read"
    assert got["PolicyDocument"] == json.loads(document)

    replacement = allow("s3:GetObjectVersion")
    op(iam, "put", kind)(**{param: owner}, PolicyName="read", PolicyDocument=replacement)
    again = op(iam, "get", kind)(**{param: owner}, PolicyName="read")
    assert again["PolicyDocument"] == json.loads(replacement)
    assert op(iam, "list", kind)(**{param: owner})["PolicyNames"] == ["list", "read"]

    page = op(iam, "list", kind)(**{param: owner}, MaxItems=1)
    assert page["PolicyNames"] == ["list"] and page["IsTruncated"] is True
    rest = op(iam, "list", kind)(**{param: owner}, Marker=page["Marker"])
    assert rest["PolicyNames"] == ["read"] and rest["IsTruncated"] is False

    op(iam, "delete", kind)(**{param: owner}, PolicyName="read")
    assert op(iam, "list", kind)(**{param: owner})["PolicyNames"] == ["list"]
    assert code_of(op(iam, "get", kind), **{param: owner}, PolicyName="read") == \
        "NoSuchEntity"
    assert code_of(op(iam, "delete", kind), **{param: owner}, PolicyName="read") == \
        "NoSuchEntity"
    assert code_of(op(iam, "put", kind), **{param: fresh("nobody")}, PolicyName="p",
                   PolicyDocument=document) == "NoSuchEntity"


@pytest.mark.parametrize(("kind", "param", "limit"), KINDS)
def test_inline_aggregate_size_limit(server: Server, kind: str, param: str,
                                     limit: int) -> None:
    """The owner's inline policies together may hold ``limit`` characters not counting
    whitespace; one more is LimitExceeded and nothing is written (IAM User Guide: IAM and
    AWS STS quotas, "IAM and STS character limits")."""
    iam = root_client(server, "iam")
    owner = make_owner(iam, server, kind)
    put = op(iam, "put", kind)
    half = limit // 2
    put(**{param: owner}, PolicyName="a", PolicyDocument=padded(half))
    # Whitespace is not counted: indenting the same policy changes nothing.
    indented = json.dumps(json.loads(padded(limit - half)), indent=8)
    assert len(indented) > limit - half
    put(**{param: owner}, PolicyName="b", PolicyDocument=indented)

    error = error_of(put, **{param: owner}, PolicyName="c", PolicyDocument=padded(120))
    assert error["Code"] == "LimitExceeded" and str(limit) in error["Message"]
    assert op(iam, "list", kind)(**{param: owner})["PolicyNames"] == ["a", "b"]
    # Replacing "b" with something one character larger is refused; "b" stays as it was.
    assert code_of(put, **{param: owner}, PolicyName="b",
                   PolicyDocument=padded(limit - half + 1)) == "LimitExceeded"
    kept = op(iam, "get", kind)(**{param: owner}, PolicyName="b")["PolicyDocument"]
    assert kept == json.loads(indented)


def test_inline_documents_are_validated(server: Server) -> None:
    """An inline policy that is not JSON, names a Principal or lacks an Effect is
    MalformedPolicyDocument; a bad policy name is ValidationError (IAM API Reference:
    PutUserPolicy, Errors)."""
    iam = root_client(server, "iam")
    unchecked = root_client(server, "iam", parameter_validation=False)
    user = make_owner(iam, server, "user")
    bad_documents = [
        "{not json",
        json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}),
        json.dumps({"Version": "2012-10-17", "Statement": [
            {"Action": "s3:*", "Resource": "*"}]}),
    ]
    for document in bad_documents:
        assert code_of(iam.put_user_policy, UserName=user, PolicyName="p",
                       PolicyDocument=document) == "MalformedPolicyDocument"
    assert code_of(unchecked.put_user_policy, UserName=user, PolicyName="bad name",
                   PolicyDocument=allow("s3:*")) == "ValidationError"
    assert code_of(unchecked.put_user_policy, UserName=user, PolicyName="p" * 129,
                   PolicyDocument=allow("s3:*")) == "ValidationError"
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == []


def test_inline_with_the_aws_cli(server: Server, tmp_path: Path) -> None:
    """`aws iam put-user-policy --policy-document file://…` and `get-user-policy` round-trip
    the document with the real AWS CLI."""
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    user = make_owner(root_client(server, "iam"), server, "user")
    document = json.loads(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/*"))
    (tmp_path / "inline.json").write_text(json.dumps(document, indent=2))
    cli.run("iam", "put-user-policy", "--user-name", user, "--policy-name", "cli",
            "--policy-document", "file://inline.json", "--profile", "admin")
    got = cli.json("iam", "get-user-policy", "--user-name", user, "--policy-name", "cli",
                   "--profile", "admin")
    assert got["PolicyDocument"] == document
    listed = cli.json("iam", "list-user-policies", "--user-name", user, "--profile", "admin")
    assert listed["PolicyNames"] == ["cli"]
