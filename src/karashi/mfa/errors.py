"""The helper's one error type: what is wrong, what to do, and the exit status."""

from __future__ import annotations


class MfaError(Exception):
    """A failure the user can act on, shown as one line on stderr.

    ``problem`` says what is wrong; ``fix`` says what to do about it. Neither ever holds
    a secret.
    """

    exit_code = 1

    def __init__(self, problem: str, fix: str | None = None, exit_code: int | None = None
                 ) -> None:
        self.problem = problem.rstrip(".")
        self.fix = fix
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(str(self))

    def __str__(self) -> str:
        line = f"{self.problem}."
        if self.fix:
            fix = self.fix.rstrip(".")
            line += f" {fix[:1].upper()}{fix[1:]}."
        return " ".join(line.split())


class UsageError(MfaError):
    """A bad flag or value on the command line (exit status 2, as click uses)."""

    exit_code = 2


class CodeRefused(MfaError):
    """The service refused the MFA code itself (wrong, expired or already used)."""


class Unreachable(MfaError):
    """The service gave no answer: no connection, an untrusted certificate, a timeout.

    ``delivered`` says whether the request may have reached the service all the same (a
    read timeout: sent, but no answer came); a connection that failed or a TLS handshake
    that was refused never delivered it.
    """

    def __init__(self, problem: str, fix: str | None = None, *, delivered: bool = False
                 ) -> None:
        super().__init__(problem, fix)
        self.delivered = delivered
