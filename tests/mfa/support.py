"""Running ``karashi mfa`` and the AWS CLI as a person would, in a temporary HOME."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pyotp
from conftest import root_client
from e2e.awscli import AwsCli
from e2e.helpers import MfaUser, make_user
from server import Server

KARASHI_MFA = [sys.executable, "-m", "karashi", "mfa"]


class Home:
    def __init__(self, path: Path, server: Server) -> None:
        self.path = path
        self.server = server
        self.cli = AwsCli(path, server.endpoint)
        # A fixed zone, so that local times in the output can be checked.
        self.env = {**self.cli.env, "TZ": "Europe/Berlin"}
        self.cli.env = self.env

    @property
    def credentials(self) -> Path:
        return self.path / ".aws" / "credentials"

    @property
    def config(self) -> Path:
        return self.path / ".aws" / "config"

    def files(self) -> tuple[bytes, bytes]:
        read = [p.read_bytes() if p.exists() else b"" for p in (self.credentials, self.config)]
        return read[0], read[1]

    def mfa(self, *args: str, env: dict[str, str] | None = None, check: bool = True,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``karashi mfa ARGS`` with no terminal: stdin is a pipe, nothing to prompt on."""
        result = subprocess.run([*KARASHI_MFA, *args], capture_output=True, text=True,
                                input=stdin or "", env={**self.env, **(env or {})},
                                cwd=self.path, timeout=120, start_new_session=True, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"karashi mfa {' '.join(args)} failed "
                                 f"({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def spawn(self, *argv: str, env: dict[str, str] | None = None) -> pexpect.spawn:
        """A command in a pseudo-terminal, for prompts that read /dev/tty."""
        return pexpect.spawn(argv[0], list(argv[1:]), env={**self.env, **(env or {})},
                             cwd=str(self.path), encoding="utf-8", timeout=60)

    def aws(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """The AWS CLI with no --endpoint-url: what the profile says must be enough."""
        return self.cli.run(*args, endpoint=False, **kwargs)

    def configure(self, profile: str, user: MfaUser, region: str = "us-east-1",
                  **settings: str) -> None:
        """What ``aws configure --profile`` writes (appended directly, to save the
        CLI's start-up time), plus extra config settings."""
        self.credentials.parent.mkdir(exist_ok=True)
        with open(self.credentials, "a") as fh:
            fh.write(f"[{profile}]\naws_access_key_id = {user.key}\n"
                     f"aws_secret_access_key = {user.secret}\n")
        header = "default" if profile == "default" else f"profile {profile}"
        lines = "".join(f"{name} = {value}\n" for name, value in settings.items())
        with open(self.config, "a") as fh:
            fh.write(f"[{header}]\nregion = {region}\n{lines}")

    def set(self, profile: str, **settings: str) -> None:
        """``aws configure set NAME VALUE --profile PROFILE`` for each setting."""
        for name, value in settings.items():
            self.cli.run("configure", "set", name, value, "--profile", profile,
                         endpoint=False)

    def script(self, name: str, body: str) -> Path:
        """An executable Python script in HOME, for mfa_process and fake tools."""
        path = self.path / name
        path.write_text(f"#!{sys.executable}\n{body}")
        path.chmod(0o755)
        return path


def code_printer(home: Home, user: MfaUser, name: str = "code.py",
                 count_file: Path | None = None) -> Path:
    """An ``mfa_process`` that prints the user's current TOTP code, like ``ykman oath``,
    and counts its runs."""
    counter = count_file or home.path / f"{name}.count"
    return home.script(name, (
        "import pathlib, time, pyotp\n"
        f"c = pathlib.Path({str(counter)!r})\n"
        "c.write_text(str(int(c.read_text() or 0) + 1) if c.exists() else '1')\n"
        f"print('karashi-demo', pyotp.TOTP({user.seed!r}).at(time.time()))\n"))


def wrong_code(user: MfaUser) -> str:
    """A six-digit code that is not valid now, a step before or after."""
    valid = {user.code(step) for step in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def environ_without_aws() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def make_mfa_user(server: Server, policy: dict[str, Any]) -> MfaUser:
    """Like ``make_user``, but the device is enabled with the two codes *before* now, so
    the current code and the next one are both still unused."""
    user = make_user(server, policy, mfa=False)
    iam = root_client(server, "iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]
    seed = device["Base32StringSeed"].decode()
    totp, now = pyotp.TOTP(seed), time.time()
    iam.enable_mfa_device(UserName=user.name, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp.at(now - 60),
                          AuthenticationCode2=totp.at(now - 30))
    user.serial, user.seed = device["SerialNumber"], seed
    return user
