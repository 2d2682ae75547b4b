"""The one error the policy package raises for a document it cannot accept."""

from __future__ import annotations


class MalformedPolicy(ValueError):
    """A policy document that is not valid; ``str()`` says what is wrong and where.

    The IAM and S3 layers map it to ``MalformedPolicyDocument`` (IAM) and
    ``MalformedPolicy`` (S3 PutBucketPolicy), each with this message.
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        self.detail = message
        super().__init__(f"{where}: {message}" if where else message)
