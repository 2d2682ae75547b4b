"""What an IAM handler is given, and the paging every List call shares."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from karashi.http import xml
from karashi.identity.caller import Caller
from karashi.identity.errors import InvalidInput, ValidationError
from karashi.store import Store

T = TypeVar("T")


@dataclass
class IamCall:
    action: str
    params: dict[str, str]
    caller: Caller
    store: Store

    @property
    def account(self) -> str:
        return self.caller.account_id

    def get(self, name: str) -> str | None:
        return self.params.get(name)

    def require(self, name: str) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            label = name[0].lower() + name[1:]
            raise ValidationError(f"1 validation error detected: Value null at '{label}' "
                                  "failed to satisfy constraint: Member must not be null")
        return value

    def user_name(self) -> str:
        """UserName, defaulting to the caller's own user as IAM does."""
        name = self.get("UserName")
        if name:
            return name
        if self.caller.user is None:
            raise ValidationError("Must specify userName when calling with non-User "
                                  "credentials")
        return self.caller.user.name


def page(call: IamCall, items: Sequence[T]) -> tuple[Sequence[T], list[xml.Node]]:
    """The slice of ``items`` that Marker and MaxItems ask for, and the paging nodes."""
    raw_max = call.get("MaxItems")
    try:
        max_items = int(raw_max) if raw_max else 100
    except ValueError:
        raise ValidationError(f"Value '{raw_max}' at 'maxItems' failed to satisfy "
                              "constraint: Member must be an integer") from None
    if not 1 <= max_items <= 1000:
        raise ValidationError(f"1 validation error detected: Value '{max_items}' at "
                              "'maxItems' failed to satisfy constraint: Member must have "
                              "value between 1 and 1000")
    start = 0
    marker = call.get("Marker")
    if marker:
        try:
            start = int(base64.b64decode(marker, validate=True).decode().removeprefix("i:"))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise InvalidInput("Invalid Marker.") from None
    chosen = items[start:start + max_items]
    truncated = start + max_items < len(items)
    nodes: list[xml.Node] = [("IsTruncated", truncated)]
    if truncated:
        nodes.append(("Marker", base64.b64encode(f"i:{start + max_items}".encode()).decode()))
    return chosen, nodes
