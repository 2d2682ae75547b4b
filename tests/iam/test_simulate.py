"""SimulateCustomPolicy and SimulatePrincipalPolicy against a real server.

AWS IAM API Reference: "SimulateCustomPolicy", "SimulatePrincipalPolicy", "ContextEntry"
and "EvaluationResult".
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from conftest import root_client
from e2e.awscli import AwsCli
from e2e.helpers import FORCE_MFA, make_user
from server import Server

CASES = Path(__file__).parent.parent / "policy" / "cases"
EVAL_DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny",
                  "ImplicitDeny": "implicitDeny"}
MFA_FALSE = {"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["false"],
             "ContextKeyType": "boolean"}
MFA_TRUE = {**MFA_FALSE, "ContextKeyValues": ["true"]}
ARTICLE_TEXT = """{"Version": "2012-10-17",
 "Statement": [
   {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"},
   {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
   {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}"""


def identity_only(path: Path) -> bool:
    """Cases SimulateCustomPolicy can express: a user's identity policies, one account."""
    case = json.loads(path.read_text())
    principal = case.get("principal") or {}
    return ("bucket_policy" not in case and principal.get("type") == "user"
            and case.get("resource_account") in (None, principal.get("account")))


def context_entries(context: dict[str, Any]) -> list[dict[str, Any]]:
    """A case's context as ContextEntries, typed by the JSON value."""
    entries = []
    for key, value in context.items():
        if isinstance(value, list):
            kind, values = "stringList", [str(v) for v in value]
        elif isinstance(value, bool):
            kind, values = "boolean", [str(value).lower()]
        elif isinstance(value, (int, float)):
            kind, values = "numeric", [str(value)]
        else:
            kind, values = "string", [value]
        entries.append({"ContextKeyName": key, "ContextKeyValues": values,
                        "ContextKeyType": kind})
    return entries


def error(call: Any, **params: Any) -> dict[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(**params)
    return dict(info.value.response["Error"])


@pytest.mark.parametrize("path", [p for p in sorted(CASES.glob("*.json")) if identity_only(p)],
                         ids=lambda p: p.stem)
def test_identity_case_through_simulate_custom_policy(server: Server, path: Path) -> None:
    """Every identity-only case of the corpus gets its documented decision over IAM."""
    case = json.loads(path.read_text())
    documents = [p.get("document", p) for p in case["policies"]]
    params: dict[str, Any] = {
        "PolicyInputList": [d if isinstance(d, str) else json.dumps(d) for d in documents],
        "ActionNames": [case["action"]], "ResourceArns": [case["resource"]],
        "CallerArn": case["principal"]["arn"],
        "ContextEntries": context_entries(case.get("context") or {})}
    if not params["PolicyInputList"]:
        params["PolicyInputList"] = [json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "none:Nothing", "Resource": "*"}]})]
    results = root_client(server, "iam").simulate_custom_policy(**params)["EvaluationResults"]
    assert len(results) == 1
    assert results[0]["EvalDecision"] == EVAL_DECISIONS[case["expected"]], case["doc"]


def test_custom_policy_result_shape(server: Server) -> None:
    """Each action on each resource is one result; the deciding statement has its source
    and its place in the document; the AWS spelling of the decisions."""
    iam = root_client(server, "iam")
    answer = iam.simulate_custom_policy(
        PolicyInputList=[ARTICLE_TEXT], ActionNames=["s3:PutObject", "iam:CreateUser"],
        ResourceArns=["arn:aws:s3:::b/k", "arn:aws:s3:::b/j"], ContextEntries=[MFA_FALSE])
    assert answer["IsTruncated"] is False
    results = answer["EvaluationResults"]
    assert [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"])
            for r in results] == [
        ("s3:PutObject", "arn:aws:s3:::b/k", "explicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::b/j", "explicitDeny"),
        ("iam:CreateUser", "arn:aws:s3:::b/k", "implicitDeny"),
        ("iam:CreateUser", "arn:aws:s3:::b/j", "implicitDeny")]
    assert results[0]["MatchedStatements"] == [{
        "SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "none",
        "StartPosition": {"Line": 5, "Column": 4}, "EndPosition": {"Line": 6, "Column": 67}}]
    assert results[0]["MissingContextValues"] == []
    assert results[0]["ResourceSpecificResults"] == [{
        "EvalResourceName": "arn:aws:s3:::b/k", "EvalResourceDecision": "explicitDeny",
        "MatchedStatements": results[0]["MatchedStatements"], "MissingContextValues": []}]
    assert results[2]["MatchedStatements"] == []


def test_missing_context_values(server: Server) -> None:
    """Keys the statements of an action read but the request lacks are listed; without
    ResourceArns the resource is "*" (AWS semantics: the article's Deny does not apply)."""
    iam = root_client(server, "iam")
    home = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/${aws:username}/*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
        {"Effect": "Allow", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::b/${aws:userid, 'anyone'}/*"}]})
    results = iam.simulate_custom_policy(
        PolicyInputList=[ARTICLE_TEXT, home], ActionNames=["s3:GetObject", "s3:PutObject"],
        ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["203.0.113.4"],
                         "ContextKeyType": "ip"}])["EvaluationResults"]
    assert [r["EvalResourceName"] for r in results] == ["*", "*"]
    assert results[0]["EvalDecision"] == "allowed"
    assert "ResourceSpecificResults" not in results[0]
    assert results[0]["MissingContextValues"] == ["aws:MultiFactorAuthPresent", "aws:username"]
    assert results[1]["MissingContextValues"] == ["aws:MultiFactorAuthPresent"]


def test_resource_policy_needs_caller_arn(server: Server) -> None:
    """A bucket policy is evaluated for CallerArn, same account or across accounts."""
    iam = root_client(server, "iam")
    alice = "arn:aws:iam::111122223333:user/alice"
    grant = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AliceReads", "Effect": "Allow", "Principal": {"AWS": alice},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    nothing = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]})
    params: dict[str, Any] = {"PolicyInputList": [nothing], "ActionNames": ["s3:GetObject"],
                              "ResourceArns": ["arn:aws:s3:::b/k"], "ResourcePolicy": grant}
    result = iam.simulate_custom_policy(CallerArn=alice, **params)["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "resource"
    other = iam.simulate_custom_policy(CallerArn=alice, ResourceOwner="444455556666",
                                       **params)["EvaluationResults"][0]
    assert other["EvalDecision"] == "implicitDeny"  # across accounts both sides must allow
    failed = error(iam.simulate_custom_policy, **params)
    assert failed["Code"] == "InvalidInput" and "CallerArn is required" in failed["Message"]


def test_principal_policy_of_the_article_user(server: Server) -> None:
    """A user with the article's policy: denied without MFA, allowed with it; the deciding
    statement is named by the managed policy's name."""
    user = make_user(server, FORCE_MFA, mfa=False)
    iam = root_client(server, "iam")
    policy = iam.list_attached_user_policies(UserName=user.name)["AttachedPolicies"][0]

    def decide(*entries: dict[str, Any]) -> dict[str, Any]:
        results = iam.simulate_principal_policy(
            PolicySourceArn=user.arn, ActionNames=["s3:PutObject"],
            ResourceArns=["arn:aws:s3:::b/k"], ContextEntries=list(entries))
        return dict(results["EvaluationResults"][0])

    denied = decide(MFA_FALSE)
    assert denied["EvalDecision"] == "explicitDeny"
    assert denied["MatchedStatements"][0]["SourcePolicyId"] == policy["PolicyName"]
    assert denied["MatchedStatements"][0]["SourcePolicyType"] == "user-managed"
    assert denied["MatchedStatements"][0]["StartPosition"]["Line"] == 1
    assert decide(MFA_TRUE)["EvalDecision"] == "allowed"
    absent = decide()
    assert absent["EvalDecision"] == "allowed"
    assert absent["MissingContextValues"] == ["aws:MultiFactorAuthPresent"]


def test_principal_policy_with_inline_and_extra_policies(server: Server) -> None:
    """Inline policies are named by their name; PolicyInputList adds policies to the user's."""
    user = make_user(server, mfa=False)
    iam = root_client(server, "iam")
    iam.put_user_policy(UserName=user.name, PolicyName="read-b", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}))
    extra = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]})
    results = iam.simulate_principal_policy(
        PolicySourceArn=user.arn, PolicyInputList=[extra],
        ActionNames=["s3:GetObject", "s3:DeleteObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::b/k"])["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "explicitDeny", "implicitDeny"]
    assert results[0]["MatchedStatements"][0]["SourcePolicyId"] == "read-b"
    assert results[0]["MatchedStatements"][0]["SourcePolicyType"] == "user"
    assert results[1]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"


def test_paging(server: Server) -> None:
    """MaxItems and Marker page the results; the paginator joins them."""
    iam = root_client(server, "iam")
    params: dict[str, Any] = {"PolicyInputList": [ARTICLE_TEXT],
                              "ActionNames": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]}
    first = iam.simulate_custom_policy(MaxItems=2, **params)
    assert first["IsTruncated"] is True and len(first["EvaluationResults"]) == 2
    rest = iam.simulate_custom_policy(MaxItems=2, Marker=first["Marker"], **params)
    assert rest["IsTruncated"] is False
    assert rest["EvaluationResults"][0]["EvalActionName"] == "s3:ListBucket"
    pages = iam.get_paginator("simulate_custom_policy").paginate(
        PaginationConfig={"PageSize": 1}, **params)
    assert len([r for page in pages for r in page["EvaluationResults"]]) == 3


@pytest.mark.parametrize(("params", "code", "fragment"), [
    ({"PolicyInputList": [('{"Statement": {"Effect": "Allow", "Action": "GetObject", '
                           '"Resource": "*"}}')]},
     "InvalidInput", "PolicyInputList.1: Statement[0] Action"),
    ({"ActionNames": ["s3:Get*"]}, "InvalidInput", "without wildcards"),
    ({"ContextEntries": [{**MFA_FALSE, "ContextKeyValues": ["yes"]}]},
     "InvalidInput", "'yes' is not a valid boolean value"),
    ({"ContextEntries": [{**MFA_FALSE, "ContextKeyValues": ["true", "false"]}]},
     "InvalidInput", "use booleanList for several"),
    ({"ContextEntries": [{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["1.2.3"],
                          "ContextKeyType": "ip"}]}, "InvalidInput", "not a valid ip"),
    ({"ContextEntries": [MFA_FALSE, MFA_TRUE]}, "InvalidInput", "more than once"),
    ({"CallerArn": "arn:aws:iam::111122223333:root"}, "InvalidInput", "ARN of an IAM user"),
    ({"PermissionsBoundaryPolicyInputList": [ARTICLE_TEXT]}, "InvalidInput",
     "PermissionsBoundaryPolicyInputList"),
])
def test_invalid_input(server: Server, params: dict[str, Any], code: str,
                       fragment: str) -> None:
    """Bad policies, action names and context entries are refused with what is wrong."""
    iam = root_client(server, "iam", parameter_validation=False)
    request = {"PolicyInputList": [ARTICLE_TEXT], "ActionNames": ["s3:PutObject"], **params}
    failed = error(iam.simulate_custom_policy, **request)
    assert failed["Code"] == code and fragment in failed["Message"]


def test_principal_policy_source_must_be_a_user_here(server: Server) -> None:
    """PolicySourceArn must name an existing user of the caller's account."""
    iam = root_client(server, "iam")
    account = iam.get_user()["User"]["Arn"].split(":")[4]
    unknown = f"arn:aws:iam::{account}:user/nobody-{secrets.token_hex(4)}"
    assert error(iam.simulate_principal_policy, PolicySourceArn=unknown,
                 ActionNames=["s3:GetObject"])["Code"] == "NoSuchEntity"
    assert error(iam.simulate_principal_policy,
                 PolicySourceArn="arn:aws:iam::111122223333:user/alice",
                 ActionNames=["s3:GetObject"])["Code"] == "InvalidInput"
    assert error(iam.simulate_principal_policy,
                 PolicySourceArn=f"arn:aws:iam::{account}:group/admins",
                 ActionNames=["s3:GetObject"])["Code"] == "InvalidInput"


def test_simulation_is_authorized(server: Server) -> None:
    """A user needs iam:SimulatePrincipalPolicy on the source user's ARN and
    iam:SimulateCustomPolicy to simulate."""
    user = make_user(server, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy",
         "Resource": "arn:aws:iam::*:user/${aws:username}"}]}, mfa=False)
    iam = user.client(server, "iam")
    params: dict[str, Any] = {"PolicySourceArn": user.arn, "ResourceArns": [user.arn],
                              "ActionNames": ["iam:SimulatePrincipalPolicy"]}
    # The simulated request holds only the given keys, so the variable needs one.
    unresolved = iam.simulate_principal_policy(**params)["EvaluationResults"][0]
    assert unresolved["EvalDecision"] == "implicitDeny"
    assert unresolved["MissingContextValues"] == ["aws:username"]
    own = iam.simulate_principal_policy(ContextEntries=[{
        "ContextKeyName": "aws:username", "ContextKeyValues": [user.name]}], **params)
    assert own["EvaluationResults"][0]["EvalDecision"] == "allowed"
    other = make_user(server, mfa=False)
    denied = error(iam.simulate_principal_policy, PolicySourceArn=other.arn,
                   ActionNames=["s3:GetObject"])
    assert denied["Code"] == "AccessDenied" and "iam:SimulatePrincipalPolicy" in \
        denied["Message"]
    assert error(iam.simulate_custom_policy, PolicyInputList=[ARTICLE_TEXT],
                 ActionNames=["s3:GetObject"])["Code"] == "AccessDenied"


def test_aws_cli_prints_the_results(server: Server, tmp_path: Path) -> None:
    """`aws iam simulate-custom-policy` and `simulate-principal-policy` print the decisions."""
    user = make_user(server, FORCE_MFA, mfa=False)
    cli = AwsCli(tmp_path, server.endpoint)
    root = server.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    mfa_false = ("ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=false,"
                 "ContextKeyType=boolean")
    custom = cli.json("iam", "simulate-custom-policy", "--policy-input-list", ARTICLE_TEXT,
                      "--action-names", "s3:PutObject", "iam:CreateUser",
                      "--context-entries", mfa_false, "--profile", "admin")
    assert [(r["EvalActionName"], r["EvalDecision"]) for r in custom["EvaluationResults"]] == [
        ("s3:PutObject", "explicitDeny"), ("iam:CreateUser", "implicitDeny")]
    principal = cli.json("iam", "simulate-principal-policy", "--policy-source-arn", user.arn,
                         "--action-names", "s3:PutObject", "--resource-arns",
                         "arn:aws:s3:::b/k", "--profile", "admin")
    result = principal["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MissingContextValues"] == ["aws:MultiFactorAuthPresent"]
    # A string list read from file:// must be a JSON list (aws-cli pull request #4177).
    (tmp_path / "policies.json").write_text(json.dumps([ARTICLE_TEXT]))
    table = cli.run("iam", "simulate-custom-policy", "--policy-input-list",
                    "file://policies.json", "--action-names", "s3:PutObject",
                    "--context-entries", mfa_false, "--profile", "admin",
                    "--output", "text").stdout
    assert "explicitDeny" in table and "PolicyInputList.1" in table
    # A bare document there reaches the server one character per member: say so.
    (tmp_path / "policy.json").write_text(ARTICLE_TEXT)
    split = cli.run("iam", "simulate-custom-policy", "--policy-input-list",
                    "file://policy.json", "--action-names", "s3:PutObject",
                    "--profile", "admin", check=False)
    assert split.returncode != 0
    assert "one character per document" in split.stderr
