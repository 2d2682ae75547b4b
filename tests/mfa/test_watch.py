"""``karashi mfa watch`` and ``install-watch``: warnings before expiry, renewal, timers."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest
from e2e.helpers import MfaUser

from karashi.mfa.runtime import Runtime
from karashi.mfa.watch import watch
from mfa.support import Home, code_printer
from mfa.test_codes import FakeClock, Recorder


def fake_notify_send(home: Home) -> dict[str, str]:
    """A notify-send on PATH that records its arguments, and a display to notify on."""
    bin_dir = home.path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = home.path / "notified.txt"
    tool = bin_dir / "notify-send"
    tool.write_text(f"#!/bin/sh\nprintf '%s|' \"$@\" >> {log}\necho >> {log}\n")
    tool.chmod(0o755)
    return {"PATH": f"{bin_dir}:{home.env['PATH']}", "DISPLAY": ":0"}


def test_warns_on_the_desktop_before_expiry(home: Home, demo: MfaUser) -> None:
    """A session inside the warning window raises a desktop notification (exit 10)."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
             "--duration-seconds", "900")
    env = fake_notify_send(home)
    result = home.mfa("watch", "--once", check=False, env=env)
    assert result.returncode == 10
    notified = (home.path / "notified.txt").read_text()
    assert notified.startswith("--app-name=karashi mfa|AWS session ending|mfa-demo-temporary "
                               "ends at ")
    assert "Renew: karashi mfa login --profile mfa-demo|" in notified


def test_warns_on_the_terminal_without_a_desktop(home: Home, demo: MfaUser) -> None:
    """With no desktop the warning goes to the terminal (stderr)."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
             "--duration-seconds", "900")
    result = home.mfa("watch", "--once", check=False, env={"DISPLAY": ""})
    assert result.returncode == 10
    assert "AWS session ending: mfa-demo-temporary ends at" in result.stderr


def test_refresh_renews_with_mfa_process(home: Home, demo: MfaUser) -> None:
    """--refresh renews an expiring session with a code from mfa_process (exit 0 after)."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
             "--duration-seconds", "900")
    old_key = home.credentials.read_text()
    printer = code_printer(home, demo)
    printer.write_text(printer.read_text().replace("time.time()", "time.time() + 30"))
    home.set("mfa-demo", mfa_process=str(printer))
    result = home.mfa("watch", "--once", "--refresh", "--profile", "mfa-demo")
    assert "Renewed mfa-demo-temporary; the session ends" in result.stderr
    assert home.credentials.read_text() != old_key
    assert home.mfa("status", "--profile", "mfa-demo").returncode == 0
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")


def test_loop_warns_once_per_state(home: Home, demo: MfaUser,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop warns once when the session nears its end and once when it has ended."""
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0),
             "--duration-seconds", "1800")
    monkeypatch.setenv("HOME", str(home.path))
    clock, terminal = FakeClock(), Recorder()
    runtime = Runtime(environ={"HOME": str(home.path), "PATH": os.environ["PATH"]},
                      clock=clock, terminal=terminal)
    code = watch(runtime, None, interval=300, checks=8)
    assert code == 11 and clock.slept == [300] * 7
    warnings = [line for line in terminal.said if "AWS session" in line]
    assert len(warnings) == 2
    assert "ending" in warnings[0] and "ended" in warnings[1]


def fake_scheduler(home: Home) -> dict[str, str]:
    """crontab and systemctl stand-ins that keep their state in HOME."""
    bin_dir = home.path / "bin"
    bin_dir.mkdir(exist_ok=True)
    table = home.path / "crontab.txt"
    (bin_dir / "crontab").write_text(
        f'#!/bin/sh\nif [ "$1" = -l ]; then [ -f {table} ] && exec cat {table}; '
        f'echo "no crontab" >&2; exit 1; fi\ncat > {table}\n')
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {home.path}/systemctl.log\n')
    for tool in ("crontab", "systemctl"):
        (bin_dir / tool).chmod(0o755)
    return {"PATH": f"{bin_dir}:{home.env['PATH']}"}


def test_install_watch_with_cron(home: Home, demo: MfaUser) -> None:
    """The cron line is added once, keeps other lines, runs as written, and is removed."""
    env = fake_scheduler(home)
    (home.path / "crontab.txt").write_text("0 3 * * * backup.sh\n")
    home.mfa("login", "--profile", "mfa-demo", "--token-code", demo.code(0))
    for _ in range(2):
        home.mfa("install-watch", "--method", "cron", "--profile", "mfa-demo", "--every", "10",
                 env=env)
    lines = (home.path / "crontab.txt").read_text().splitlines()
    assert lines[0] == "0 3 * * * backup.sh" and len(lines) == 2
    assert lines[1].startswith("*/10 * * * * ")
    assert lines[1].endswith(" # karashi-mfa-watch-mfa-demo")

    command = lines[1].removeprefix("*/10 * * * * ").rsplit(" # ", 1)[0]
    assert shlex.split(command)[-7:] == ["mfa", "watch", "--once", "--warning-minutes", "15",
                                         "--profile", "mfa-demo"]
    ran = subprocess.run(["sh", "-c", command], env=home.env, capture_output=True, text=True,
                         start_new_session=True, timeout=60, check=False)
    assert ran.returncode == 0, ran.stderr

    home.mfa("install-watch", "--method", "cron", "--profile", "mfa-demo", "--remove", env=env)
    assert (home.path / "crontab.txt").read_text() == "0 3 * * * backup.sh\n"


def test_install_watch_with_systemd(home: Home) -> None:
    """A systemd user service and timer are written and enabled, then removed."""
    env = {**fake_scheduler(home), "XDG_RUNTIME_DIR": str(home.path)}
    out = home.mfa("install-watch", "--refresh", env=env)
    assert "karashi-mfa-watch-all.timer" in out.stdout
    units = home.path / ".config" / "systemd" / "user"
    service = (units / "karashi-mfa-watch-all.service").read_text()
    assert "Type=oneshot" in service and "SuccessExitStatus=10 11" in service
    assert '"watch" "--once" "--warning-minutes" "15" "--refresh"' in service
    assert "OnCalendar=*:0/5" in (units / "karashi-mfa-watch-all.timer").read_text()
    home.mfa("install-watch", "--remove", env=env)
    assert not list(units.iterdir())
    log = (home.path / "systemctl.log").read_text().splitlines()
    assert log == ["--user daemon-reload", "--user enable --now karashi-mfa-watch-all.timer",
                   "--user disable --now karashi-mfa-watch-all.timer", "--user daemon-reload"]
