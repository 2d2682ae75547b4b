"""Settings Karashi does not keep, answered as S3 answers a bucket that never had them
("Controlling ownership of objects and disabling ACLs", S3 User Guide, for the ACLs)."""

from __future__ import annotations

import secrets

import botocore.exceptions
import pytest

from conftest import root_client
from e2e.helpers import make_user
from server import Server


@pytest.fixture
def s3(server: Server) -> object:
    return root_client(server, "s3")


@pytest.fixture
def bucket(s3) -> str:
    name = "settings-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    return name


def code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def test_versioning_was_never_enabled(s3, bucket: str) -> None:
    """GetBucketVersioning: 200 with no Status, as for a bucket never versioned."""
    answer = s3.get_bucket_versioning(Bucket=bucket)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200 and "Status" not in answer


def test_acls_show_the_owner_alone(s3, bucket: str) -> None:
    """GetBucketAcl and GetObjectAcl: the owner with FULL_CONTROL, nothing else."""
    for acl in (s3.get_bucket_acl(Bucket=bucket), s3.get_object_acl(Bucket=bucket, Key="k")):
        (grant,) = acl["Grants"]
        assert grant["Permission"] == "FULL_CONTROL"
        assert grant["Grantee"]["Type"] == "CanonicalUser"
        assert grant["Grantee"]["ID"] == acl["Owner"]["ID"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.get_object_acl(Bucket=bucket, Key="absent")
    assert code(info.value) == "NoSuchKey"


def test_unset_settings_are_not_found(s3, bucket: str) -> None:
    """Settings never made answer 404 with S3's own error code for each."""
    expected = {
        s3.get_bucket_cors: "NoSuchCORSConfiguration",
        s3.get_bucket_lifecycle_configuration: "NoSuchLifecycleConfiguration",
        s3.get_bucket_tagging: "NoSuchTagSet",
        s3.get_bucket_encryption: "ServerSideEncryptionConfigurationNotFoundError",
        s3.get_public_access_block: "NoSuchPublicAccessBlockConfiguration",
        s3.get_bucket_website: "NoSuchWebsiteConfiguration",
    }
    for call, error in expected.items():
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call(Bucket=bucket)
        assert code(info.value) == error


def test_object_tags_and_ownership(s3, bucket: str) -> None:
    """An object has no tags; the bucket's ownership is BucketOwnerEnforced."""
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_acls_that_grant_more_are_refused(s3, bucket: str) -> None:
    """A canned ACL or grant beyond the owner is AccessControlListNotSupported and stores
    nothing; private and bucket-owner-full-control are accepted as no-ops."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_object(Bucket=bucket, Key="public", Body=b"x", ACL="public-read")
    assert code(info.value) == "AccessControlListNotSupported"
    with pytest.raises(botocore.exceptions.ClientError):
        s3.head_object(Bucket=bucket, Key="public")
    s3.put_object(Bucket=bucket, Key="owned", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert code(info.value) == "AccessControlListNotSupported"
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Owner": owner, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
                                    "Permission": "FULL_CONTROL"}]})


def test_reading_a_setting_needs_its_permission(server: Server, s3, bucket: str) -> None:
    """Each setting is authorized by its own action: s3:GetBucketVersioning here."""
    user = make_user(server, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": "*"}]}, mfa=False)
    client = user.client(server, "s3")
    client.get_bucket_acl(Bucket=bucket)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.get_bucket_versioning(Bucket=bucket)
    assert code(info.value) == "AccessDenied"
