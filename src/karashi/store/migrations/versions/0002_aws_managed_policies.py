"""AWS-managed policies, and a version counter on managed policies

Revision ID: 0002_aws_managed_policies
Revises: 0001
Create Date: 2026-12-10

Two changes, written by hand:

- ``managed_policies.last_version``: the highest version number a policy has ever had.
  IAM never reuses a version id (delete v3, and the next version is still v4), and the
  authorizer caches compiled policies by version, so a version id must never name two
  documents. Existing policies only ever had v1.
- The predefined policies every account shares, as AWS and Wasabi have them
  (``arn:aws:iam::aws:policy/<Name>``, ``account_id`` NULL). Their documents are copied
  here as they were at this revision: a later change to one is a new version, added by
  a new migration, never an edit of this one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_aws_managed_policies"
down_revision = "0001"
branch_labels = None
depends_on = None

_CREATED = datetime(2015, 2, 6, 18, 39, 46, tzinfo=UTC)


def _doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=4)


# (name, description, document)
POLICIES = [
    ("AdministratorAccess",
     "Provides full access to AWS services and resources.",
     _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
    ("AmazonS3FullAccess",
     "Provides full access to all buckets via the AWS Management Console.",
     _doc({"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"})),
    ("AmazonS3ReadOnlyAccess",
     "Provides read only access to all buckets via the AWS Management Console.",
     _doc({"Effect": "Allow",
           "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*",
                      "s3-object-lambda:List*"],
           "Resource": "*"})),
    ("IAMUserChangePassword",
     "Provides the ability for an IAM user to change their own password.",
     _doc({"Effect": "Allow", "Action": ["iam:ChangePassword"],
           "Resource": ["arn:aws:iam::*:user/${aws:username}"]},
          {"Effect": "Allow", "Action": ["iam:GetAccountPasswordPolicy"], "Resource": "*"})),
    ("IAMFullAccess",
     "Provides full access to IAM via the AWS Management Console.",
     _doc({"Effect": "Allow",
           "Action": ["iam:*", "organizations:DescribeAccount",
                      "organizations:DescribeOrganization",
                      "organizations:DescribeOrganizationalUnit",
                      "organizations:DescribePolicy", "organizations:ListChildren",
                      "organizations:ListParents", "organizations:ListPoliciesForTarget",
                      "organizations:ListRoots", "organizations:ListPolicies",
                      "organizations:ListTargetsForPolicy"],
           "Resource": "*"})),
    ("IAMReadOnlyAccess",
     "Provides read only access to IAM via the AWS Management Console.",
     _doc({"Effect": "Allow",
           "Action": ["iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails",
                      "iam:Get*", "iam:List*", "iam:SimulateCustomPolicy",
                      "iam:SimulatePrincipalPolicy"],
           "Resource": "*"})),
]


def _policy_id(name: str) -> str:
    # The same id on every installation: ANPA and 17 Base32 characters, as AWS's look.
    digest = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()
    return "ANPA" + digest[:17]


_policies = sa.table(
    "managed_policies",
    sa.column("id", sa.String), sa.column("account_id", sa.String),
    sa.column("name", sa.String), sa.column("path", sa.String), sa.column("arn", sa.String),
    sa.column("description", sa.String), sa.column("default_version", sa.String),
    sa.column("last_version", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)))
_versions = sa.table(
    "policy_versions",
    sa.column("policy_id", sa.String), sa.column("version_id", sa.String),
    sa.column("document", sa.Text), sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    with op.batch_alter_table("managed_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_version", sa.Integer(), nullable=False,
                                      server_default="1"))

    op.bulk_insert(_policies, [
        {"id": _policy_id(name), "account_id": None, "name": name, "path": "/",
         "arn": f"arn:aws:iam::aws:policy/{name}", "description": description,
         "default_version": "v1", "last_version": 1, "created_at": _CREATED,
         "updated_at": _CREATED}
        for name, description, _ in POLICIES])
    op.bulk_insert(_versions, [
        {"policy_id": _policy_id(name), "version_id": "v1", "document": document,
         "created_at": _CREATED}
        for name, _, document in POLICIES])


def downgrade() -> None:
    ids = [_policy_id(name) for name, _, _ in POLICIES]
    for table in ("user_policy_attachments", "group_policy_attachments",
                  "role_policy_attachments", "policy_versions"):
        rows = sa.table(table, sa.column("policy_id", sa.String))
        op.execute(rows.delete().where(rows.c.policy_id.in_(ids)))
    op.execute(_policies.delete().where(_policies.c.id.in_(ids)))
    with op.batch_alter_table("managed_policies", schema=None) as batch_op:
        batch_op.drop_column("last_version")
