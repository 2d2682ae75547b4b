"""IAM users with an access key of their own, in any account, for the IAM API tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conftest import client
from iam_support import fresh
from server import Server


@dataclass
class KeyedUser:
    name: str
    key: str
    secret: str

    def client(self, srv: Server, service: str, **config: Any) -> Any:
        return client(srv, service, self.key, self.secret, **config)


def user_with_key(iam: Any, policy: str | None = None, prefix: str = "u") -> KeyedUser:
    """A user of ``iam``'s account with one access key and, if given, the policy
    document ``policy`` (JSON text) attached as a managed policy."""
    name = fresh(prefix)
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    if policy is not None:
        arn = iam.create_policy(PolicyName=f"p-{name}", PolicyDocument=policy)["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    return KeyedUser(name, key["AccessKeyId"], key["SecretAccessKey"])
