"""The real s3cmd (PyPI ``s3cmd``) against a real Karashi server, with its own config file
as ``s3cmd --configure`` would write it for an S3-compatible store: path style (host_bucket
without ``%(bucket)s``), signature v4, us-east-1."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest

from e2e.helpers import FORCE_MFA, make_user
from e2e.thirdparty import S3cmd, long_term, mfa_session, root_credentials
from server import Server


@pytest.fixture(params=["http", "https"])
def target(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue("tls_server" if request.param == "https" else "server")


def bucket_name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def test_s3cmd_round_trip(target: Server, tmp_path: Path) -> None:
    """mb, put, ls, get, info, del, rb with the account's root key."""
    s3cmd = S3cmd(tmp_path, target, root_credentials(target))
    bucket = bucket_name("s3cmd")
    url = f"s3://{bucket}"
    files = {
        "report.txt": b"quarterly numbers\n",
        "with space.txt": b"a name with a space\n",
        "caf\u00e9 \u65e5\u672c.txt": "unicode \u00e9\u65e5\n".encode(),
        "a+b=c.bin": secrets.token_bytes(200_000),
    }
    up = tmp_path / "up"
    up.mkdir()
    for name, data in files.items():
        (up / name).write_bytes(data)

    made = s3cmd.run("mb", url)
    assert f"Bucket '{url}/' created" in made.stdout
    assert url in s3cmd.run("ls").stdout

    for name in files:
        put = s3cmd.run("put", str(up / name), f"{url}/{name}")
        assert f"{url}/{name}" in put.stdout
        # s3cmd compares the returned ETag with the file's MD5 and warns on a mismatch.
        assert "WARNING" not in put.stderr and "ERROR" not in put.stderr, put.stderr

    # ls: every object, with its size.
    listing = s3cmd.run("ls", f"{url}/").stdout
    for name, data in files.items():
        line = next(ln for ln in listing.splitlines() if ln.endswith(f"{url}/{name}"))
        assert line.split()[2] == str(len(data))
    assert len(listing.splitlines()) == len(files)

    # get: byte-identical files back.
    down = tmp_path / "down"
    down.mkdir()
    for name, data in files.items():
        got = s3cmd.run("get", f"{url}/{name}", str(down / name))
        assert "WARNING" not in got.stderr and "ERROR" not in got.stderr, got.stderr
        assert (down / name).read_bytes() == data

    # info: size and the MD5 that s3cmd reads from the ETag.
    info = s3cmd.run("info", f"{url}/a+b=c.bin")
    assert f"File size: {len(files['a+b=c.bin'])}" in info.stdout
    assert f"MD5 sum:   {hashlib.md5(files['a+b=c.bin']).hexdigest()}" in info.stdout
    assert "ERROR" not in info.stderr, info.stderr

    # del: one object, then the rest; rb: the empty bucket.
    deleted = s3cmd.run("del", f"{url}/with space.txt")
    assert f"delete: '{url}/with space.txt'" in deleted.stdout
    assert "with space.txt" not in s3cmd.run("ls", f"{url}/").stdout
    s3cmd.run("del", "--recursive", "--force", f"{url}/")
    assert s3cmd.run("ls", f"{url}/").stdout == ""
    removed = s3cmd.run("rb", url)
    assert f"Bucket '{url}/' removed" in removed.stdout
    assert url not in s3cmd.run("ls").stdout


def test_s3cmd_mfa_story(target: Server, tmp_path: Path) -> None:
    """The article with s3cmd: with the user's long-term key every S3 action is denied;
    with the session credentials from GetSessionToken (MFA) in ``access_token`` the same
    commands work."""
    user = make_user(target, FORCE_MFA)
    admin = S3cmd(tmp_path / "admin", target, root_credentials(target))
    bucket = bucket_name("s3cmd-mfa")
    url = f"s3://{bucket}"
    admin.run("mb", url)
    report = tmp_path / "report.txt"
    report.write_bytes(b"quarterly numbers\n")

    denied = S3cmd(tmp_path / "longterm", target, long_term(user))
    listing = denied.run("ls", f"{url}/", check=False)
    assert listing.returncode != 0
    assert "AccessDenied" in listing.stderr and "403" in listing.stderr
    upload = denied.run("put", str(report), f"{url}/report.txt", check=False)
    assert upload.returncode != 0
    assert "AccessDenied" in upload.stderr and "403" in upload.stderr
    made = denied.run("mb", f"s3://{bucket_name('s3cmd-denied')}", check=False)
    assert made.returncode != 0 and "AccessDenied" in made.stderr
    assert admin.run("ls", f"{url}/").stdout == ""

    session = S3cmd(tmp_path / "session", target, mfa_session(target, user))
    session.run("put", str(report), f"{url}/report.txt")
    assert f"{url}/report.txt" in session.run("ls", f"{url}/").stdout
    fetched = tmp_path / "fetched.txt"
    session.run("get", f"{url}/report.txt", str(fetched))
    assert fetched.read_bytes() == b"quarterly numbers\n"
    assert "File size: 18" in session.run("info", f"{url}/report.txt").stdout

    # The long-term key is still refused the download.
    fetch = denied.run("get", f"{url}/report.txt", str(tmp_path / "nope.txt"), check=False)
    assert fetch.returncode != 0 and "403" in fetch.stderr
    assert not (tmp_path / "nope.txt").exists() or (tmp_path / "nope.txt").stat().st_size == 0

    session.run("del", f"{url}/report.txt")
    session.run("rb", url)
    assert url not in session.run("ls").stdout
