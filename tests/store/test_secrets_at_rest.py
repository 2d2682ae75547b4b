"""Secrets at rest: sealed with the master key, never stored in clear."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from karashi.identity import mfa, users
from karashi.identity.accounts import create_account
from karashi.store import Store
from karashi.store.sealed import SealError, Sealer


def test_secret_keys_and_seeds_not_in_clear(tmp_path: Path) -> None:
    """Neither a secret access key nor an MFA seed appears anywhere in the database files."""
    store = Store.open(tmp_path)
    account = create_account(store, "acme")
    users.create_user(store, account.account_id, "bob")
    key = users.create_access_key(store, account.account_id, "bob")
    device = mfa.create_virtual_device(store, account.account_id, "bob")
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("karashi.db*"))
    for secret in (key.secret, account.secret_access_key, device.seed_base32):
        assert secret is not None and secret.encode() not in raw


def test_master_key_file_is_private(tmp_path: Path) -> None:
    """The master key is created once, 32 bytes, readable by its owner only."""
    Store.open(tmp_path).close()
    key_file = tmp_path / "master.key"
    assert len(key_file.read_bytes()) == 32
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    Store.open(tmp_path).close()
    assert len(key_file.read_bytes()) == 32


def test_sealed_value_is_bound_to_its_record() -> None:
    """A sealed secret moved to another record, or opened with another key, fails."""
    sealer = Sealer(os.urandom(32))
    envelope = sealer.seal(b"secret", "AKIA1")
    assert sealer.open(envelope, "AKIA1") == b"secret"
    with pytest.raises(SealError):
        sealer.open(envelope, "AKIA2")
    with pytest.raises(SealError):
        Sealer(os.urandom(32)).open(envelope, "AKIA1")


def test_reprs_redact_secrets(tmp_path: Path) -> None:
    """Types holding secrets never show them in their repr."""
    store = Store.open(tmp_path)
    account = create_account(store, "acme")
    users.create_user(store, account.account_id, "bob")
    key = users.create_access_key(store, account.account_id, "bob")
    device = mfa.create_virtual_device(store, account.account_id, "bob")
    store.close()
    for value, secret in ((account, account.secret_access_key), (key, key.secret),
                          (device, device.seed_base32)):
        assert secret is not None and secret not in repr(value)
