"""The calls to STS and IAM, through botocore, with errors turned into one actionable line.

GetSessionToken is sent exactly once: a retry would resend a one-time code that the
service may already have consumed ("GetSessionToken", AWS STS API Reference), so the
client is built with a single attempt and short timeouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from karashi.mfa.endpoints import Endpoint
from karashi.mfa.errors import CodeRefused, MfaError, Unreachable, UsageError
from karashi.mfa.session import SessionCredentials

#: One attempt, short timeouts (botocore.config.Config keywords).
CLIENT_CONFIG = {"retries": {"total_max_attempts": 1}, "connect_timeout": 5,
                 "read_timeout": 30, "user_agent_extra": "karashi-mfa"}


@dataclass(frozen=True)
class LongTermKey:
    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:
        return f"LongTermKey(access_key_id={self.access_key_id!r}, secret=<redacted>)"


Keys = LongTermKey | SessionCredentials


class Remote:
    """STS and IAM as seen from one profile: its region, its endpoints, its CA bundle."""

    def __init__(self, profile: str, region: str | None, endpoints: dict[str, Endpoint],
                 use_profile: bool = True) -> None:
        self.profile = profile
        self.region = region or "us-east-1"
        self.endpoints = endpoints
        # The profile gives botocore its ca_bundle and other transport settings; the
        # keys and endpoints are always passed explicitly. A profile still being
        # configured does not exist yet, so botocore then reads no profile of ours.
        # botocore is imported here: commands that make no call start faster without it.
        import botocore.session  # type: ignore[import-untyped]

        self._session = botocore.session.Session(profile=profile if use_profile else None)

    def _client(self, service: str, keys: Keys) -> Any:
        from botocore.config import Config  # type: ignore[import-untyped]

        token = keys.session_token if isinstance(keys, SessionCredentials) else None
        return self._session.create_client(
            service, region_name=self.region, endpoint_url=self.endpoints[service].url,
            aws_access_key_id=keys.access_key_id, aws_secret_access_key=keys.secret_access_key,
            aws_session_token=token, config=Config(**CLIENT_CONFIG))

    def endpoint_url(self, service: str) -> str:
        """The URL botocore sends to: the resolved endpoint, or its default for AWS."""
        keys = LongTermKey("AKIAPLACEHOLDER00000", "placeholder")
        return str(self._client(service, keys).meta.endpoint_url)

    def get_session_token(self, key: LongTermKey, serial: str | None, code: str | None,
                          duration: int | None) -> SessionCredentials:
        params: dict[str, Any] = {}
        if serial and code:
            params.update(SerialNumber=serial, TokenCode=code)
        if duration:
            params["DurationSeconds"] = duration
        answer = self._call("sts", key, "get_session_token", params, serial=serial)
        creds = answer["Credentials"]
        return SessionCredentials(creds["AccessKeyId"], creds["SecretAccessKey"],
                                  creds["SessionToken"], creds["Expiration"])

    def caller_identity(self, keys: Keys) -> str:
        return str(self._call("sts", keys, "get_caller_identity", {})["Arn"])

    def mfa_devices(self, key: LongTermKey) -> list[str]:
        """The serial numbers of the caller's enabled MFA devices (ListMFADevices)."""
        answer = self._call("iam", key, "list_mfa_devices", {})
        return [str(device["SerialNumber"]) for device in answer.get("MFADevices", [])]

    def _call(self, service: str, keys: Keys, operation: str, params: dict[str, Any],
              serial: str | None = None) -> dict[str, Any]:
        from botocore.exceptions import (  # type: ignore[import-untyped]
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ParamValidationError,
            ProfileNotFound,
            ReadTimeoutError,
            SSLError,
        )

        endpoint = self.endpoints[service]
        try:
            client = self._client(service, keys)
            return dict(getattr(client, operation)(**params))
        except ClientError as exc:
            raise refused(exc, self.profile, service, serial, operation) from None
        except ParamValidationError as exc:
            raise UsageError(f"invalid request: {' '.join(str(exc).split())}") from None
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError,
                SSLError) as exc:
            raise unreachable(endpoint, exc, self.profile) from None
        except ProfileNotFound as exc:
            raise MfaError(f"botocore found no profile {exc.kwargs.get('profile')}",
                           "unset AWS_PROFILE or AWS_DEFAULT_PROFILE, or create it") from None
        except BotoCoreError as exc:
            raise MfaError(f"{service.upper()} call failed: {' '.join(str(exc).split())}",
                           "karashi mfa doctor checks the endpoints and the profile") from None


def ca_bundle_fix(profile: str) -> str:
    """What to do about a certificate this machine does not trust."""
    return (f"if the service's certificate comes from a private CA, point AWS_CA_BUNDLE or "
            f"ca_bundle in profile {profile} at that CA's PEM file: aws configure set "
            f"ca_bundle /path/to/ca.pem --profile {profile}")


def unreachable(endpoint: Endpoint, exc: Exception, profile: str) -> Unreachable:
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError, SSLError

    where = endpoint.url or f"AWS's default {endpoint.service.upper()} endpoint"

    def problem(reason: str) -> str:
        return (f"cannot reach the {endpoint.service.upper()} endpoint {where} ({reason}; "
                f"set by {endpoint.origin})")

    if isinstance(exc, SSLError):
        return Unreachable(problem("TLS certificate not trusted"),
                           ca_bundle_fix(profile))
    fix = "check the URL and the network; karashi mfa doctor tests every endpoint"
    if isinstance(exc, ReadTimeoutError):
        # The request went out; the service may have acted on it without answering.
        return Unreachable(problem("no answer in time"), fix, delivered=True)
    reason = "timed out" if isinstance(exc, ConnectTimeoutError) else "connection failed"
    return Unreachable(problem(reason), fix)


def refused(exc: Any, profile: str, service: str, serial: str | None,
            operation: str = "") -> MfaError:
    """The service's refusal, said as what is wrong and what to do.

    A refusal means what the operation that failed makes it mean: only GetSessionToken
    sends a code, so only its AccessDenied can be a refused code.
    """
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    lowered = message.lower()
    if code in ("InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
                "InvalidAccessKeyId", "AuthFailure"):
        return MfaError(f"the access key of profile {profile} was refused ({code})",
                        f"check aws_access_key_id and aws_secret_access_key of {profile} "
                        f"(karashi mfa configure --profile {profile}); if they are right, "
                        "check the clock with karashi mfa doctor")
    if code == "ExpiredToken":
        return MfaError(f"profile {profile} holds expired session credentials ({code})",
                        "use the long-term profile with the user's access key")
    if code == "RequestTimeTooSkewed":
        return MfaError("this machine's clock is too far from the service's",
                        "set the clock right (karashi mfa doctor shows the offset)")
    if operation == "list_mfa_devices":
        return _list_refused(code, message, profile)
    if operation != "get_session_token":
        detail = f": {message}" if message else ""
        return MfaError(f"{service.upper()} refused the request ({code}{detail})")
    if code == "AccessDenied" and "too many" in lowered:
        return MfaError(f"the service takes no code for this MFA device for now: {message}",
                        "wait, then try again with a fresh code")
    if code == "AccessDenied" and "root user" in lowered:
        return MfaError("the root user has no MFA devices in Karashi: it assigns them to "
                        "IAM users",
                        "log in with the access key of the IAM user who owns the device")
    if code == "AccessDenied" and "serial" in lowered:
        return MfaError(f"the MFA device {serial} is not an enabled device of the user of "
                        f"profile {profile}",
                        "check --serial-number or mfa_serial: it is the device ARN, "
                        "arn:aws:iam::ACCOUNT:mfa/NAME (karashi mfa doctor lists the devices)")
    if code == "AccessDenied" and "already been used" in lowered:
        return CodeRefused("the MFA code was already used",
                           "wait for the next code and try again")
    if code == "AccessDenied" and ("one time pass code" in lowered or "mfa" in lowered):
        return CodeRefused("the MFA code was refused: it is wrong, expired or already used",
                           "wait for the next code and try again; if codes keep failing, "
                           "check the clock with karashi mfa doctor")
    detail = f": {message}" if message else ""
    return MfaError(f"{service.upper()} refused the request ({code}{detail})")


def _list_refused(code: str, message: str, profile: str) -> MfaError:
    """A refused ListMFADevices: a permission or the kind of caller, never a code."""
    set_serial = f"aws configure set mfa_serial ARN --profile {profile}"
    if code == "AccessDenied":
        return MfaError("not allowed to list MFA devices (iam:ListMFADevices)",
                        f"ask an administrator, or set mfa_serial: {set_serial}")
    if code == "ValidationError" and "username" in message.lower():
        # Without UserName, ListMFADevices lists the calling user's devices; the root
        # user is no IAM user and has none in Karashi.
        return MfaError(f"profile {profile} holds the root user's key, and the root user "
                        "has no MFA devices in Karashi (they belong to IAM users)",
                        "use an IAM user's access key for MFA; to see a user's devices, "
                        "pass the user name: aws iam list-mfa-devices --user-name NAME")
    detail = f": {message}" if message else ""
    return MfaError(f"IAM refused to list MFA devices ({code}{detail})",
                    f"set mfa_serial instead: {set_serial}")
