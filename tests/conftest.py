"""Shared fixtures: a real Karashi server (plain HTTP and HTTPS) and boto3 clients."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).parent))

from server import Server, create_account, free_port, make_certificate  # noqa: E402


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One plain-HTTP server for the session, with an account ready."""
    data = tmp_path_factory.mktemp("karashi-http")
    srv = Server(data, free_port())
    srv.root = create_account(data, "tests")  # type: ignore[attr-defined]
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("karashi-https")
    srv = Server(data, free_port(), tls=make_certificate(data))
    srv.root = create_account(data, "tests")  # type: ignore[attr-defined]
    srv.start()
    yield srv
    srv.stop()


def client(srv: Server, service: str, key: str, secret: str, token: str | None = None,
           **config: object):
    verify = str(srv.tls[0]) if srv.tls else None
    return boto3.client(service, endpoint_url=srv.endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        aws_session_token=token, verify=verify,
                        config=Config(retries={"max_attempts": 1}, **config))


def root_client(srv: Server, service: str, **config: object):
    root = srv.root  # type: ignore[attr-defined]
    return client(srv, service, root["access_key_id"], root["secret_access_key"], **config)
