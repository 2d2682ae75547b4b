"""Helpers shared by the auth tests: botocore clients that sign but never send."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.config import Config

from karashi.auth import RawRequest

ACCESS_KEY = "AKIAKARASHITEST00001"
SECRET_KEY = "kArAsHi/sEcReT+kEy/0123456789abcdefghijk"
HTTP_ENDPOINT = "http://127.0.0.1:9000"
HTTPS_ENDPOINT = "https://127.0.0.1:9443"


class Captured(Exception):
    """Raised from botocore's before-send hook so the request never leaves the process."""

    def __init__(self, request: AWSPreparedRequest) -> None:
        super().__init__("captured")
        self.request = request


def make_client(service: str, *, endpoint: str = HTTP_ENDPOINT, token: str | None = None,
                **config: Any) -> Any:
    """A real botocore client for ``service`` whose requests are captured, not sent."""
    session = botocore.session.get_session()
    client = session.create_client(
        service, region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 0}, **config))

    def _capture(request: AWSPreparedRequest, **_: Any) -> None:
        raise Captured(request)

    client.meta.events.register("before-send", _capture)
    return client


def capture(client: Any, operation: str, **params: Any) -> tuple[RawRequest, bytes]:
    """Sign ``operation`` with ``client`` and return it as Karashi would receive it."""
    try:
        getattr(client, operation)(**params)
    except Captured as captured:
        return to_raw(captured.request)
    raise AssertionError("the request was not captured")


def to_raw(request: AWSPreparedRequest | AWSRequest) -> tuple[RawRequest, bytes]:
    """The method, raw path, raw query and headers of a signed botocore request, with the
    Host header its HTTP client would add, and the body it would send."""
    parts = urlsplit(request.url)
    headers = [(name, value.decode("latin-1") if isinstance(value, bytes) else value)
               for name, value in request.headers.items()]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    body = request.body if isinstance(request, AWSPreparedRequest) else request.data
    if body is None:
        data = b""
    elif isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body.read()
    return RawRequest(request.method, parts.path, parts.query, headers), data


def presigned(url: str, method: str = "GET", *headers: tuple[str, str]) -> RawRequest:
    """A request to a presigned ``url``, with the Host header a browser would send."""
    parts = urlsplit(url)
    return RawRequest(method, parts.path, parts.query, [("Host", parts.netloc), *headers])
