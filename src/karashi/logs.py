"""Logging set-up for the server: one line per record on stderr; audit events as JSON."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries chatter at debug; keep their records to warnings.
    for noisy in ("sqlalchemy", "alembic", "botocore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
