"""The three-valued result of an authorization decision, with what decided it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Effect(Enum):
    """AWS: "Policy evaluation logic" -- explicit deny beats allow beats implicit deny."""

    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True, slots=True)
class Decision:
    """An authorization decision and the statement that made it.

    ``policy``/``statement``/``sid`` name the deciding statement; all three are None for
    an implicit deny, and for the root user's own-account access, which no statement
    grants. ``reason`` explains those cases in a sentence.
    """

    effect: Effect
    policy: str | None = None
    statement: int | None = None
    sid: str | None = None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        """Whether the request may proceed."""
        return self.effect is Effect.ALLOW

    def __str__(self) -> str:
        if self.policy is None:
            return f"{self.effect.value}: {self.reason}" if self.reason else self.effect.value
        text = f"{self.effect.value} by {self.policy or '(unnamed policy)'} " \
               f"statement {self.statement}"
        if self.sid:
            text += f" (Sid {self.sid})"
        if self.reason:
            text += f": {self.reason}"
        return text
