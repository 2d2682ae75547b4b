"""Secrets at rest: secret access keys and MFA seeds, sealed with AES-GCM.

The server creates a 256-bit master key on first start (``master.key``, mode 0600) or
takes one from configuration. Each sealed value is a versioned envelope::

    b"\\x01" | 12-byte nonce | ciphertext and tag

and is bound to the record it belongs to (the associated data, e.g. the access key id),
so a sealed secret copied onto another row does not open.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENVELOPE_VERSION = 1
KEY_FILE = "master.key"


class SealError(Exception):
    """A sealed value could not be opened: wrong key, wrong record or corrupted."""


class Sealer:
    """Seals and opens small secrets under one master key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Sealer(<master key redacted>)"

    def seal(self, secret: bytes, bound_to: str) -> bytes:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret, bound_to.encode())
        return bytes([ENVELOPE_VERSION]) + nonce + sealed

    def open(self, envelope: bytes, bound_to: str) -> bytes:
        if not envelope or envelope[0] != ENVELOPE_VERSION:
            raise SealError("unknown envelope version")
        try:
            return self._aead.decrypt(envelope[1:13], envelope[13:], bound_to.encode())
        except InvalidTag as exc:
            raise SealError("sealed value does not open with this key and record") from exc


def load_or_create_key(data_dir: Path, configured: str = "") -> bytes:
    """The master key from configuration (base64), else ``data_dir/master.key``."""
    if configured:
        key = base64.b64decode(configured, validate=True)
        if len(key) != 32:
            raise ValueError("master_key must be the base64 of 32 bytes")
        return key

    path = data_dir / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = os.urandom(32)
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key
