"""IAM handlers: login (being written)."""

from __future__ import annotations

from karashi.iam.resources import IamAction

ACTIONS: dict[str, IamAction] = {}
