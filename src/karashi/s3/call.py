"""What an S3 handler is given: the request, its operation, the caller, the stores."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:  # types only: handlers import this module, and it imports none of them
    from karashi.audit import AuditEvent
    from karashi.auth import SignedRequest
    from karashi.http.request import Request
    from karashi.identity.caller import Caller
    from karashi.s3.access import Access
    from karashi.s3.operations import Operation
    from karashi.store import Store
    from karashi.store.objects import Bucket

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class S3Call:
    request: Request
    op: Operation
    caller: Caller | None
    signed: SignedRequest | None
    signing_key: bytes | None
    store: Store
    region: str
    #: The bucket as the pipeline found it (None for ListBuckets and CreateBucket).
    found: Bucket | None = None
    #: The copy's source bucket, for CopyObject.
    source_bucket: Bucket | None = None
    #: Decides further checks within the request (each key of DeleteObjects).
    access: Access | None = None
    event: AuditEvent | None = None

    @property
    def bucket(self) -> str:
        assert self.op.bucket is not None
        return self.op.bucket

    @property
    def key(self) -> str:
        assert self.op.key is not None
        return self.op.key


async def blocking(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a metadata query or an fsync off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)
