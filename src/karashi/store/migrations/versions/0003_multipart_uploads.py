"""Multipart uploads in progress and their parts

Revision ID: 0003_multipart_uploads
Revises: 0002_aws_managed_policies
Create Date: 2026-12-17

Written by hand. Two new tables, nothing existing changes: ``multipart_uploads`` (one
row per upload begun and neither completed nor aborted) and ``upload_parts`` (one row
per part received, each naming its own blob).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_multipart_uploads"
down_revision = "0002_aws_managed_policies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "multipart_uploads",
        sa.Column("upload_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column("key", sa.LargeBinary(length=1024), nullable=False),
        sa.Column("content_type", sa.String(length=256), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("checksum_algorithm", sa.String(length=16), nullable=True),
        sa.Column("initiator", sa.String(length=2048), nullable=False),
        sa.Column("initiated", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bucket"], ["buckets.name"]),
        sa.PrimaryKeyConstraint("upload_id"),
    )
    op.create_index("ix_multipart_uploads_bucket_key", "multipart_uploads",
                    ["bucket", "key", "upload_id"])
    op.create_table(
        "upload_parts",
        sa.Column("upload_id", sa.String(length=64), nullable=False),
        sa.Column("part_number", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("checksums", sa.Text(), nullable=False),
        sa.Column("blob", sa.String(length=64), nullable=False),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["upload_id"], ["multipart_uploads.upload_id"]),
        sa.PrimaryKeyConstraint("upload_id", "part_number"),
    )


def downgrade() -> None:
    op.drop_table("upload_parts")
    op.drop_index("ix_multipart_uploads_bucket_key", table_name="multipart_uploads")
    op.drop_table("multipart_uploads")
