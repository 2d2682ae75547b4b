"""``karashi mfa configure``: a short wizard for the long-term profile.

It asks for the access key (the secret typed hidden), the region and the endpoints,
checks the key with GetCallerIdentity, offers the MFA devices ListMFADevices returns,
and writes the profile. A key the service refuses writes nothing; an endpoint that
cannot be reached still saves the profile, unchecked, and says how to set ``mfa_serial``.
Without a terminal every answer comes from an option (the secret from stdin, with
``--secret-access-key-stdin``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from karashi.mfa.endpoints import SERVICES, Endpoint, EndpointFlags, check_url, wasabi
from karashi.mfa.errors import MfaError, Unreachable
from karashi.mfa.profiles import editing
from karashi.mfa.remote import LongTermKey, Remote
from karashi.mfa.runtime import Runtime


@dataclass(frozen=True)
class Answers:
    profile: str
    access_key_id: str | None = None
    region: str | None = None
    flags: EndpointFlags = field(default_factory=EndpointFlags)
    wasabi: bool = False
    serial: str | None = None
    #: The secret, read from stdin by ``--secret-access-key-stdin``; never on argv.
    secret: str | None = None


def _ask(runtime: Runtime, prompt: str, option: str, *, secret: bool = False,
         default: str | None = None, what: str | None = None) -> str:
    """The person's answer, or (no terminal) an error naming the option to use."""
    if not runtime.terminal.can_ask():
        what = what or prompt[:1].lower() + prompt[1:]
        raise MfaError(f"there is no terminal to ask for the {what}",
                       f"give it with {option}; nothing was written")
    return runtime.terminal.ask(prompt, secret=secret, default=default)


def _endpoints(answers: Answers, current: dict[str, str], region: str, runtime: Runtime
               ) -> dict[str, str | None]:
    """Service -> URL (None: AWS), from the flags, the Wasabi preset or the person."""
    if answers.wasabi:
        return dict(wasabi(region))
    if answers.flags:
        common = answers.flags.endpoint_url
        return {s: answers.flags.per_service.get(s, common) for s in SERVICES}
    if not runtime.terminal.can_ask():
        # Nothing to ask on: keep the profile's endpoint (none: AWS).
        return dict.fromkeys(SERVICES, current.get("endpoint_url") or None)

    def ask(prompt: str, default: str | None) -> str:
        return _ask(runtime, prompt, "--endpoint-url", default=default)

    s3 = ask("S3 endpoint URL (empty for AWS)", current.get("endpoint_url"))
    if not s3:
        return dict.fromkeys(SERVICES)
    s3 = check_url(s3, "the S3 endpoint")
    sts = check_url(ask("STS endpoint URL", s3), "the STS endpoint")
    iam = check_url(ask("IAM endpoint URL", sts), "the IAM endpoint")
    return {"s3": s3, "sts": sts, "iam": iam}


def _serial(answers: Answers, remote: Remote, key: LongTermKey, current: str | None,
            runtime: Runtime) -> str | None:
    if answers.serial:
        return answers.serial
    try:
        devices = remote.mfa_devices(key)
    except MfaError as exc:
        devices = []
        runtime.terminal.say(f"(Could not list the user's MFA devices: {exc.problem}.)")
    if not runtime.terminal.can_ask():
        serial = devices[0] if len(devices) == 1 else current
        if not serial:
            runtime.terminal.say(f"Warning: no mfa_serial saved; give --serial-number, or "
                                 f"set it: aws configure set mfa_serial ARN --profile "
                                 f"{answers.profile}")
        return serial
    if len(devices) > 1:
        for number, serial in enumerate(devices, 1):
            runtime.terminal.say(f"  {number}) {serial}")
        chosen = runtime.terminal.ask("MFA device number", default="1")
        if chosen.isdigit() and 1 <= int(chosen) <= len(devices):
            return devices[int(chosen) - 1]
        return chosen or None
    default = devices[0] if devices else current
    return runtime.terminal.ask("MFA device ARN (mfa_serial; empty for none)",
                                default=default) or None


def configure(answers: Answers, runtime: Runtime) -> str:
    """Ask, check, write; returns the profile's name."""
    profiles = runtime.profiles()
    name = answers.profile
    if profiles.is_ours(name):
        raise MfaError(f"profile {name} is a temporary profile written by karashi mfa",
                       "configure its long-term profile instead")
    current = profiles.settings(name)

    key_id = answers.access_key_id or _ask(runtime, "Access key ID", "--access-key-id",
                                           default=current.get("aws_access_key_id"))
    secret = answers.secret or _ask(
        runtime, "Secret access key (hidden" + (", empty keeps the current one)"
                                                if current.get("aws_secret_access_key")
                                                else ")"),
        "--secret-access-key-stdin (one line on stdin)", secret=True,
        what="secret access key") or \
        current.get("aws_secret_access_key", "")
    if not key_id or not secret:
        raise MfaError("an access key ID and its secret are both needed; nothing was written")
    region = answers.region or (
        current.get("region") if not runtime.terminal.can_ask() else None) or \
        _ask(runtime, "Region", "--region", default=current.get("region") or "us-east-1")
    urls = _endpoints(answers, current, region, runtime)

    key = LongTermKey(key_id, secret)
    endpoints = {s: Endpoint(s, urls[s], "the answers") for s in SERVICES}
    remote = Remote(name, region, endpoints, use_profile=profiles.exists(name))
    try:
        identity = remote.caller_identity(key)
    except Unreachable as exc:
        # Save what was given all the same; only the checks are skipped.
        serial = answers.serial or current.get("mfa_serial")
        runtime.terminal.say(f"Warning: {exc} The key was not checked and "
                             "mfa_serial could not be looked up" + (
                                 f"; keeping mfa_serial {serial}" if serial else
                                 f"; set it later: aws configure set mfa_serial ARN "
                                 f"--profile {name}, or run karashi mfa configure again "
                                 "once the endpoint answers") + ".")
    else:
        runtime.terminal.say(f"The key belongs to {identity}.")
        serial = _serial(answers, remote, key, current.get("mfa_serial"), runtime)

    with editing(runtime.files) as files:
        files.put_credentials(name, {"aws_access_key_id": key_id,
                                     "aws_secret_access_key": secret,
                                     "aws_session_token": None, "aws_security_token": None})
        values: dict[str, str | dict[str, str] | None] = {"region": region,
                                                            "mfa_serial": serial}
        if len(set(urls.values())) == 1:
            values.update(endpoint_url=urls["s3"], services=None)
            files.put_config(name, values)
        else:
            # Separate hosts: a services section ("Service-specific endpoints").
            values.update(endpoint_url=None, services=name)
            files.put_config(name, values)
            files.put_services(name, {s: {"endpoint_url": url} for s, url in urls.items()
                                      if url})
    return name

