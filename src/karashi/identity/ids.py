"""Identifiers and ARNs, in the shapes AWS clients expect.

Account ids are 12 digits; unique ids carry AWS's four-letter prefixes (AIDA users,
AKIA long-term keys, ASIA session keys, ANPA managed policies); ARNs use the ``aws``
partition so existing tools accept them.
"""

from __future__ import annotations

import secrets
import string

_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def account_id() -> str:
    # A leading zero is legal in AWS but trips tools that parse ids as numbers.
    return str(secrets.choice(range(1, 10))) + _random(string.digits, 11)


def user_id() -> str:
    return "AIDA" + _random(_ID_ALPHABET, 17)


def policy_id() -> str:
    return "ANPA" + _random(_ID_ALPHABET, 17)


def access_key_id() -> str:
    return "AKIA" + _random(_ID_ALPHABET, 16)


def session_key_id() -> str:
    return "ASIA" + _random(_ID_ALPHABET, 16)


def secret_access_key() -> str:
    return _random(_SECRET_ALPHABET, 40)


def session_token() -> str:
    return "FwoG" + secrets.token_urlsafe(96)


def user_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def policy_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:policy{path}{name}"


def mfa_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:mfa{path}{name}"
