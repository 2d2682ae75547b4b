"""Running the real rclone and s3cmd against Karashi, each with a temporary HOME and its
own config file, as a person would; and the MFA session credentials they are given."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import client
from e2e.helpers import MfaUser
from server import Server

RCLONE = shutil.which("rclone") or "rclone"
S3CMD = str(Path(sys.executable).parent / "s3cmd")

#: Environment variables that would let a global setting leak into the tool.
_FOREIGN = ("AWS_", "RCLONE_", "S3CMD", "XDG_", "SSL_CERT", "REQUESTS_CA_BUNDLE",
            "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy")


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
    env["HOME"] = str(home)
    return env


@dataclass
class Credentials:
    key: str
    secret: str
    token: str | None = None


def long_term(user: MfaUser) -> Credentials:
    return Credentials(user.key, user.secret)


def mfa_session(srv: Server, user: MfaUser) -> Credentials:
    """GetSessionToken with the user's MFA device and a fresh code, through boto3."""
    sts = client(srv, "sts", user.key, user.secret)
    creds = sts.get_session_token(SerialNumber=user.serial,
                                  TokenCode=user.code())["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    return Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def root_credentials(srv: Server) -> Credentials:
    root = srv.root  # type: ignore[attr-defined]
    return Credentials(root["access_key_id"], root["secret_access_key"])


class Rclone:
    """``rclone --config <tmp>/rclone.conf`` with an S3 remote named ``remote``
    (provider Other, path style), and nothing else configured."""

    def __init__(self, home: Path, srv: Server, creds: Credentials) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.srv = srv
        self.config = home / "rclone.conf"
        self.env = clean_env(home)
        lines = ["[remote]", "type = s3", "provider = Other", "env_auth = false",
                 f"access_key_id = {creds.key}", f"secret_access_key = {creds.secret}",
                 "region = us-east-1", f"endpoint = {srv.endpoint}",
                 "force_path_style = true"]
        if creds.token:
            lines.append(f"session_token = {creds.token}")
        self.config.write_text("\n".join(lines) + "\n")

    def argv(self, args: tuple[str, ...], retries: bool) -> list[str]:
        argv = [RCLONE, "--config", str(self.config), "--cache-dir", str(self.home / "cache"),
                *args]
        if self.srv.tls:
            argv += ["--ca-cert", str(self.srv.tls[0])]
        if not retries:
            argv += ["--retries", "1", "--low-level-retries", "1"]
        return argv

    def run(self, *args: str, check: bool = True, retries: bool = True
            ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(self.argv(args, retries), check=False, capture_output=True,
                                text=True, env=self.env, cwd=self.home, timeout=120)
        if check and result.returncode != 0:
            self._fail(args, result.returncode, result.stderr)
        return result

    def run_bytes(self, *args: str) -> bytes:
        """Standard output as bytes (``rclone cat`` of a binary file)."""
        result = subprocess.run(self.argv(args, True), check=False, capture_output=True,
                                env=self.env, cwd=self.home, timeout=120)
        if result.returncode != 0:
            self._fail(args, result.returncode, result.stderr.decode(errors="replace"))
        return result.stdout

    def _fail(self, args: tuple[str, ...], code: int, stderr: str) -> None:
        raise AssertionError(f"rclone {' '.join(args)} failed ({code}):\n{stderr}\n"
                             f"--- server log ---\n{self.srv.log()[-4000:]}")


class S3cmd:
    """``s3cmd -c <tmp>/s3cfg`` pointed at the server, path style, signature v4."""

    def __init__(self, home: Path, srv: Server, creds: Credentials) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.srv = srv
        self.config = home / "s3cfg"
        self.env = clean_env(home)
        host = f"127.0.0.1:{srv.port}"
        lines = ["[default]", f"access_key = {creds.key}", f"secret_key = {creds.secret}",
                 f"access_token = {creds.token or ''}", f"host_base = {host}",
                 f"host_bucket = {host}", "bucket_location = us-east-1",
                 f"use_https = {srv.tls is not None}", "signature_v2 = False",
                 "check_ssl_certificate = True", "check_ssl_hostname = True",
                 f"ca_certs_file = {srv.tls[0] if srv.tls else ''}",
                 "progress_meter = False"]
        self.config.write_text("\n".join(lines) + "\n")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [S3CMD, "-c", str(self.config), *args]
        result = subprocess.run(argv, check=False, capture_output=True, text=True,
                                env=self.env, cwd=self.home, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"s3cmd {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}\n--- server log ---\n"
                                 f"{self.srv.log()[-4000:]}")
        return result
