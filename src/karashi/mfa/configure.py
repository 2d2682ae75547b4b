"""``karashi mfa configure``: a short wizard for the long-term profile.

It asks for the access key (the secret typed hidden), the region and the endpoints,
checks the key with GetCallerIdentity, offers the MFA devices ListMFADevices returns,
and writes the profile only when everything checked out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from karashi.mfa.endpoints import SERVICES, Endpoint, EndpointFlags, check_url, wasabi
from karashi.mfa.errors import MfaError
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


def _endpoints(answers: Answers, current: dict[str, str], region: str, runtime: Runtime
               ) -> dict[str, str | None]:
    """Service -> URL (None: AWS), from the flags, the Wasabi preset or the person."""
    if answers.wasabi:
        return dict(wasabi(region))
    if answers.flags:
        common = answers.flags.endpoint_url
        return {s: answers.flags.per_service.get(s, common) for s in SERVICES}
    ask = runtime.terminal.ask
    s3 = ask("S3 endpoint URL (empty for AWS)", default=current.get("endpoint_url"))
    if not s3:
        return dict.fromkeys(SERVICES)
    s3 = check_url(s3, "the S3 endpoint")
    sts = check_url(ask("STS endpoint URL", default=s3), "the STS endpoint")
    iam = check_url(ask("IAM endpoint URL", default=sts), "the IAM endpoint")
    return {"s3": s3, "sts": sts, "iam": iam}


def _serial(answers: Answers, remote: Remote, key: LongTermKey, current: str | None,
            runtime: Runtime) -> str | None:
    if answers.serial:
        return answers.serial
    try:
        devices = remote.mfa_devices(key)
    except MfaError:
        devices = []
        runtime.terminal.say("(Could not list the user's MFA devices; type the device ARN.)")
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
    ask = runtime.terminal.ask

    key_id = answers.access_key_id or ask("Access key ID",
                                          default=current.get("aws_access_key_id"))
    secret = ask("Secret access key (hidden" + (", empty keeps the current one)"
                 if current.get("aws_secret_access_key") else ")"), secret=True) or \
        current.get("aws_secret_access_key", "")
    if not key_id or not secret:
        raise MfaError("an access key ID and its secret are both needed; nothing was written")
    region = answers.region or ask("Region", default=current.get("region") or "us-east-1")
    urls = _endpoints(answers, current, region, runtime)

    key = LongTermKey(key_id, secret)
    endpoints = {s: Endpoint(s, urls[s], "the answers") for s in SERVICES}
    remote = Remote(name, region, endpoints, use_profile=profiles.exists(name))
    identity = remote.caller_identity(key)
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

