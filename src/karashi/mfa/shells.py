"""Environment variables for a session, written for each shell with its own quoting.

The article's "export AWS_ACCESS_KEY_ID=…" (and ``set`` on Windows), done so that no
value can break out of its quotes. Besides the three credentials the session carries
``AWS_CREDENTIAL_EXPIRATION`` (the name AWS CLI v2's ``configure export-credentials``
uses) and the per-service endpoint variables of "Service-specific endpoints".
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping

from karashi.mfa.clock import rfc3339
from karashi.mfa.endpoints import SERVICES, Endpoint, env_name
from karashi.mfa.errors import MfaError, UsageError
from karashi.mfa.session import SessionCredentials

SHELLS = ("bash", "zsh", "fish", "powershell", "cmd", "dotenv", "json")
#: Everything ``env`` may set, plus the legacy token name botocore still reads.
ALL_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_DEFAULT_REGION",
             "AWS_REGION", "AWS_ENDPOINT_URL", *(env_name(s) for s in SERVICES))

_ALIASES = {"sh": "bash", "dash": "bash", "ash": "bash", "ksh": "bash", "mksh": "bash",
            "busybox": "bash", "bash": "bash", "zsh": "zsh", "fish": "fish",
            "pwsh": "powershell", "powershell": "powershell", "cmd": "cmd"}
_DOTENV_BARE = re.compile(r"[A-Za-z0-9_./:+=@,-]*")
# PowerShell also ends a single-quoted string at the typographic single quotes.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def session_variables(credentials: SessionCredentials, region: str | None,
                      endpoints: Mapping[str, Endpoint]) -> dict[str, str]:
    variables = {"AWS_ACCESS_KEY_ID": credentials.access_key_id,
                 "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
                 "AWS_SESSION_TOKEN": credentials.session_token,
                 "AWS_CREDENTIAL_EXPIRATION": rfc3339(credentials.expiration)}
    if region:
        # AWS_DEFAULT_REGION for the AWS CLI and botocore, AWS_REGION for other SDKs.
        variables.update(AWS_DEFAULT_REGION=region, AWS_REGION=region)
    for service, endpoint in endpoints.items():
        if endpoint.url:
            variables[env_name(service)] = endpoint.url
    return variables


def detect(environ: Mapping[str, str], parent: str | None = None) -> str:
    """The shell that runs this command: the parent process, else ``$SHELL``."""
    for candidate in (parent if parent is not None else _parent_name(),
                      os.path.basename(environ.get("SHELL", ""))):
        name = (candidate or "").lower().removesuffix(".exe").lstrip("-")
        if name in _ALIASES:
            return _ALIASES[name]
    if os.name == "nt":
        return "powershell" if "PSModulePath" in environ else "cmd"
    return "bash"


def _parent_name() -> str | None:
    try:
        with open(f"/proc/{os.getppid()}/comm", encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return None


def render(variables: Mapping[str, str], shell: str) -> str:
    """Lines that set the variables in ``shell``."""
    if shell == "json":
        return json.dumps(dict(variables), indent=2)
    return "\n".join(_set_line(name, value, shell) for name, value in variables.items())


def render_unset(names: tuple[str, ...], shell: str) -> str:
    """Lines that remove the variables in ``shell``."""
    templates = {"bash": "unset {}", "zsh": "unset {}", "fish": "set -e {}",
                 "powershell": "Remove-Item Env:{} -ErrorAction SilentlyContinue",
                 "cmd": "set {}="}
    if shell not in templates:
        raise UsageError(f"--unset needs a shell, not {shell}",
                         "use --shell bash, zsh, fish, powershell or cmd")
    return "\n".join(templates[shell].format(name) for name in names)


def _set_line(name: str, value: str, shell: str) -> str:
    if shell in ("bash", "zsh"):
        return f"export {name}='" + value.replace("'", "'\\''") + "'"
    if shell == "fish":
        return f"set -gx {name} '" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if shell == "powershell":
        quoted = "".join(ch * 2 if ch in _PS_QUOTES else ch for ch in value)
        return f"$Env:{name} = '{quoted}'"
    if shell == "cmd":
        # Inside set "NAME=value" the characters & | < > ^ are literal; a quote, a
        # percent sign (variable expansion) or a line break cannot be made safe.
        if any(ch in value for ch in '"%!\r\n'):
            raise _unsafe(name, shell)
        return f'set "{name}={value}"'
    if shell == "dotenv":
        if _DOTENV_BARE.fullmatch(value):
            return f"{name}={value}"
        if "'" in value or "\n" in value or "\\" in value:
            raise _unsafe(name, shell)
        return f"{name}='{value}'"
    raise UsageError(f"unknown shell {shell!r}", f"choose one of {', '.join(SHELLS)}")


def _unsafe(name: str, shell: str) -> MfaError:
    return MfaError(f"the value of {name} cannot be written safely for {shell}",
                    "use --shell powershell or --shell json")
