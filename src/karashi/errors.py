"""The one error base every protocol layer raises.

Each error carries the AWS error ``code``, the HTTP ``status`` and a message that names
what was expected and what arrived. The HTTP layer renders it in the shape of the
service that was called (S3 XML, IAM/STS query XML); lower layers never render.
"""

from __future__ import annotations


class ServiceError(Exception):
    """An error with an AWS error code, an HTTP status and a human message."""

    code: str = "InternalError"
    status: int = 500
    #: "Sender" or "Receiver", as the IAM/STS error shape calls it.
    fault: str = "Sender"

    def __init__(self, message: str = "", *, code: str | None = None,
                 status: int | None = None, **fields: str) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.message = message
        #: Extra elements rendered into the S3 error body (``BucketName``, ``Key``, ...).
        self.fields = fields

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.status}, {self.message!r})"


def error(code: str, status: int, message: str, **fields: str) -> ServiceError:
    """Build a ServiceError for a code that needs no class of its own."""
    return ServiceError(message, code=code, status=status, **fields)
