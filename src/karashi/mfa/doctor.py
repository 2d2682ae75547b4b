"""``karashi mfa doctor``: why a login or an MFA-gated request would fail, found early.

It checks the files, the environment variables that override a profile, each endpoint
(reachable? the clock offset from its ``Date`` header, since TOTP and SigV4 both need
the right time), the long-term key, and the user's MFA devices (ListMFADevices).
"""

from __future__ import annotations

import os
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from karashi.mfa.endpoints import SERVICES, Endpoint, EndpointFlags, region, resolve
from karashi.mfa.errors import MfaError
from karashi.mfa.inifile import shown
from karashi.mfa.login import long_term_key
from karashi.mfa.profiles import LEGACY_TOKEN, Profiles
from karashi.mfa.remote import Remote, ca_bundle_fix
from karashi.mfa.runtime import Runtime
from karashi.mfa.status import VALID, collect

OK, INFO, WARN, FAIL = "ok", "info", "warn", "FAIL"
#: One 30-second TOTP step of drift is tolerated; SigV4 tolerates 15 minutes.
CLOCK_WARN, CLOCK_FAIL, SIGV4_SKEW = 5.0, 25.0, 900.0
OVERRIDES = {
    "AWS_ACCESS_KEY_ID": "takes precedence over every profile's keys",
    "AWS_SECRET_ACCESS_KEY": "takes precedence over every profile's keys",
    "AWS_SESSION_TOKEN": "takes precedence over every profile's session",
    "AWS_SECURITY_TOKEN": "is read as a session token by older SDKs and botocore",
    "AWS_PROFILE": "chooses the profile for commands without --profile",
    "AWS_DEFAULT_PROFILE": "chooses the profile for commands without --profile",
    "AWS_DEFAULT_REGION": "overrides the profile's region",
    "AWS_ENDPOINT_URL": "overrides the profile's endpoints",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "makes the SDKs ignore configured endpoints",
    **{f"AWS_ENDPOINT_URL_{s.upper()}": f"overrides the profile's {s} endpoint"
       for s in SERVICES},
}


@dataclass(frozen=True)
class Finding:
    level: str
    topic: str
    detail: str

    def line(self) -> str:
        return f"[{self.level:>4}] {self.topic}: {self.detail}"


def _files(profiles: Profiles) -> list[Finding]:
    found = []
    for path in (profiles.files.credentials, profiles.files.config):
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            found.append(Finding(INFO, shown(path), "does not exist"))
            continue
        if mode & 0o077:
            found.append(Finding(WARN, shown(path), f"mode {mode:o}: others can read it; "
                                 f"chmod 600 {shown(path)}"))
        else:
            found.append(Finding(OK, shown(path), f"readable, mode {mode:o}"))
    for name in profiles.names():
        values = profiles.in_credentials(name)
        if LEGACY_TOKEN in values and values[LEGACY_TOKEN] != values.get("aws_session_token"):
            found.append(Finding(WARN, f"profile {name}",
                                 f"stale {LEGACY_TOKEN}: older tools send it instead of "
                                 "aws_session_token; delete that line (karashi mfa login "
                                 "does it for the profiles it writes)"))
    return found


def _environment(runtime: Runtime, profile: str) -> list[Finding]:
    found = []
    for name, effect in OVERRIDES.items():
        value = runtime.environ.get(name)
        if not value or (name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE") and value == profile):
            continue
        shown_value = value if "KEY" not in name and "TOKEN" not in name else "(set)"
        found.append(Finding(WARN, f"${name}", f"{shown_value} {effect}; "
                             "karashi mfa env --unset prints the lines that clear them"))
    return found


def probe(endpoint: Endpoint, url: str, ca_bundle: str | None, timeout: float,
          profile: str = "PROFILE") -> tuple[Finding, float | None]:
    """Reach the endpoint; any HTTP answer counts. Returns the clock offset (server minus
    this machine, in seconds) from its ``Date`` header."""
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
    topic = f"{endpoint.service} endpoint"
    started = time.time()
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as answer:
            status, date = answer.status, answer.headers.get("Date")
    except urllib.error.HTTPError as answer:
        status, date = answer.code, answer.headers.get("Date")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ssl.SSLCertVerificationError):
            trusted = f"the CA bundle {ca_bundle} does not trust it; " if ca_bundle else ""
            return Finding(FAIL, topic, f"cannot reach {url} (TLS certificate not trusted: "
                           f"{reason.verify_message}; set by {endpoint.origin}); {trusted}"
                           f"{ca_bundle_fix(profile)}"), None
        return Finding(FAIL, topic, f"cannot reach {url} ({reason}; set by "
                       f"{endpoint.origin})"), None
    finished = time.time()
    offset = None
    if date:
        try:
            offset = parsedate_to_datetime(date).timestamp() - (started + finished) / 2
        except (TypeError, ValueError):
            offset = None
    return Finding(OK, topic, f"{url} answers (HTTP {status}, {finished - started:.2f} s; "
                   f"set by {endpoint.origin})"), offset


def _clock(offset: float) -> Finding:
    # The Date header has whole seconds: half a second of the offset is rounding.
    size = abs(offset)
    ahead = "behind" if offset > 0 else "ahead of"
    detail = f"this machine is {size:.0f} s {ahead} the service"
    if size > SIGV4_SKEW:
        return Finding(FAIL, "clock", f"{detail}: signed requests and codes are refused; "
                       "set the clock right (NTP)")
    if size > CLOCK_FAIL:
        return Finding(FAIL, "clock", f"{detail}: TOTP codes will be refused; "
                       "set the clock right (NTP)")
    if size > CLOCK_WARN:
        return Finding(WARN, "clock", f"{detail}: codes near the end of their 30 s may fail")
    if size < 1:
        return Finding(OK, "clock", "this machine agrees with the service (within 1 s)")
    return Finding(OK, "clock", f"{detail} (within {CLOCK_WARN:.0f} s)")


def _mfa(remote: Remote, profiles: Profiles, profile: str) -> list[Finding]:
    key = long_term_key(profiles, profile)
    found = []
    try:
        identity = remote.caller_identity(key)
        found.append(Finding(OK, "access key", f"belongs to {identity}"))
    except MfaError as exc:
        return [Finding(FAIL, "access key", str(exc))]
    serial = profiles.settings(profile).get("mfa_serial")
    try:
        devices = remote.mfa_devices(key)
    except MfaError as exc:
        # Said as the failed ListMFADevices means it: a permission, a root caller, ...
        return [*found, Finding(WARN, "MFA devices", f"cannot list them: {exc}")]
    if not devices:
        return [*found, Finding(FAIL, "MFA devices", "the user has no enabled MFA device; "
                                "enable a virtual MFA device first")]
    listed = ", ".join(devices)
    if serial and serial not in devices and not (serial == identity and len(devices) == 1):
        found.append(Finding(FAIL, "mfa_serial", f"{serial} is not an enabled device of "
                             f"the user; the user's devices: {listed}"))
    else:
        found.append(Finding(OK, "MFA devices", f"enabled: {listed}"))
    return found


def diagnose(runtime: Runtime, profile: str, flags: EndpointFlags | None = None,
             timeout: float = 5.0) -> list[Finding]:
    """Every check, in the order a login depends on them."""
    try:
        profiles = runtime.profiles()
    except MfaError as exc:
        return [Finding(FAIL, "files", str(exc))]
    found = [*_files(profiles), *_environment(runtime, profile)]
    try:
        long_term_key(profiles, profile)
    except MfaError as exc:
        return [*found, Finding(FAIL, f"profile {profile}", str(exc))]
    settings = profiles.settings(profile)
    if settings.get("mfa_serial"):
        found.append(Finding(OK, "mfa_serial", settings["mfa_serial"]))
    else:
        found.append(Finding(WARN, "mfa_serial", f"profile {profile} has none; set it: aws "
                             f"configure set mfa_serial ARN --profile {profile}"))

    endpoints = {s: resolve(s, profiles, profile, runtime.environ, flags) for s in SERVICES}
    remote = Remote(profile, region(profiles, profile, runtime.environ), endpoints)
    ca_bundle = runtime.environ.get("AWS_CA_BUNDLE") or settings.get("ca_bundle")
    offsets, reachable = [], True
    for service, endpoint in endpoints.items():
        url = remote.endpoint_url(service)
        finding, offset = probe(endpoint, url, ca_bundle, timeout, profile)
        found.append(finding)
        reachable = reachable and finding.level != FAIL
        if offset is not None:
            offsets.append(offset)
    if offsets:
        found.append(_clock(min(offsets, key=abs)))
    if reachable:
        found += _mfa(remote, profiles, profile)

    for entry in collect(profiles, profile, runtime.clock.time()):
        level = OK if entry.code == VALID else INFO if entry.expiration is None else WARN
        hint = "" if entry.code == VALID else f"; karashi mfa login --profile {profile}"
        found.append(Finding(level, f"session {entry.profile}", entry.state + hint))
    return found
