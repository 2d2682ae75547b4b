"""STS query API (Version 2011-06-15): GetSessionToken and GetCallerIdentity.

Neither needs a permission: "No permissions are required to perform this operation"
(GetCallerIdentity), and GetSessionToken is allowed to any long-term credential
("Permissions for GetSessionToken", IAM User Guide).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from karashi.http import xml
from karashi.identity.caller import Caller
from karashi.identity.sessions import get_session_token as issue_session
from karashi.store import Store


@dataclass
class StsCall:
    action: str
    params: dict[str, str]
    caller: Caller
    store: Store
    compat: str


def get_session_token(call: StsCall) -> list[xml.Node]:
    creds = issue_session(call.store, call.caller, call.params.get("DurationSeconds"),
                          call.params.get("SerialNumber") or None,
                          call.params.get("TokenCode") or None,
                          accept_user_arn=call.compat != "aws")
    return [("Credentials", [("AccessKeyId", creds.access_key_id),
                             ("SecretAccessKey", creds.secret_access_key),
                             ("SessionToken", creds.session_token),
                             ("Expiration", creds.expiration)])]


def get_caller_identity(call: StsCall) -> list[xml.Node]:
    return [("Arn", call.caller.arn), ("UserId", call.caller.user_id),
            ("Account", call.caller.account_id)]


ACTIONS: dict[str, Callable[[StsCall], list[xml.Node]]] = {
    "GetSessionToken": get_session_token,
    "GetCallerIdentity": get_caller_identity,
}
