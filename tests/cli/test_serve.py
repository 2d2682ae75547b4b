"""`karashi serve` and `karashi admin`: first start, settings, accounts."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from karashi.config import load_settings
from server import KARASHI, Server, create_account, free_port


def test_first_start_prints_root_key_once(tmp_path: Path) -> None:
    """On an empty data folder the server creates an account and prints its root key;
    on the next start it prints none."""
    srv = Server(tmp_path, free_port()).start()
    srv.stop()
    first = srv.log()
    assert "Root access key id:" in first and "Root secret access key:" in first
    key_line = next(line for line in first.splitlines() if "Root secret access key" in line)
    secret = key_line.split(":", 1)[1].strip()
    assert len(secret) == 40
    srv.start()
    srv.stop()
    assert "Root secret access key" not in srv.log()
    # The secret appears once, on the terminal, and in no log record.
    assert first.count(secret) == 1


def test_create_account_json(tmp_path: Path) -> None:
    """`admin create-account --json` prints one JSON object with a 12-digit account id;
    names are unique."""
    account = create_account(tmp_path, "team-b")
    assert account["account_id"].isdigit() and len(account["account_id"]) == 12
    assert account["access_key_id"].startswith("AKIA")
    again = subprocess.run([*KARASHI, "admin", "create-account", "team-b", "--json",
                            "--data-dir", str(tmp_path)], capture_output=True, text=True)
    assert again.returncode != 0 and "already exists" in again.stderr


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flags beat KARASHI_* environment variables, which beat the TOML file."""
    config = tmp_path / "karashi.toml"
    config.write_text('port = 9100\nregion = "eu-west-1"\ncompat = "aws"\n'
                      f'data-dir = "{tmp_path}/from-file"\n')
    monkeypatch.setenv("KARASHI_PORT", "9200")
    settings = load_settings(config, host="0.0.0.0")
    assert settings.port == 9200 and settings.region == "eu-west-1"
    assert settings.compat == "aws" and settings.host == "0.0.0.0"
    assert settings.data_dir == tmp_path / "from-file"
    assert load_settings(config, port=9300).port == 9300


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    """An unknown key in the file, or a bad value, stops the server with a clear message."""
    config = tmp_path / "karashi.toml"
    config.write_text("prot = 1\n")
    result = subprocess.run([*KARASHI, "serve", "--config", str(config)],
                            capture_output=True, text=True, env={**os.environ})
    assert result.returncode != 0 and "unknown setting" in result.stderr
    result = subprocess.run([*KARASHI, "serve", "--compat", "gcp"], capture_output=True,
                            text=True)
    assert result.returncode != 0 and "compat" in result.stderr


def test_version(tmp_path: Path) -> None:
    """`karashi --version` answers."""
    out = subprocess.run([*KARASHI, "--version"], capture_output=True, text=True, check=True)
    assert "karashi" in out.stdout.lower()


def test_failed_first_start_keeps_the_root_key_for_later(tmp_path: Path) -> None:
    """A first start that cannot listen (port taken) or load its TLS files stops with one
    line and creates no account, so the next good start still shows the root key."""
    import socket as sockets

    with sockets.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = subprocess.run([*KARASHI, "serve", "--data-dir", str(tmp_path), "--port",
                               str(port)], capture_output=True, text=True, timeout=60)
    assert busy.returncode != 0 and "cannot listen on 127.0.0.1" in busy.stderr
    assert "Traceback" not in busy.stderr and "Root" not in busy.stdout

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("not a certificate")
    key.write_text("not a key")
    swapped = subprocess.run([*KARASHI, "serve", "--data-dir", str(tmp_path), "--port",
                              str(free_port()), "--tls-cert", str(key), "--tls-key",
                              str(cert)], capture_output=True, text=True, timeout=60)
    assert swapped.returncode != 0 and "cannot use --tls-cert" in swapped.stderr
    assert "Traceback" not in swapped.stderr

    srv = Server(tmp_path, free_port()).start()
    srv.stop()
    assert "Root secret access key:" in srv.log()


def test_data_folder_is_private(tmp_path: Path) -> None:
    """The data folder and stored object bodies are readable by their owner only."""
    import boto3

    data = tmp_path / "data"
    account = create_account(data, "private")
    srv = Server(data, free_port()).start()
    try:
        s3 = boto3.client("s3", endpoint_url=srv.endpoint, region_name="us-east-1",
                          aws_access_key_id=account["access_key_id"],
                          aws_secret_access_key=account["secret_access_key"])
        s3.create_bucket(Bucket="private-bodies")
        s3.put_object(Bucket="private-bodies", Key="k", Body=b"secret payroll")
    finally:
        srv.stop()
    assert os.stat(data).st_mode & 0o777 == 0o700
    blobs = [p for p in (data / "blobs").rglob("*") if p.is_file()]
    assert blobs and all(os.stat(p).st_mode & 0o077 == 0 for p in blobs)
