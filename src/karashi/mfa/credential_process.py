"""``karashi mfa credential-process``: MFA sessions for ``credential_process =`` profiles.

botocore runs the command, reads one JSON document from its stdout and captures its
stderr ("Sourcing credentials with an external process", AWS CLI User Guide). So the
code is read from the profile's ``mfa_process`` or asked on ``/dev/tty``, never on the
standard streams, and a failure is one line on stderr with a non-zero exit.

The session is kept in the temporary profile (``<profile>-temporary``), which ``status``
and ``watch`` then see too. It is served again while more than 15 minutes remain: that
is botocore's advisory refresh window, so botocore never holds credentials it would
immediately want to refresh.
"""

from __future__ import annotations

from karashi.mfa.endpoints import EndpointFlags
from karashi.mfa.login import LoginRequest, login, target_name
from karashi.mfa.runtime import Runtime
from karashi.mfa.session import SessionCredentials, TemporaryProfile

#: botocore's ``_DEFAULT_ADVISORY_REFRESH_TIMEOUT`` (botocore/credentials.py).
REFRESH_MARGIN = 15 * 60


def cached(runtime: Runtime, profile: str, target: str) -> SessionCredentials | None:
    """The session in the target profile, if it came from ``profile`` and lasts long
    enough to hand out."""
    profiles = runtime.profiles()
    if not profiles.is_ours(target):
        return None
    temporary = TemporaryProfile.read(target, profiles.in_credentials(target))
    creds = temporary.credentials
    if temporary.source != profile or creds is None:
        return None
    return creds if creds.seconds_left(runtime.clock.time()) > REFRESH_MARGIN else None


def credentials_for(runtime: Runtime, profile: str, target: str | None = None,
                    flags: EndpointFlags | None = None, duration: int | None = None
                    ) -> SessionCredentials:
    """A session for ``profile``: the cached one, or a new one made with an MFA code."""
    name = target_name(profile, target)
    creds = cached(runtime, profile, name)
    if creds is not None:
        return creds
    request = LoginRequest(profile=profile, target=name, flags=flags or EndpointFlags(),
                           duration=duration)
    return login(request, runtime).credentials
