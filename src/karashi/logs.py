"""Logging set-up for the server: one line per record on stderr; audit events as JSON.

Records are handed to a queue and written by a background thread, so a slow terminal
or pipe never stalls the event loop.
"""

from __future__ import annotations

import atexit
import logging
import queue
import sys
from logging.handlers import QueueHandler, QueueListener


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = QueueListener(records, handler, respect_handler_level=True)
    listener.start()
    atexit.register(listener.stop)

    root = logging.getLogger()
    root.handlers[:] = [QueueHandler(records)]
    root.setLevel(level.upper())
    # Libraries chatter at debug; keep their records to warnings.
    for noisy in ("sqlalchemy", "alembic", "botocore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
