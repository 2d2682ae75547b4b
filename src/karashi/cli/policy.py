"""``karashi policy``: decide and check policies on this machine, without a server.

Both commands answer through their exit status, so scripts need not read the output:

====  =====================================================================
0     simulate: Allow.                lint: no findings.
1     the input cannot be used: unreadable file, invalid JSON, an invalid
      simulation request, a malformed policy (one line on stderr, or for
      lint the MalformedPolicy finding itself).
2     command-line usage error (click's own convention, e.g. a missing
      argument or an unknown option).
3     simulate: ExplicitDeny.         lint: warnings found.
4     simulate: ImplicitDeny.
====  =====================================================================

Denials are never 2, so a mistyped command cannot pass for a decision.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import click

from karashi.policy import (
    Decision, Effect, InvalidSimulation, LintWarning, MalformedPolicy, PolicyKind, lint,
    parse_policy, simulate,
)

EXIT_ALLOW = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_EXPLICIT_DENY = 3
EXIT_IMPLICIT_DENY = 4
EXIT_LINT_WARNINGS = 3

EXIT_CODES = {
    Effect.ALLOW: EXIT_ALLOW,
    Effect.EXPLICIT_DENY: EXIT_EXPLICIT_DENY,
    Effect.IMPLICIT_DENY: EXIT_IMPLICIT_DENY,
}

_SIMULATE_HELP = """Decide one request described in REQUEST.json ("-" reads stdin).

\b
REQUEST.json holds one JSON object:
  {"policies": [<identity policy document>, ...],
   "bucket_policy": <document>,                          (optional)
   "principal": {"type": "user", "arn": "arn:aws:iam::123456789012:user/alice",
                 "account": "123456789012"},             (absent: anonymous)
   "action": "s3:PutObject",
   "resource": "arn:aws:s3:::bucket/key",
   "resource_account": "123456789012",                   (optional)
   "context": {"aws:MultiFactorAuthPresent": "false", "aws:TagKeys": ["a", "b"]}}
A policy may be {"name": "...", "document": <document>} so that the answer names it;
a document may be a JSON object or a string holding one. principal "type" may be
"user", "root" or "anonymous".

\b
Prints the decision and the statement that made it, e.g.
  ExplicitDeny by policies[0] statement 2 (Sid DenyWithoutMfa)
or with --json one object: decision, allowed, policy, policy_index, statement, sid,
reason, explanation.

\b
Exit status: 0 Allow, 3 ExplicitDeny, 4 ImplicitDeny; 1 the input cannot be used
(one line on stderr names what is wrong); 2 a command-line usage error.
"""

_LINT_HELP = """Report policy traps in FILE ("-" reads stdin).

\b
Warnings: Bool on aws:MultiFactorAuthPresent (use BoolIfExists), Allow with
NotAction or NotResource, ForAllValues in an Allow, "Principal": "*" without a
Condition, statements an unconditional Deny makes unreachable. A document that is
not a valid policy is reported as a MalformedPolicy error. --kind auto (the default)
reads FILE as a bucket policy when a statement has Principal or NotPrincipal.

\b
Exit status: 0 no findings, 3 warnings, 1 a MalformedPolicy error or an unreadable
file, 2 a command-line usage error.
"""


@click.group()
def policy() -> None:
    """Simulate and lint IAM and bucket policies locally (no server needed)."""


@policy.command("simulate", help=_SIMULATE_HELP)
@click.argument("request_file", metavar="REQUEST.json",
                type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def simulate_cmd(request_file: str, as_json: bool) -> NoReturn:
    request = _load_json(request_file)
    try:
        decision = simulate(request)
    except (InvalidSimulation, MalformedPolicy) as exc:
        _fail(request_file, str(exc))
    if as_json:
        click.echo(json.dumps(decision_json(decision, request)))
    else:
        click.echo(str(decision))
    click.get_current_context().exit(EXIT_CODES[decision.effect])


def decision_json(decision: Decision, request: Mapping[str, Any]) -> dict[str, Any]:
    """The --json answer: the decision and where its deciding statement is."""
    index = None
    if decision.policy is not None:
        names = _identity_names(request.get("policies"))
        index = names.index(decision.policy) if decision.policy in names else None
    return {"decision": decision.effect.value, "allowed": decision.allowed,
            "policy": decision.policy, "policy_index": index,
            "statement": decision.statement, "sid": decision.sid,
            "reason": decision.reason, "explanation": str(decision)}


def _identity_names(policies: object) -> list[str]:
    # The names simulate() gives: a wrapper's "name", else the place in the list.
    if not isinstance(policies, list):
        return []
    names = []
    for i, item in enumerate(policies):
        named = isinstance(item, Mapping) and "document" in item and item.get("name")
        names.append(str(item["name"]) if named else f"policies[{i}]")
    return names


@policy.command("lint", help=_LINT_HELP)
@click.argument("policy_file", metavar="FILE",
                type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--kind", type=click.Choice(["auto", "identity", "resource"]), default="auto",
              show_default=True, help="Read FILE as an identity or a bucket policy.")
def lint_cmd(policy_file: str, as_json: bool, kind: str) -> NoReturn:
    text = _read(policy_file)
    chosen: PolicyKind = _guess_kind(text) if kind == "auto" else (
        "resource" if kind == "resource" else "identity")
    warnings: list[LintWarning] = []
    error = None
    try:
        warnings = lint(parse_policy(text, chosen, name=policy_file), chosen)
    except MalformedPolicy as exc:
        error = str(exc)

    if as_json:
        click.echo(json.dumps({
            "file": policy_file, "kind": chosen,
            "errors": [{"code": "MalformedPolicy", "message": error}] if error else [],
            "warnings": [{"code": w.code, "message": w.message, "statement": w.statement,
                          "sid": w.sid} for w in warnings]}))
    elif error:
        click.echo(f"{policy_file}: MalformedPolicy: {error}")
    elif warnings:
        for warning in warnings:
            click.echo(f"{policy_file}: {warning}")
    else:
        click.echo(f"{policy_file}: no findings ({chosen} policy)")
    status = EXIT_INVALID if error else EXIT_LINT_WARNINGS if warnings else EXIT_ALLOW
    click.get_current_context().exit(status)


def _guess_kind(text: str) -> PolicyKind:
    """"resource" when some statement names a Principal; parse_policy judges the rest."""
    try:
        document = json.loads(text)
    except ValueError:
        return "identity"
    statements = document.get("Statement") if isinstance(document, dict) else None
    items = statements if isinstance(statements, list) else [statements]
    named = any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s)
                for s in items)
    return "resource" if named else "identity"


def _read(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        _fail(path, f"cannot read: {exc.strerror or exc}")
    except UnicodeDecodeError as exc:
        _fail(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})")


def _load_json(path: str) -> Any:
    text = _read(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(path, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")


def _fail(path: str, message: str) -> NoReturn:
    """One line on stderr naming the file and what is wrong; exit status 1."""
    click.echo(f"karashi policy: {path}: {message}", err=True)
    click.get_current_context().exit(EXIT_INVALID)
