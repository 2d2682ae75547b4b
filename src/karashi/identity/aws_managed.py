"""The predefined (AWS-managed) policies every account shares.

As on AWS and Wasabi, each account can attach ``arn:aws:iam::aws:policy/<Name>``
(AdministratorAccess, AmazonS3FullAccess, AmazonS3ReadOnlyAccess, IAMUserChangePassword,
IAMFullAccess, IAMReadOnlyAccess) but cannot delete or version them: they belong to the
``aws`` account, not to the caller's. They are stored once, with ``account_id`` NULL,
seeded by the Alembic data migration ``0002_aws_managed_policies``, which holds their
documents.
"""

from __future__ import annotations

from karashi.identity.errors import AccessDenied

ARN_PREFIX = "arn:aws:iam::aws:policy/"

#: The names migration 0002 seeds.
NAMES = (
    "AdministratorAccess", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess",
    "IAMFullAccess", "IAMReadOnlyAccess", "IAMUserChangePassword",
)


def is_aws_managed(arn: str) -> bool:
    return arn.startswith(ARN_PREFIX)


def refuse_change(arn: str, action: str) -> AccessDenied:
    """The error for an account trying to change a policy that AWS manages."""
    return AccessDenied(f"Cannot perform {action} on {arn}: AWS managed policies belong "
                        "to AWS, not to your account; create a customer managed policy "
                        "instead.")
