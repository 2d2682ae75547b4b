"""``karashi mfa login``: a TOTP code in, a ready-to-use temporary profile out.

The article's steps 8 and 9 as one command: GetSessionToken with the long-term key
("Using temporary credentials with AWS resources", IAM User Guide), then the three
values written into ``~/.aws/credentials`` under ``<profile>-temporary`` and the region
and endpoints into ``~/.aws/config``, so ``aws s3 ls --profile mfa-demo-temporary``
works with no flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from karashi.mfa.clock import rfc3339
from karashi.mfa.codes import CodeSource, GivenCode, ProcessCode, PromptCode, obtain
from karashi.mfa.endpoints import SERVICES, EndpointFlags, for_temporary, region, resolve
from karashi.mfa.errors import CodeRefused, MfaError, Unreachable, UsageError
from karashi.mfa.inifile import shown
from karashi.mfa.profiles import EXPIRATION, IDENTITY, LEGACY_TOKEN, MARKER, Profiles, editing
from karashi.mfa.remote import LongTermKey, Remote
from karashi.mfa.runtime import Runtime
from karashi.mfa.session import SessionCredentials

# "GetSessionToken": SerialNumber is 9-256 characters of [\w+=/:,.@-];
# DurationSeconds is 900-129,600 (at most 3,600 for a root user).
_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
MIN_DURATION, MAX_DURATION = 900, 129_600
_CODE_TRIES = 2


@dataclass(frozen=True)
class LoginRequest:
    profile: str
    target: str | None = None
    serial: str | None = None
    token_code: str | None = None
    duration: int | None = None
    flags: EndpointFlags = field(default_factory=EndpointFlags)
    force: bool = False
    #: A code source chosen by the caller (``watch``, tests); overrides the usual choice.
    source: CodeSource | None = None


@dataclass(frozen=True)
class LoginResult:
    target: str
    credentials: SessionCredentials
    identity: str | None


def target_name(profile: str, target: str | None) -> str:
    name = target or f"{profile}-temporary"
    if name == profile:
        raise UsageError("the target profile must differ from the long-term profile",
                         "drop --target-profile or choose another name")
    return name


def long_term_key(profiles: Profiles, profile: str) -> LongTermKey:
    """The profile's long-term access key, or why it has none."""
    if not profiles.exists(profile):
        files = profiles.files
        raise MfaError(f"profile {profile} is in neither {shown(files.credentials)} nor "
                       f"{shown(files.config)}",
                       f"create it: karashi mfa configure --profile {profile}")
    settings = profiles.settings(profile)
    if profiles.is_ours(profile):
        raise MfaError(f"profile {profile} holds session credentials written by karashi mfa",
                       f"log in with its long-term profile: --profile {settings[MARKER]}")
    key, secret = settings.get("aws_access_key_id"), settings.get("aws_secret_access_key")
    if not key or not secret:
        raise MfaError(f"profile {profile} has no aws_access_key_id and "
                       "aws_secret_access_key",
                       f"add the user's access key: karashi mfa configure --profile {profile}")
    if settings.get("aws_session_token"):
        raise MfaError(f"profile {profile} holds session credentials, not a long-term key",
                       "GetSessionToken needs the user's own access key; use that profile")
    return LongTermKey(key, secret)


def check_target(profiles: Profiles, target: str, force: bool) -> None:
    if profiles.exists(target) and not profiles.is_ours(target) and not force:
        raise MfaError(f"profile {target} exists and was not written by karashi mfa",
                       "choose another name with --target-profile, or replace it with --force")


def _duration(request: LoginRequest, settings: dict[str, str]) -> int | None:
    value: int | str | None = request.duration or settings.get("duration_seconds")
    if value is None or value == "":
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise UsageError(f"duration_seconds of profile {request.profile} is not a number: "
                         f"{value!r}") from None
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise UsageError(f"the session duration must be 900 to 129600 seconds, not {seconds}",
                         "the default is 43200 (12 hours)")
    return seconds


def _serial(request: LoginRequest, settings: dict[str, str], remote: Remote,
            key: LongTermKey, runtime: Runtime) -> str:
    serial = request.serial or settings.get("mfa_serial")
    if not serial:
        # Not configured: ask the service, and take the device if there is exactly one.
        try:
            devices = remote.mfa_devices(key)
        except MfaError:
            devices = []
        if len(devices) != 1:
            raise MfaError(f"profile {request.profile} has no mfa_serial",
                           "give --serial-number with the MFA device ARN, or set it: "
                           f"aws configure set mfa_serial ARN --profile {request.profile}")
        serial = devices[0]
        runtime.terminal.say(f"Using the MFA device {serial}; to skip this look-up: "
                             f"aws configure set mfa_serial {serial} "
                             f"--profile {request.profile}")
    if not _SERIAL.fullmatch(serial):
        raise UsageError(f"the MFA serial number is malformed: {serial!r}",
                         "it is the device ARN, arn:aws:iam::ACCOUNT:mfa/NAME")
    return serial


def code_source(request: LoginRequest, settings: dict[str, str], runtime: Runtime
                ) -> CodeSource:
    if request.source is not None:
        return request.source
    if request.token_code is not None:
        return GivenCode(request.token_code)
    if settings.get("mfa_process"):
        return ProcessCode(settings["mfa_process"])
    if runtime.terminal.can_ask():
        return PromptCode(runtime.terminal)
    raise MfaError("no MFA code: there is no terminal to ask for one",
                   "give --token-code, or set mfa_process in the profile")


def login(request: LoginRequest, runtime: Runtime) -> LoginResult:
    """Get session credentials with an MFA code and write the target profile."""
    profiles = runtime.profiles()
    target = target_name(request.profile, request.target)
    key = long_term_key(profiles, request.profile)
    check_target(profiles, target, request.force)
    settings = profiles.settings(request.profile)
    duration = _duration(request, settings)
    endpoints = {service: resolve(service, profiles, request.profile, runtime.environ,
                                  request.flags) for service in SERVICES}
    remote = Remote(request.profile, region(profiles, request.profile, runtime.environ),
                    endpoints)
    serial = _serial(request, settings, remote, key, runtime)
    source = code_source(request, settings, runtime)

    credentials = _session(remote, key, serial, duration, source, runtime)
    try:
        identity: str | None = remote.caller_identity(credentials)
    except MfaError:
        identity = None  # Not every S3-compatible service has GetCallerIdentity.

    with editing(runtime.files) as files:
        check_target(files, target, request.force)
        config, services = for_temporary(files, request.profile, target, request.flags)
        files.put_config(target, {**config, MARKER: request.profile})
        if services:
            files.put_services(target, services)
        files.put_credentials(target, {
            "aws_access_key_id": credentials.access_key_id,
            "aws_secret_access_key": credentials.secret_access_key,
            "aws_session_token": credentials.session_token,
            EXPIRATION: rfc3339(credentials.expiration),
            LEGACY_TOKEN: None, MARKER: request.profile, IDENTITY: identity})
    return LoginResult(target, credentials, identity)


def _session(remote: Remote, key: LongTermKey, serial: str, duration: int | None,
             source: CodeSource, runtime: Runtime) -> SessionCredentials:
    """GetSessionToken, asking once more for a code the service refused when the source
    can give a new one (a mistyped code, or one the authenticator had just replaced).

    A code counts as sent once the service may have received it: after any answer,
    refusals included, or a request that went out and got none. A request that never
    left (no connection, an untrusted certificate) leaves the code unused, so it can be
    sent again, to the right endpoint, while it is valid."""
    used = runtime.used_codes
    for attempt in range(_CODE_TRIES):
        code = obtain(source, serial, used, runtime.clock, runtime.terminal)
        sent_at = runtime.clock.time()
        try:
            credentials = remote.get_session_token(key, serial, code, duration)
        except Unreachable as exc:
            if exc.delivered:
                used.record(serial, code, sent_at)
            raise
        except CodeRefused as exc:
            used.record(serial, code, sent_at)
            if not source.renewable or attempt == _CODE_TRIES - 1:
                raise
            runtime.terminal.say(f"{exc.problem}; try the next code.")
            continue
        except MfaError as exc:
            if not isinstance(exc, UsageError):  # a UsageError is raised before sending
                used.record(serial, code, sent_at)
            raise
        used.record(serial, code, sent_at)
        return credentials
    raise AssertionError("unreachable")
