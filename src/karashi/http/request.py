"""The request as Karashi's layers see it, built from an ASGI scope."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from karashi.auth import RawRequest
from karashi.errors import ServiceError

# Request ids: a random per-process prefix and a counter, unique without a syscall each.
_ID_PREFIX = secrets.token_hex(4).upper()
_request_numbers = itertools.count()

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


class Request:
    def __init__(self, scope: MutableMapping[str, Any], receive: Receive) -> None:
        self.scope = scope
        self._receive = receive
        self.method: str = scope["method"]
        raw_path = scope.get("raw_path") or scope["path"].encode()
        # The path exactly as sent: S3 never normalises a key, so neither do we.
        self.raw_path: str = raw_path.decode("latin-1").split("?", 1)[0]
        self.query_string: str = scope.get("query_string", b"").decode("latin-1")
        self.header_list: list[tuple[str, str]] = [
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        self.headers: dict[str, str] = {}
        for name, value in self.header_list:
            self.headers[name] = f"{self.headers[name]},{value}" if name in self.headers else value
        client = scope.get("client")
        self.client_ip: str = client[0] if client else ""
        self.secure: bool = scope.get("scheme") == "https"
        self.id: str = f"{_ID_PREFIX}{next(_request_numbers):08X}"
        self._query: list[tuple[str, str]] | None = None
        self._body_done = False

    @property
    def query(self) -> list[tuple[str, str]]:
        if self._query is None:
            self._query = parse_qsl(self.query_string, keep_blank_values=True)
        return self._query

    def query_value(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    def has_query(self, name: str) -> bool:
        return any(key == name for key, _ in self.query)

    def raw(self) -> RawRequest:
        return RawRequest(method=self.method, path=self.raw_path, query=self.query_string,
                          headers=self.header_list)

    async def stream(self) -> AsyncIterator[bytes]:
        """The body in the pieces the server hands us. Reading it sends ``100 Continue``,
        so callers authenticate first."""
        while not self._body_done:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ServiceError("The client closed the connection before the body ended.",
                                   code="IncompleteBody", status=400)
            body = message.get("body", b"")
            self._body_done = not message.get("more_body", False)
            if body:
                yield body

    async def body(self, limit: int) -> bytes:
        parts: list[bytes] = []
        size = 0
        async for piece in self.stream():
            size += len(piece)
            if size > limit:
                raise ServiceError(f"The request body exceeds {limit} bytes.",
                                   code="EntityTooLarge", status=400)
            parts.append(piece)
        return b"".join(parts)
