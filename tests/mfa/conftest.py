"""Fixtures for the MFA helper: a temporary HOME with the real AWS CLI, and MFA users."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e.helpers import FORCE_MFA, MfaUser
from server import Server

from mfa.support import Home, make_mfa_user


@pytest.fixture
def home(tmp_path: Path, server: Server) -> Home:
    """A fresh HOME with no AWS files, and the AWS CLI and ``karashi mfa`` using it."""
    return Home(tmp_path, server)


@pytest.fixture
def user(server: Server) -> MfaUser:
    """A user with the article's policy, an access key and an enabled MFA device whose
    current and next codes are unused."""
    return make_mfa_user(server, FORCE_MFA)


@pytest.fixture
def demo(home: Home, user: MfaUser) -> MfaUser:
    """The article's step 5 done: profile ``mfa-demo`` holds the user's key, with the
    endpoint and the MFA serial in ~/.aws/config."""
    home.configure("mfa-demo", user, endpoint_url=home.server.endpoint, mfa_serial=user.serial)
    return user
