"""The request context a policy is evaluated against.

This is where Wasabi and AWS differ, so the switch lives here and not in the engine:
Wasabi gives long-term keys ``aws:MultiFactorAuthPresent = false`` (the article's
``Bool ... "false"`` deny then refuses them), while AWS leaves the key out for
long-term keys (``--compat aws``). See "AWS global condition context keys",
aws:MultiFactorAuthPresent, in the IAM User Guide.
"""

from __future__ import annotations

from datetime import datetime

from karashi.identity.caller import Caller


def request_context(caller: Caller | None, *, now: datetime, secure: bool, source_ip: str,
                    compat: str = "wasabi") -> dict[str, str]:
    context = {
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SecureTransport": "true" if secure else "false",
    }
    if source_ip:
        context["aws:SourceIp"] = source_ip
    if caller is None:
        return context

    context["aws:PrincipalArn"] = caller.arn
    context["aws:PrincipalAccount"] = caller.account_id
    context["aws:PrincipalType"] = "Account" if caller.is_root else "User"
    context["aws:userid"] = caller.user_id
    if caller.user is not None:
        context["aws:username"] = caller.user.name

    session = caller.session
    if session is not None:
        if session.mfa_at is not None:
            context["aws:MultiFactorAuthPresent"] = "true"
            age = max(0, int((now - session.mfa_at).total_seconds()))
            context["aws:MultiFactorAuthAge"] = str(age)
        else:
            context["aws:MultiFactorAuthPresent"] = "false"
    elif compat != "aws":
        context["aws:MultiFactorAuthPresent"] = "false"
    return context
