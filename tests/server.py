"""Start and stop a real Karashi server for end-to-end tests.

The server is a separate process started with the installed ``karashi`` command; it is
stopped by its process id, never by name.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

KARASHI = [sys.executable, "-m", "karashi"]
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost; returns (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "karashi-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def create_account(data_dir: Path, name: str, env: dict[str, str] | None = None
                   ) -> dict[str, str]:
    out = subprocess.run([*KARASHI, "admin", "create-account", name, "--json",
                          "--data-dir", str(data_dir)], check=True, capture_output=True,
                         text=True, env=env)
    return dict(json.loads(out.stdout))


@dataclass
class Server:
    data_dir: Path
    port: int
    tls: tuple[Path, Path] | None = None
    #: A libfaketime offset such as "+16m": the server's clock, controlled by the test.
    faketime: str | None = None
    extra_args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def endpoint(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> Server:
        args = [*KARASHI, "serve", "--data-dir", str(self.data_dir), "--port", str(self.port),
                *self.extra_args]
        if self.tls:
            args += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        env = dict(os.environ)
        if self.faketime:
            env.update(LD_PRELOAD=FAKETIME_LIB, FAKETIME=self.faketime)
        self.log_path = self.data_dir / f"server-{self.port}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                            env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            # The socket listens before the data folder is opened: ready once it says so.
            if "Karashi listening on" in self.log_path.read_text(errors="replace"):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        """The server's output so far, once it has stopped growing: the server writes
        its log from a background thread, a moment after answering."""
        if self.log_path is None:
            return ""
        size, deadline = -1, time.monotonic() + 3
        while time.monotonic() < deadline:
            current = self.log_path.stat().st_size
            if current == size:
                break
            size = current
            time.sleep(0.15)
        return self.log_path.read_text(errors="replace")
