"""The AWS SigV4 test suite (tests/vectors/sigv4), header and presigned forms.

Each case is verified at its own timestamp with its own credentials, under the rules of
a service other than s3 (the suite's service is called "service"); its ``normalize``
flag chooses whether the path's dot segments and repeated slashes are removed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from karashi.auth import RawRequest, SignedRequest, parse_request, signing_key, verify_signature
from karashi.auth.canonical import canonical_request, string_to_sign
from karashi.auth.errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    RequestTimeTooSkewed,
    SignatureDoesNotMatch,
    XAmzContentSHA256Mismatch,
)
from karashi.auth.sigv4 import EMPTY_SHA256

VECTORS = Path(__file__).parent.parent / "vectors" / "sigv4"
CASES = sorted(path.name for path in VECTORS.iterdir() if path.is_dir())
FORMS = ("header", "query")
SKIPS = {
    ("post-sts-header-after", "query"): (
        "the session token is appended to the URL after signing (omit_session_token); "
        "Karashi signs every query parameter but X-Amz-Signature, as S3 does, so it "
        "refuses this URL: test_token_added_after_signing_is_refused checks that"),
}
PARAMS = [pytest.param(case, form, id=f"{case}-{form}",
                       marks=[pytest.mark.skip(reason=SKIPS[case, form])]
                       if (case, form) in SKIPS else [])
          for case in CASES for form in FORMS]


@dataclass
class Vector:
    context: dict[str, Any]
    text: str  # the signed request file, bytes decoded as latin-1
    form: str

    @property
    def now(self) -> datetime:
        return datetime.fromisoformat(self.context["timestamp"])

    @property
    def secret(self) -> str:
        return str(self.context["credentials"]["secret_access_key"])


def load(case: str, form: str) -> Vector:
    context = json.loads((VECTORS / case / "context.json").read_text())
    text = (VECTORS / case / f"{form}-signed-request.txt").read_bytes().decode("latin-1")
    return Vector(context, text, form)


def parse_http(text: str) -> tuple[RawRequest, bytes]:
    """A raw HTTP/1.1 request as the suite writes it: LF line ends, a path that may hold
    spaces, folded (obs-fold) header lines."""
    head, _, body = text.partition("\n\n")
    request_line, *lines = head.split("\n")
    method, _, rest = request_line.partition(" ")
    target = rest.rsplit(" ", 1)[0]
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        elif line:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return RawRequest(method, path, query, headers), body.encode("latin-1")


def verify(vector: Vector, text: str | None = None,
           req: RawRequest | None = None) -> tuple[SignedRequest, bytes]:
    if req is None:
        req, body = parse_http(vector.text if text is None else text)
    else:
        body = parse_http(vector.text)[1]
    signed = parse_request(req)
    assert signed is not None
    key = verify_signature(req, signed, vector.secret, now=vector.now,
                           payload_hash=hashlib.sha256(body).hexdigest(),
                           normalize_path=vector.context["normalize"])
    return signed, key


@pytest.mark.parametrize(("case", "form"), PARAMS)
def test_vector_verifies(case: str, form: str) -> None:
    """The signed request verifies and yields the signing key of its scope."""
    vector = load(case, form)
    signed, key = verify(vector)

    context = vector.context
    expected = (VECTORS / case / f"{form}-signature.txt").read_text().strip()
    assert signed.signature == expected
    assert signed.access_key == context["credentials"]["access_key_id"]
    assert (signed.scope.region, signed.scope.service) == (context["region"],
                                                           context["service"])
    assert signed.presigned is (form == "query")
    assert signed.expires_in == (context["expiration_in_seconds"] if form == "query" else None)
    assert key == signing_key(vector.secret, signed.scope.date, context["region"],
                              context["service"])
    if "token" in context["credentials"]:
        assert signed.security_token == context["credentials"]["token"]


@pytest.mark.parametrize(("case", "form"), PARAMS)
def test_vector_canonical_request_and_string_to_sign(case: str, form: str) -> None:
    """Our canonical request and string to sign equal the suite's, byte for byte."""
    vector = load(case, form)
    req, body = parse_http(vector.text)
    signed = parse_request(req)
    assert signed is not None

    canonical = canonical_request(req, signed, payload_hash=hashlib.sha256(body).hexdigest(),
                                  normalize_path=vector.context["normalize"],
                                  decode_path=False)
    expected = (VECTORS / case / f"{form}-canonical-request.txt").read_bytes()
    assert canonical.encode("utf-8") == expected
    expected = (VECTORS / case / f"{form}-string-to-sign.txt").read_bytes()
    assert string_to_sign(signed, canonical).encode("utf-8") == expected


@pytest.mark.parametrize(("case", "form"), PARAMS)
def test_vector_rejects_changed_signature(case: str, form: str) -> None:
    """Changing any character of the signature gives SignatureDoesNotMatch."""
    vector = load(case, form)
    signature = (VECTORS / case / f"{form}-signature.txt").read_text().strip()
    assert vector.text.count(signature) == 1
    for i, char in enumerate(signature):
        changed = signature[:i] + ("0" if char != "0" else "1") + signature[i + 1:]
        with pytest.raises(SignatureDoesNotMatch):
            verify(vector, vector.text.replace(signature, changed))


def _date_variants(date: str) -> list[tuple[int, str]]:
    """Every valid timestamp that differs from ``date`` in one digit, with its position."""
    variants = []
    for i, char in enumerate(date):
        if not char.isdigit():
            continue
        for digit in "0123456789":
            candidate = date[:i] + digit + date[i + 1:]
            if digit == char:
                continue
            try:
                datetime.strptime(candidate, "%Y%m%dT%H%M%SZ")
            except ValueError:
                continue
            variants.append((i, candidate))
    return variants


@pytest.mark.parametrize(("case", "form"), PARAMS)
def test_vector_rejects_changed_date(case: str, form: str) -> None:
    """Changing any digit of X-Amz-Date (and the credential scope with it, so the request
    stays well formed) gives SignatureDoesNotMatch, or RequestTimeTooSkewed when the new
    time is more than 15 minutes away. A presigned URL dated further back than its
    lifetime is refused as expired instead (AccessDenied), the presigned form of skew."""
    vector = load(case, form)
    date = vector.context["timestamp"].replace("-", "").replace(":", "")
    assert date in vector.text
    for _, changed in _date_variants(date):
        text = vector.text.replace(date, changed).replace(date[:8], changed[:8])
        with pytest.raises((SignatureDoesNotMatch, RequestTimeTooSkewed,
                            AccessDenied)) as caught:
            verify(vector, text)
        if isinstance(caught.value, AccessDenied):
            assert form == "query" and caught.value.message == "Request has expired"


@pytest.mark.parametrize(("case", "form"), PARAMS)
def test_vector_rejects_date_outside_its_scope(case: str, form: str) -> None:
    """A date whose day differs from the credential scope's is a malformed request."""
    vector = load(case, form)
    date = vector.context["timestamp"].replace("-", "").replace(":", "")
    malformed = (AuthorizationQueryParametersError if form == "query"
                 else AuthorizationHeaderMalformed)
    for position, changed in _date_variants(date):
        if position < 8:
            with pytest.raises(malformed, match="Invalid credential date"):
                verify(vector, vector.text.replace(date, changed))


@pytest.mark.parametrize(("case", "form"), PARAMS)
def test_vector_rejects_changed_signed_header(case: str, form: str) -> None:
    """Changing any character of any signed header's value gives SignatureDoesNotMatch.

    X-Amz-Date is left to the date tests. A changed x-amz-content-sha256 no longer
    matches the body, which is refused first (XAmzContentSHA256Mismatch)."""
    vector = load(case, form)
    req, _ = parse_http(vector.text)
    signed = parse_request(req)
    assert signed is not None

    tried = 0
    for index, (name, value) in enumerate(req.headers):
        lower = name.lower()
        if lower not in signed.signed_headers or lower == "x-amz-date":
            continue
        expected: type[Exception] = SignatureDoesNotMatch
        if lower == "x-amz-content-sha256":
            expected = XAmzContentSHA256Mismatch
        for i, char in enumerate(value):
            if lower == "x-amz-content-sha256":
                replacement = "0" if char != "0" else "1"  # still a hex digest
            else:
                replacement = "x" if char != "x" else "y"
            headers = list(req.headers)
            headers[index] = (name, value[:i] + replacement + value[i + 1:])
            with pytest.raises(expected):
                verify(vector, req=RawRequest(req.method, req.path, req.query, headers))
            tried += 1
    assert tried > 0


def test_token_added_after_signing_is_refused() -> None:
    """The suite's one URL whose session token was added after signing is refused."""
    vector = load("post-sts-header-after", "query")
    with pytest.raises(SignatureDoesNotMatch):
        verify(vector)


def test_suite_is_complete() -> None:
    """Every case folder has both forms and the payload hash the suite signs."""
    assert len(CASES) >= 38
    for case in CASES:
        for form in FORMS:
            assert (VECTORS / case / f"{form}-signed-request.txt").is_file()
    assert EMPTY_SHA256.startswith("e3b0c442")
