"""Endpoints: resolved as botocore resolves them, and STS and S3 on different hosts."""

from __future__ import annotations

import os
from pathlib import Path

import botocore.session
import pytest
from e2e.helpers import MfaUser

from karashi.mfa.endpoints import SERVICES, EndpointFlags, resolve
from karashi.mfa.profiles import AwsFiles, Profiles
from mfa.support import Home

CONFIG = """[profile plain]
region = us-east-1

[profile one]
region = us-east-1
endpoint_url = http://one.example:9000

[profile split]
region = us-east-1
endpoint_url = http://fallback.example
services = split-hosts

[profile ignoring]
region = us-east-1
endpoint_url = http://one.example:9000
ignore_configured_endpoint_urls = true

[services split-hosts]
sts =
  endpoint_url = https://sts.wasabisys.com
s3 =
  endpoint_url = https://s3.eu-central-2.wasabisys.com
"""
ENVIRONMENTS = [
    {},
    {"AWS_ENDPOINT_URL": "http://global.example"},
    {"AWS_ENDPOINT_URL_STS": "http://sts.example", "AWS_ENDPOINT_URL": "http://global.example"},
    {"AWS_ENDPOINT_URL_S3": "http://s3.example"},
    {"AWS_ENDPOINT_URL_IAM": "http://iam.example", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
]


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=lambda e: ",".join(e) or "none")
@pytest.mark.parametrize("profile", ["plain", "one", "split", "ignoring"])
def test_resolution_agrees_with_botocore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         profile: str, environment: dict[str, str]) -> None:
    """For every service, the endpoint the helper resolves is the one botocore uses."""
    (tmp_path / "config").write_text(CONFIG)
    (tmp_path / "credentials").write_text("")
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    environ = {"AWS_CONFIG_FILE": str(tmp_path / "config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), **environment}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    profiles = Profiles.load(AwsFiles.locate(environ))
    session = botocore.session.Session(profile=profile)
    for service in SERVICES:
        ours = resolve(service, profiles, profile, environ).url
        theirs = session.create_client(service, region_name="us-east-1",
                                       aws_access_key_id="AKIAX", aws_secret_access_key="x",
                                       ).meta.endpoint_url
        if ours is None:
            assert "amazonaws.com" in theirs
        else:
            assert theirs == ours


def test_flags_come_first(tmp_path: Path) -> None:
    """--sts-endpoint beats --endpoint-url, which beats the environment and the files."""
    (tmp_path / "config").write_text(CONFIG)
    environ = {"AWS_CONFIG_FILE": str(tmp_path / "config"),
               "AWS_ENDPOINT_URL_STS": "http://env.example"}
    profiles = Profiles.load(AwsFiles.locate(environ))
    flags = EndpointFlags.of("http://all.example", sts="http://sts.flag/")
    found = {s: resolve(s, profiles, "split", environ, flags) for s in SERVICES}
    assert found["sts"].url == "http://sts.flag" and found["sts"].origin == "--sts-endpoint"
    assert found["s3"].url == found["iam"].url == "http://all.example"


def test_sts_and_s3_on_different_hosts(home: Home, user: MfaUser) -> None:
    """STS and S3 on separate hosts become a services section the AWS CLI follows."""
    port = home.server.port
    home.configure("mfa-demo", user, mfa_serial=user.serial)
    home.mfa("login", "--profile", "mfa-demo", "--token-code", user.code(0),
             "--sts-endpoint", f"http://localhost:{port}",
             "--s3-endpoint", f"http://127.0.0.1:{port}",
             "--iam-endpoint", f"http://localhost:{port}")
    config = home.config.read_text()
    assert "services = mfa-demo-temporary\n" in config
    assert (f"[services mfa-demo-temporary]\nsts =\n  endpoint_url = http://localhost:{port}\n"
            f"s3 =\n  endpoint_url = http://127.0.0.1:{port}\n") in config
    home.aws("s3", "mb", "s3://split-hosts", "--profile", "mfa-demo-temporary")
    assert "split-hosts" in home.aws("s3", "ls", "--profile", "mfa-demo-temporary").stdout
    who = home.aws("sts", "get-caller-identity", "--profile", "mfa-demo-temporary").stdout
    assert user.arn in who


def test_services_section_of_the_source_is_kept(home: Home, user: MfaUser) -> None:
    """A source profile that points to a services section passes it on unchanged."""
    port = home.server.port
    home.configure("mfa-demo", user, mfa_serial=user.serial, services="karashi-hosts")
    with open(home.config, "a") as fh:
        fh.write(f"\n[services karashi-hosts]\nsts =\n  endpoint_url = http://localhost:{port}\n"
                 f"s3 =\n  endpoint_url = http://127.0.0.1:{port}\n")
    home.mfa("login", "--profile", "mfa-demo", "--token-code", user.code(0))
    assert "services = karashi-hosts" in home.config.read_text().split(
        "[profile mfa-demo-temporary]")[1]
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary")


def test_environment_endpoints_are_used_not_saved(home: Home, user: MfaUser) -> None:
    """AWS_ENDPOINT_URL_STS is used for the login but not written into the profile."""
    home.configure("mfa-demo", user, mfa_serial=user.serial)
    home.mfa("login", "--profile", "mfa-demo", "--token-code", user.code(0),
             env={"AWS_ENDPOINT_URL_STS": home.server.endpoint})
    assert "endpoint_url" not in home.config.read_text()
    home.aws("s3", "ls", "--profile", "mfa-demo-temporary",
             env={"AWS_ENDPOINT_URL_S3": home.server.endpoint})
