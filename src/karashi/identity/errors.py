"""Errors of the identity directory, with IAM's codes and statuses."""

from __future__ import annotations

from karashi.errors import ServiceError


class NoSuchEntity(ServiceError):
    code, status = "NoSuchEntity", 404


class EntityAlreadyExists(ServiceError):
    code, status = "EntityAlreadyExists", 409


class DeleteConflict(ServiceError):
    code, status = "DeleteConflict", 409


class LimitExceeded(ServiceError):
    code, status = "LimitExceeded", 409


class ValidationError(ServiceError):
    code, status = "ValidationError", 400


class InvalidInput(ServiceError):
    code, status = "InvalidInput", 400


class InvalidAuthenticationCode(ServiceError):
    code, status = "InvalidAuthenticationCode", 403


class AccessDenied(ServiceError):
    code, status = "AccessDenied", 403


class MalformedPolicyDocument(ServiceError):
    code, status = "MalformedPolicyDocument", 400


class InvalidClientTokenId(ServiceError):
    code, status = "InvalidClientTokenId", 403


class ExpiredToken(ServiceError):
    code, status = "ExpiredToken", 403


# Credential errors use S3's codes; the HTTP layer renames them for IAM and STS
# (both answer InvalidClientTokenId where S3 says InvalidAccessKeyId or InvalidToken).
class InvalidAccessKeyId(ServiceError):
    code, status = "InvalidAccessKeyId", 403


class InvalidToken(ServiceError):
    code, status = "InvalidToken", 400
