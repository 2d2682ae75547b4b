"""IAM's rules for names and paths, checked before anything is written."""

from __future__ import annotations

import re

from karashi.identity.errors import ValidationError

_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
_PATH = re.compile(r"/|/[\x21-\x7e]*/")


def check_name(kind: str, value: str | None, max_length: int) -> str:
    """``value`` as an IAM entity name (``[\\w+=,.@-]``, 1..max_length)."""
    if value is None or value == "":
        raise ValidationError(f"1 validation error detected: Value at '{kind}' failed to "
                              "satisfy constraint: Member must not be null")
    if len(value) > max_length:
        raise ValidationError(f"1 validation error detected: Value '{value}' at '{kind}' "
                              "failed to satisfy constraint: Member must have length less "
                              f"than or equal to {max_length}")
    if not _NAME.fullmatch(value):
        raise ValidationError(f"The specified value for {kind} is invalid. It must contain "
                              "only alphanumeric characters and/or the following: +=,.@_-")
    return value


def check_path(value: str | None) -> str:
    if value is None or value == "":
        return "/"
    if len(value) > 512 or not _PATH.fullmatch(value):
        raise ValidationError("The specified value for path is invalid. It must begin and end "
                              "with / and contain only printable ASCII characters.")
    return value
