"""Setting up users, policies and MFA devices through the IAM API with boto3."""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pyotp

from conftest import client, root_client
from server import Server

FORCE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
}


@dataclass
class MfaUser:
    name: str
    arn: str
    key: str
    secret: str
    serial: str
    seed: str

    def code(self, steps_ahead: int = 1) -> str:
        return pyotp.TOTP(self.seed).at(time.time() + 30 * steps_ahead)

    def client(self, srv: Server, service: str, **config: Any) -> Any:
        return client(srv, service, self.key, self.secret, **config)


def make_user(srv: Server, policy: dict[str, Any] | None = None, mfa: bool = True) -> MfaUser:
    """A user with an access key, the given policy attached and an enabled MFA device."""
    iam = root_client(srv, "iam")
    name = "user-" + secrets.token_hex(4)
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    if policy is not None:
        arn = iam.create_policy(PolicyName=f"p-{name}",
                                PolicyDocument=json.dumps(policy))["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    serial, seed = "", ""
    if mfa:
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
        serial = device["SerialNumber"]
        seed = device["Base32StringSeed"].decode()
        totp = pyotp.TOTP(seed)
        now = time.time()
        iam.enable_mfa_device(UserName=name, SerialNumber=serial,
                              AuthenticationCode1=totp.at(now - 30),
                              AuthenticationCode2=totp.at(now))
    return MfaUser(name, user["Arn"], key["AccessKeyId"], key["SecretAccessKey"], serial, seed)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
