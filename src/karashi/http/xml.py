"""Writing and reading the small XML documents S3, IAM and STS exchange."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Union
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET  # type: ignore[import-untyped]

from karashi.errors import ServiceError

# A node is (tag, children) where children is text, a list of nodes, or None (omitted).
Node = tuple[str, Union[str, int, bool, datetime, None, "list[Node]"]]

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                          "\r": "&#13;"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as AWS writes every time."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _render(node: Node, out: list[str]) -> None:
    tag, value = node
    if value is None:
        return
    # A tag may carry attributes ("Grantee xsi:type=..."): the element closes by name.
    name = tag.split(" ", 1)[0]
    if isinstance(value, list):
        out.append(f"<{tag}>")
        for child in value:
            _render(child, out)
        out.append(f"</{name}>")
        return
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = timestamp(value)
    else:
        text = escape(str(value))
    out.append(f"<{tag}>{text}</{name}>")


def document(root: str, children: Iterable[Node], namespace: str | None = None) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    out.append(f'<{root} xmlns="{namespace}">' if namespace else f"<{root}>")
    for child in children:
        _render(child, out)
    out.append(f"</{root}>")
    return "".join(out).encode()


def parse(body: bytes) -> Element:
    """Parse request XML with entities and external references refused."""
    try:
        root: Element = SafeET.fromstring(body)
        return root
    except Exception as exc:  # defusedxml raises several unrelated types
        raise ServiceError("The XML you provided was not well-formed or did not validate "
                           "against our published schema.", code="MalformedXML",
                           status=400) from exc


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
