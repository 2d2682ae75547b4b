"""`karashi policy simulate` and `karashi policy lint`: output, errors and exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from karashi.cli.main import main

ACCOUNT = "123456789012"
ALICE = {"type": "user", "arn": f"arn:aws:iam::{ACCOUNT}:user/alice", "account": ACCOUNT}
ARTICLE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"},
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Sid": "DenyWithoutMfa", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}


def request(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"policies": [ARTICLE], "principal": ALICE,
                            "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k",
                            "context": {"aws:MultiFactorAuthPresent": "false"}}
    base.update(fields)
    return base


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["policy", *args], input=stdin)


def write(tmp_path: Path, content: Any, name: str = "in.json") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_simulate_names_the_deciding_statement(tmp_path: Path) -> None:
    """The text answer is the decision with the policy, statement index and Sid."""
    result = run("simulate", write(tmp_path, request()))
    assert result.stdout == "ExplicitDeny by policies[0] statement 2 (Sid DenyWithoutMfa)\n"
    assert result.exit_code == 3


@pytest.mark.parametrize(("context", "action", "decision", "status"), [
    ({"aws:MultiFactorAuthPresent": "true"}, "s3:PutObject", "Allow", 0),
    ({"aws:MultiFactorAuthPresent": "false"}, "s3:PutObject", "ExplicitDeny", 3),
    ({"aws:MultiFactorAuthPresent": "true"}, "iam:CreateUser", "ImplicitDeny", 4),
])
def test_simulate_exit_status_per_decision(tmp_path: Path, context: dict[str, str],
                                           action: str, decision: str, status: int) -> None:
    """Exit status 0 is Allow, 3 ExplicitDeny, 4 ImplicitDeny, with --json or without."""
    path = write(tmp_path, request(context=context, action=action))
    assert run("simulate", path).exit_code == status
    result = run("simulate", "--json", path)
    assert result.exit_code == status
    assert json.loads(result.stdout)["decision"] == decision


def test_simulate_json_object(tmp_path: Path) -> None:
    """--json prints one object naming the policy by name and by index."""
    named = {"name": "force-mfa", "document": ARTICLE}
    result = run("simulate", "--json", write(tmp_path, request(policies=[{
        "Statement": {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}}, named])))
    assert json.loads(result.stdout) == {
        "decision": "ExplicitDeny", "allowed": False, "policy": "force-mfa",
        "policy_index": 1, "statement": 2, "sid": "DenyWithoutMfa", "reason": "",
        "explanation": "ExplicitDeny by force-mfa statement 2 (Sid DenyWithoutMfa)"}


def test_simulate_json_implicit_deny_and_bucket_policy(tmp_path: Path) -> None:
    """An implicit deny names no statement; a bucket-policy decision has no policy index."""
    implicit = json.loads(run("simulate", "--json", write(tmp_path, request(
        action="iam:CreateUser"))).stdout)
    assert implicit["policy"] is None and implicit["statement"] is None
    assert implicit["reason"] == "no statement allows iam:CreateUser on arn:aws:s3:::b/k"
    public = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*"}]}
    anonymous = json.loads(run("simulate", "--json", write(tmp_path, {
        "bucket_policy": public, "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k"})).stdout)
    assert (anonymous["decision"], anonymous["policy"], anonymous["policy_index"]) == (
        "Allow", "bucket_policy", None)


def test_simulate_reads_stdin() -> None:
    """REQUEST.json "-" reads the request from standard input."""
    result = run("simulate", "-", stdin=json.dumps(request(
        context={"aws:MultiFactorAuthPresent": True})))
    assert (result.exit_code, result.stdout) == (0, "Allow by policies[0] statement 1\n")


@pytest.mark.parametrize(("content", "fragment"), [
    (None, "cannot read: No such file or directory"),
    ('{"policies": [', "not valid JSON: Expecting value at line 1 column 15"),
    (request(extra=1), "unknown field 'extra'"),
    (request(action=""), "action must be a non-empty string"),
    (request(principal={"type": "user", "arn": "x", "account": "1"}), "must be 12 digits"),
    (request(policies=[ARTICLE, {"Statement": {"Effect": "Allow", "Action": "GetObject",
                                               "Resource": "*"}}]),
     "policies[1]: Statement[0] Action: action 'GetObject' needs a service prefix"),
])
def test_simulate_invalid_input(tmp_path: Path, content: Any, fragment: str) -> None:
    """Unusable input exits 1 with one stderr line naming the file and the fault."""
    path = str(tmp_path / "missing.json") if content is None else write(tmp_path, content)
    for args in (("simulate", path), ("simulate", "--json", path)):
        result = run(*args)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"karashi policy: {path}: ")
        assert fragment in result.stderr


def test_usage_errors_exit_2() -> None:
    """A usage error keeps click's status 2, which no decision uses."""
    assert run("simulate").exit_code == 2
    assert run("lint", "--kind", "other", "x.json").exit_code == 2


def test_help_documents_exit_status() -> None:
    """--help of both commands states the exit status convention."""
    assert "Exit status: 0 Allow, 3 ExplicitDeny, 4 ImplicitDeny; 1 the input" in \
        run("simulate", "--help").stdout
    assert "Exit status: 0 no findings, 3 warnings, 1 a MalformedPolicy" in \
        run("lint", "--help").stdout


def test_lint_clean_policy(tmp_path: Path) -> None:
    """A policy without findings exits 0 and says so."""
    clean = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
    path = write(tmp_path, clean)
    result = run("lint", path)
    assert (result.exit_code, result.stdout) == (0, f"{path}: no findings (identity policy)\n")
    assert json.loads(run("lint", "--json", path).stdout)["warnings"] == []


def test_lint_warnings(tmp_path: Path) -> None:
    """The MFA Bool trap, Allow with NotAction and an unreachable Allow exit 3."""
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "NoMfaNoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
        {"Effect": "Deny", "Action": "s3:Get*", "Resource": "*"}]}
    path = write(tmp_path, document)
    result = run("lint", path)
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert [line.split(": ")[1:3] for line in lines] == [
        ["Statement[0]", "allow-notaction"],
        ["Statement[2] (Sid NoMfaNoS3)", "mfa-bool"],
        ["Statement[1]", "unreachable-statement"]]
    assert "use BoolIfExists" in lines[1]
    report = json.loads(run("lint", "--json", path).stdout)
    assert report["errors"] == [] and report["kind"] == "identity"
    assert report["warnings"][1] == {
        "code": "mfa-bool", "message": report["warnings"][1]["message"], "statement": 2,
        "sid": "NoMfaNoS3"}


def test_lint_reads_bucket_policies(tmp_path: Path) -> None:
    """A document with a Principal is linted as a bucket policy: "*" without a Condition."""
    public = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*"}]}
    result = run("lint", "-", stdin=json.dumps(public))
    assert result.exit_code == 3
    assert result.stdout.startswith("-: Statement[0]: public-principal: ")
    forced = run("lint", "--kind", "identity", "--json", write(tmp_path, public))
    assert forced.exit_code == 1
    assert "Principal is not allowed in an identity policy" in \
        json.loads(forced.stdout)["errors"][0]["message"]


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"Statement": [', "not valid JSON"),
    (('{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:*", '
      '"Resource": "*"}]}'), 'Statement[0]: Effect must be "Allow" or "Deny"'),
])
def test_lint_reports_malformed_policy(tmp_path: Path, content: str, fragment: str) -> None:
    """A document that is not a valid policy is a MalformedPolicy finding, exit 1."""
    path = write(tmp_path, content)
    result = run("lint", path)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}: MalformedPolicy: ")
    assert fragment in result.stdout
    report = json.loads(run("lint", "--json", path).stdout)
    assert report["errors"][0]["code"] == "MalformedPolicy"
    assert fragment in report["errors"][0]["message"]


def test_lint_unreadable_file(tmp_path: Path) -> None:
    """A file that cannot be read exits 1 with one line on stderr."""
    result = run("lint", str(tmp_path / "nope.json"))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "cannot read" in result.stderr
