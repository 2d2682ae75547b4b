"""The IAM policy engine: parse, validate and evaluate identity and bucket policies.

A pure package: no HTTP, no storage, no I/O, no logging. Errors are raised
(`MalformedPolicy`); decisions are returned (`Decision`). Comments cite AWS pages by
title; they are in the IAM User Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/.

    policy = parse_policy(text, kind="identity", name="arn:aws:iam::123456789012:policy/p")
    decision = evaluate(action="s3:PutObject", resource="arn:aws:s3:::bucket/key",
                        context={...}, identity_policies=[policy], principal=...)
"""

from .decision import Decision, Effect
from .document import Policy, PolicyKind, parse_policy
from .errors import MalformedPolicy
from .evaluate import evaluate
from .lint import LintWarning, lint
from .principal import Principal
from .simulate import InvalidSimulation, simulate

__all__ = [
    "Decision",
    "Effect",
    "InvalidSimulation",
    "LintWarning",
    "MalformedPolicy",
    "Policy",
    "PolicyKind",
    "Principal",
    "evaluate",
    "lint",
    "parse_policy",
    "simulate",
]
