"""Responses: a status, headers and a body that is bytes or an async stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Response:
    def __init__(self, status: int = 200, body: bytes = b"",
                 headers: Iterable[tuple[str, str]] = (),
                 stream: AsyncIterator[bytes] | None = None,
                 content_type: str | None = None) -> None:
        self.status = status
        self.body = body
        self.stream = stream
        self.headers: list[tuple[str, str]] = list(headers)
        if content_type is not None:
            self.headers.append(("content-type", content_type))

    def header(self, name: str, value: str) -> None:
        self.headers.append((name, value))

    async def send(self, send: Send, head_only: bool = False, length: int | None = None) -> None:
        names = {name.lower() for name, _ in self.headers}
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        if "content-length" not in names:
            size = len(self.body) if self.stream is None else length
            if size is not None:
                headers.append((b"content-length", str(size).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        if head_only or self.stream is None:
            await send({"type": "http.response.body",
                        "body": b"" if head_only else self.body})
            if head_only and self.stream is not None:
                await _close(self.stream)
            return
        try:
            async for piece in self.stream:
                await send({"type": "http.response.body", "body": piece, "more_body": True})
        finally:
            await _close(self.stream)
        await send({"type": "http.response.body", "body": b""})


async def _close(stream: AsyncIterator[bytes]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
