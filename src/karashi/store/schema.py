"""Metadata tables, described once with SQLAlchemy Core.

The Alembic migrations in ``store/migrations`` create exactly these tables; a test
checks the two agree. Secrets are stored sealed (``store/sealed.py``), never in clear.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, LargeBinary,
    MetaData, String, Table, Text, UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("id", String(12), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("path", String(512), nullable=False, default="/"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_users_account_name"),
)

access_keys = Table(
    "access_keys", metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    # NULL for the account's root user.
    Column("user_id", String(32), ForeignKey("users.id"), nullable=True),
    Column("secret_sealed", LargeBinary, nullable=False),
    Column("status", String(8), nullable=False, default="Active"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("last_used_service", String(16), nullable=True),
    Column("last_used_region", String(32), nullable=True),
    Index("ix_access_keys_user", "user_id"),
)

managed_policies = Table(
    "managed_policies", metadata,
    Column("id", String(32), primary_key=True),
    # NULL for the predefined (AWS-managed) policies every account shares.
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=True),
    Column("name", String(128), nullable=False),
    Column("path", String(512), nullable=False, default="/"),
    Column("arn", String(2048), nullable=False, unique=True),
    Column("description", String(1000), nullable=False, default=""),
    Column("default_version", String(8), nullable=False),
    # The highest version number the policy ever had: IAM never reuses a version id.
    Column("last_version", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_policies_account_name"),
)

policy_versions = Table(
    "policy_versions", metadata,
    Column("policy_id", String(32), ForeignKey("managed_policies.id"), primary_key=True),
    Column("version_id", String(8), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

user_policy_attachments = Table(
    "user_policy_attachments", metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("policy_id", String(32), ForeignKey("managed_policies.id"), primary_key=True),
    Column("attached_at", DateTime(timezone=True), nullable=False),
)

groups = Table(
    "groups", metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("path", String(512), nullable=False, default="/"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_groups_account_name"),
)

group_members = Table(
    "group_members", metadata,
    Column("group_id", String(32), ForeignKey("groups.id"), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Index("ix_group_members_user", "user_id"),
)

group_policy_attachments = Table(
    "group_policy_attachments", metadata,
    Column("group_id", String(32), ForeignKey("groups.id"), primary_key=True),
    Column("policy_id", String(32), ForeignKey("managed_policies.id"), primary_key=True),
    Column("attached_at", DateTime(timezone=True), nullable=False),
)

roles = Table(
    "roles", metadata,
    Column("id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("path", String(512), nullable=False, default="/"),
    Column("description", String(1000), nullable=False, default=""),
    Column("trust_policy", Text, nullable=False),
    Column("max_session_duration", Integer, nullable=False, default=3600),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_roles_account_name"),
)

role_policy_attachments = Table(
    "role_policy_attachments", metadata,
    Column("role_id", String(32), ForeignKey("roles.id"), primary_key=True),
    Column("policy_id", String(32), ForeignKey("managed_policies.id"), primary_key=True),
    Column("attached_at", DateTime(timezone=True), nullable=False),
)

inline_policies = Table(
    "inline_policies", metadata,
    # "user", "group" or "role", and that entity's id.
    Column("owner_kind", String(8), primary_key=True),
    Column("owner_id", String(32), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("document", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

password_policies = Table(
    "password_policies", metadata,
    Column("account_id", String(12), ForeignKey("accounts.id"), primary_key=True),
    # JSON object of the policy's settings, with a "version" field.
    Column("settings", Text, nullable=False),
)

account_aliases = Table(
    "account_aliases", metadata,
    Column("alias", String(63), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False, unique=True),
)

mfa_devices = Table(
    "mfa_devices", metadata,
    Column("serial", String(2048), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(256), nullable=False),
    Column("path", String(512), nullable=False, default="/"),
    Column("seed_sealed", LargeBinary, nullable=False),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=True),
    Column("enabled_at", DateTime(timezone=True), nullable=True),
    # The highest TOTP time step accepted so far: a code is never accepted twice.
    Column("last_step", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "name", name="uq_mfa_account_name"),
)

login_profiles = Table(
    "login_profiles", metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("password_hash", String(256), nullable=False),
    Column("reset_required", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=True),
)

sessions = Table(
    "sessions", metadata,
    Column("access_key_id", String(32), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    # NULL for sessions of the root user.
    Column("user_id", String(32), ForeignKey("users.id"), nullable=True),
    Column("secret_sealed", LargeBinary, nullable=False),
    # SHA-256 of the session token: the token itself is never stored.
    Column("token_hash", String(64), nullable=False),
    Column("mfa_at", DateTime(timezone=True), nullable=True),
    Column("mfa_serial", String(2048), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_sessions_expires", "expires_at"),
)

buckets = Table(
    "buckets", metadata,
    Column("name", String(63), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("region", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The bucket policy exactly as it was put, or NULL.
    Column("policy", Text, nullable=True),
)

objects = Table(
    "objects", metadata,
    Column("bucket", String(63), ForeignKey("buckets.name"), primary_key=True),
    # UTF-8 bytes: both SQLite and PostgreSQL then order keys as S3 does, bytewise.
    Column("key", LargeBinary(1024), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("content_type", String(256), nullable=False),
    # JSON object: user metadata (x-amz-meta-*) and stored system headers.
    Column("headers", Text, nullable=False),
    Column("blob", String(64), nullable=False),
    Column("last_modified", DateTime(timezone=True), nullable=False),
)

# Multipart uploads in progress ("Uploading and copying objects using multipart
# upload", S3 User Guide). The object they will become is invisible until
# CompleteMultipartUpload writes its row in ``objects`` and removes these.
multipart_uploads = Table(
    "multipart_uploads", metadata,
    # Random and opaque: knowing an upload id is what lets a caller add parts to it.
    Column("upload_id", String(64), primary_key=True),
    Column("bucket", String(63), ForeignKey("buckets.name"), nullable=False),
    Column("key", LargeBinary(1024), nullable=False),
    Column("content_type", String(256), nullable=False),
    # JSON object: the headers the object will keep, as for ``objects.headers``.
    Column("headers", Text, nullable=False),
    # The x-amz-checksum-algorithm given on CreateMultipartUpload, lower case, or NULL.
    Column("checksum_algorithm", String(16), nullable=True),
    Column("initiator", String(2048), nullable=False),
    Column("initiated", DateTime(timezone=True), nullable=False),
    Index("ix_multipart_uploads_bucket_key", "bucket", "key", "upload_id"),
)

upload_parts = Table(
    "upload_parts", metadata,
    Column("upload_id", String(64), ForeignKey("multipart_uploads.upload_id"),
           primary_key=True),
    Column("part_number", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(64), nullable=False),
    # JSON object: the part's x-amz-checksum-* header, if one was sent.
    Column("checksums", Text, nullable=False),
    Column("blob", String(64), nullable=False),
    Column("last_modified", DateTime(timezone=True), nullable=False),
)

settings_table = Table(
    "server_settings", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)
