"""The real rclone (Debian package ``rclone``) against a real Karashi server, configured
as a user would for any S3-compatible store: provider Other, path style, us-east-1."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

import pytest

from e2e.helpers import FORCE_MFA, make_user
from e2e.thirdparty import Rclone, long_term, mfa_session, root_credentials
from server import Server

#: A small tree with names that need care in URLs and signatures.
TREE = {
    "plain.txt": b"plain file\n",
    "with space.txt": b"a name with a space\n",
    "caf\u00e9 \u65e5\u672c.txt": "unicode name, unicode body: \u00e9\u65e5\n".encode(),
    "a+b=c&d.txt": b"plus, equals and ampersand\n",
    "sub dir/nested+1.bin": bytes(range(256)) * 64,
    "sub dir/deeper/empty.txt": b"",
    "sub dir/deeper/random.bin": secrets.token_bytes(300_000),
}


@pytest.fixture(params=["http", "https"])
def target(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue("tls_server" if request.param == "https" else "server")


def write_tree(root: Path, tree: dict[str, bytes]) -> None:
    for name, data in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def bucket_name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def test_rclone_round_trip(target: Server, tmp_path: Path) -> None:
    """mkdir, copy a tree, list it, check hashes, cat, sync with a deletion, delete,
    purge: what a user does with rclone, with the account's root key."""
    rclone = Rclone(tmp_path, target, root_credentials(target))
    bucket = bucket_name("rclone")
    remote = f"remote:{bucket}"
    src = tmp_path / "src"
    write_tree(src, TREE)

    rclone.run("mkdir", remote)
    buckets = rclone.run("lsd", "remote:").stdout
    assert bucket in buckets

    copied = rclone.run("copy", str(src), remote)
    assert "ERROR" not in copied.stderr, copied.stderr

    # ls: every file, with its size.
    listed = {}
    for line in rclone.run("ls", remote).stdout.splitlines():
        size, name = line.strip().split(" ", 1)
        listed[name] = int(size)
    assert listed == {name: len(data) for name, data in TREE.items()}

    # lsjson: names, sizes and the MD5 that rclone reads from the ETag.
    entries = json.loads(rclone.run("lsjson", "-R", "--files-only", "--hash", remote).stdout)
    by_path = {e["Path"]: e for e in entries}
    assert set(by_path) == set(TREE)
    for name, data in TREE.items():
        assert by_path[name]["Size"] == len(data)
        assert by_path[name]["Hashes"]["md5"] == hashlib.md5(data).hexdigest()

    # check: compares sizes and MD5 hashes of both sides, and must not fall back to
    # "size only" because the remote has no hashes.
    checked = rclone.run("check", str(src), remote)
    assert "0 differences found" in checked.stderr
    assert "hashes could not be checked" not in checked.stderr.lower()

    # cat: the exact bytes back, for every awkward name.
    for name, data in TREE.items():
        assert _cat(rclone, f"{remote}/{name}") == data

    # copy back down: a byte-identical tree.
    back = tmp_path / "back"
    rclone.run("copy", remote, str(back))
    assert read_tree(back) == TREE

    # sync after removing and changing files locally: the remote follows.
    (src / "with space.txt").unlink()
    (src / "a+b=c&d.txt").write_bytes(b"changed contents, same name\n")
    synced = rclone.run("sync", str(src), remote)
    assert "ERROR" not in synced.stderr, synced.stderr
    expected = read_tree(src)
    names = set(rclone.run("lsf", "-R", "--files-only", remote).stdout.splitlines())
    assert names == set(expected)
    assert "with space.txt" not in names
    assert _cat(rclone, f"{remote}/a+b=c&d.txt") == b"changed contents, same name\n"
    assert "0 differences found" in rclone.run("check", str(src), remote).stderr

    # delete one file, then delete by filter.
    rclone.run("deletefile", f"{remote}/plain.txt")
    rclone.run("delete", f"{remote}/sub dir", "--include", "*.bin")
    names = set(rclone.run("lsf", "-R", "--files-only", remote).stdout.splitlines())
    assert names == {"caf\u00e9 \u65e5\u672c.txt", "a+b=c&d.txt",
                     "sub dir/deeper/empty.txt"}

    # purge: the objects and the bucket itself are gone. rclone first asks whether the
    # bucket is versioned (GetBucketVersioning); an error there is an ERROR line.
    purged = rclone.run("purge", remote)
    assert bucket not in rclone.run("lsd", "remote:").stdout
    gone = rclone.run("lsf", remote, check=False, retries=False)
    assert gone.returncode != 0 and "directory not found" in gone.stderr
    assert "ERROR" not in purged.stderr, purged.stderr


def _cat(rclone: Rclone, path: str) -> bytes:
    """``rclone cat``'s standard output, byte for byte."""
    return rclone.run_bytes("cat", path)


def test_rclone_mfa_story(target: Server, tmp_path: Path) -> None:
    """The article with rclone: with the user's long-term key every S3 action is denied;
    with the session credentials from GetSessionToken (MFA) the same commands work."""
    user = make_user(target, FORCE_MFA)
    admin = Rclone(tmp_path / "admin", target, root_credentials(target))
    bucket = bucket_name("rclone-mfa")
    admin.run("mkdir", f"remote:{bucket}")

    (tmp_path / "upload").mkdir()
    report = tmp_path / "upload" / "report.txt"
    report.write_bytes(b"quarterly numbers\n")

    denied = Rclone(tmp_path / "longterm", target, long_term(user))
    listing = denied.run("lsf", f"remote:{bucket}", check=False, retries=False)
    assert listing.returncode != 0
    assert "AccessDenied" in listing.stderr and "403" in listing.stderr
    # rclone looks before it uploads (HeadObject: 403, no body to name the error) ...
    upload = denied.run("copyto", str(report), f"remote:{bucket}/report.txt", check=False,
                        retries=False)
    assert upload.returncode != 0 and "403" in upload.stderr
    # ... and told not to look, its PutObject itself is refused with AccessDenied.
    upload = denied.run("copyto", str(report), f"remote:{bucket}/report.txt",
                        "--no-check-dest", "--s3-no-check-bucket", check=False,
                        retries=False)
    assert upload.returncode != 0
    assert "AccessDenied" in upload.stderr and "403" in upload.stderr
    assert admin.run("lsf", f"remote:{bucket}").stdout == ""

    session = Rclone(tmp_path / "session", target, mfa_session(target, user))
    session.run("copyto", str(report), f"remote:{bucket}/report.txt")
    assert session.run("lsf", f"remote:{bucket}").stdout.splitlines() == ["report.txt"]
    assert session.run("cat", f"remote:{bucket}/report.txt").stdout == "quarterly numbers\n"
    assert "0 differences found" in session.run("check", str(tmp_path / "upload"),
                                                f"remote:{bucket}").stderr
    # The user's own bucket, made and removed with the session.
    own = bucket_name("rclone-own")
    session.run("mkdir", f"remote:{own}")
    session.run("copy", str(tmp_path / "upload"), f"remote:{own}")
    session.run("purge", f"remote:{own}")
    assert own not in session.run("lsd", "remote:").stdout

    # The long-term key is still refused the download it now could see.
    fetch = denied.run("cat", f"remote:{bucket}/report.txt", check=False, retries=False)
    assert fetch.returncode != 0 and "403" in fetch.stderr
    admin.run("purge", f"remote:{bucket}")
