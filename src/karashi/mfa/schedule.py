"""``karashi mfa install-watch``: run ``watch --once`` on a schedule, and remove it again.

Two schedulers: a systemd user timer ("systemd.timer", with ``OnCalendar``) where a
user session of systemd runs, else a line in the user's crontab. Each entry is named
after the profile it watches, so installing twice replaces, and ``--remove`` finds it.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from karashi.mfa.errors import MfaError, UsageError

#: Passed on to the job: where the AWS files are, and how to reach the desktop.
KEPT_VARIABLES = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE",
                  "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")


@dataclass(frozen=True)
class Job:
    profile: str | None
    minutes: int
    refresh: bool
    warning_minutes: int

    @property
    def name(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9_-]", "-", self.profile) if self.profile else "all"
        return f"karashi-mfa-watch-{slug}"

    def command(self) -> list[str]:
        argv = [sys.executable, "-m", "karashi", "mfa", "watch", "--once",
                "--warning-minutes", str(self.warning_minutes)]
        if self.profile:
            argv += ["--profile", self.profile]
        if self.refresh:
            argv.append("--refresh")
        return argv


def choose(method: str, environ: Mapping[str, str]) -> str:
    path = environ.get("PATH")
    if method != "auto":
        return method
    if shutil.which("systemctl", path=path) and environ.get("XDG_RUNTIME_DIR"):
        return "systemd"
    if shutil.which("crontab", path=path):
        return "cron"
    raise MfaError("found neither a systemd user session nor crontab",
                   "run karashi mfa watch in a terminal instead")


def _run(argv: list[str], environ: Mapping[str, str], stdin: str | None = None
         ) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, input=stdin, capture_output=True, text=True,
                              env=dict(environ), check=False, timeout=60)
    except FileNotFoundError:
        raise MfaError(f"{argv[0]} is not installed", "choose the other --method") from None


# cron


def _cron_marker(job: Job) -> str:
    return f"# {job.name}"


def cron_line(job: Job, environ: Mapping[str, str]) -> str:
    """The crontab line; ``%`` is a line break to cron, so it is escaped."""
    kept = [f"{name}={shlex.quote(environ[name])}" for name in KEPT_VARIABLES
            if environ.get(name)]
    command = " ".join([*kept, *(shlex.quote(arg) for arg in job.command())])
    return f"*/{job.minutes} * * * * {command.replace('%', chr(92) + '%')} {_cron_marker(job)}"


def _crontab(environ: Mapping[str, str]) -> list[str]:
    listed = _run(["crontab", "-l"], environ)
    return listed.stdout.splitlines() if listed.returncode == 0 else []


def _write_crontab(lines: list[str], environ: Mapping[str, str]) -> None:
    done = _run(["crontab", "-"], environ, stdin="\n".join(lines) + "\n" if lines else "")
    if done.returncode != 0:
        raise MfaError(f"crontab refused the new table: {done.stderr.strip()}")


def install_cron(job: Job, environ: Mapping[str, str]) -> str:
    lines = [line for line in _crontab(environ) if not line.endswith(_cron_marker(job))]
    line = cron_line(job, environ)
    _write_crontab([*lines, line], environ)
    return f"Added to your crontab:\n{line}"


def remove_cron(job: Job, environ: Mapping[str, str]) -> str:
    lines = _crontab(environ)
    kept = [line for line in lines if not line.endswith(_cron_marker(job))]
    if kept == lines:
        return f"No {job.name} line in your crontab."
    _write_crontab(kept, environ)
    return f"Removed {job.name} from your crontab."


# systemd


def _unit_folder(environ: Mapping[str, str]) -> Path:
    config = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")) / ".config")
    return Path(config) / "systemd" / "user"


def _systemd_quote(arg: str) -> str:
    # systemd.service "Command lines": double quotes, backslash escapes; % is a
    # specifier and $ a variable, so both are doubled.
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("%", "%%").replace("$", "$$") + '"'


def unit_files(job: Job, environ: Mapping[str, str]) -> dict[str, str]:
    what = job.profile or "every temporary profile"
    environment = "".join(f'Environment="{name}={environ[name]}"\n'.replace("%", "%%")
                          for name in KEPT_VARIABLES if environ.get(name))
    service = ("[Unit]\n"
               f"Description=karashi mfa: warn before the session of {what} ends\n\n"
               "[Service]\nType=oneshot\n"
               f"ExecStart={' '.join(_systemd_quote(arg) for arg in job.command())}\n"
               # watch --once exits 10 or 11 to report a state, not a failure.
               "SuccessExitStatus=10 11\n" + environment)
    timer = ("[Unit]\n"
             f"Description=Check the session of {what} every {job.minutes} minutes\n\n"
             f"[Timer]\nOnCalendar=*:0/{job.minutes}\nPersistent=true\n\n"
             "[Install]\nWantedBy=timers.target\n")
    return {f"{job.name}.service": service, f"{job.name}.timer": timer}


def _systemctl(environ: Mapping[str, str], *args: str) -> None:
    done = _run(["systemctl", "--user", *args], environ)
    if done.returncode != 0:
        raise MfaError(f"systemctl --user {' '.join(args)} failed: "
                       f"{done.stderr.strip() or done.returncode}",
                       "is a systemd user session running? Otherwise use --method cron")


def install_systemd(job: Job, environ: Mapping[str, str]) -> str:
    folder = _unit_folder(environ)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in unit_files(job, environ).items():
        (folder / name).write_text(text)
    _systemctl(environ, "daemon-reload")
    _systemctl(environ, "enable", "--now", f"{job.name}.timer")
    return f"Installed and started {job.name}.timer (in {folder})."


def remove_systemd(job: Job, environ: Mapping[str, str]) -> str:
    folder = _unit_folder(environ)
    files = [folder / name for name in unit_files(job, environ)]
    if not any(path.exists() for path in files):
        return f"No {job.name} timer is installed."
    _run(["systemctl", "--user", "disable", "--now", f"{job.name}.timer"], environ)
    for path in files:
        path.unlink(missing_ok=True)
    _systemctl(environ, "daemon-reload")
    return f"Stopped and removed {job.name}.timer."


def apply(job: Job, method: str, remove: bool, environ: Mapping[str, str]) -> str:
    if not 1 <= job.minutes <= 59:
        raise UsageError("--every must be 1 to 59 minutes")
    chosen = choose(method, environ)
    if chosen == "cron":
        return remove_cron(job, environ) if remove else install_cron(job, environ)
    return remove_systemd(job, environ) if remove else install_systemd(job, environ)
