"""``karashi mfa``: the client-side helper that turns a TOTP code into session credentials.

It talks to any STS endpoint (Karashi's, Wasabi's, AWS's) through botocore and keeps the
result in the AWS CLI's own files, so every AWS tool can use it. It never imports the
server packages: it is a client like any other.
"""

from karashi.mfa.errors import MfaError

__all__ = ["MfaError"]
