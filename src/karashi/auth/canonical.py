"""The canonical request and the string to sign of SigV4.

Follows "Create a canonical request" and "Create a string to sign" in
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html, with S3's
rule for the path from
https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html: S3 signs
the key as it is, never removing dot segments or repeated slashes, and encodes it once.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_to_bytes

from karashi.auth.request import ALGORITHM, RawRequest, SignedRequest

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
#: For each byte, its form in a URI-encoded string: unreserved bytes as they are,
#: every other byte as %XX with upper-case hex digits; the second table keeps "/".
_ENCODED = tuple(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256))
_ENCODED_PATH = tuple("/" if b == ord("/") else _ENCODED[b] for b in range(256))


def wire_bytes(text: str) -> bytes:
    """The bytes ``text`` stands for: latin-1 (one character per byte), or UTF-8
    when it holds characters latin-1 cannot encode."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def uri_encode(data: bytes, *, keep_slash: bool) -> str:
    """AWS's UriEncode: every byte but A-Z a-z 0-9 - _ . ~ (and ``/`` if kept) as %XX."""
    table = _ENCODED_PATH if keep_slash else _ENCODED
    return "".join([table[b] for b in data])


def remove_dot_segments(path: str) -> str:
    """The path with ``.`` and ``..`` segments resolved and empty segments dropped, as
    every AWS service but S3 does before signing (RFC 3986 section 5.2.4)."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    if not segments:
        return "/"
    trailing = "/" if path.endswith("/") else ""
    return "/" + "/".join(segments) + trailing


def canonical_uri(path: str, *, normalize: bool, decode: bool) -> str:
    """The CanonicalURI line.

    S3: ``decode=True, normalize=False``: the raw path is percent-decoded once and
    encoded again, so that ``%7E`` and ``~`` sign alike but no key is ever changed.
    Other services: ``decode=False, normalize=True``: dot segments are removed and the
    raw path is encoded as it is, so an escape in it is encoded twice (``%20`` becomes
    ``%2520``), as the AWS test suite and botocore's SigV4Auth do.
    """
    if normalize:
        path = remove_dot_segments(path)
    raw = wire_bytes(path or "/")
    if decode:
        raw = unquote_to_bytes(raw)
    return uri_encode(raw, keep_slash=True)


def canonical_query_string(query: str, *, exclude: str | None = None) -> str:
    """The CanonicalQueryString line: each name and value decoded once, encoded again,
    and the pairs sorted by encoded name, then value. ``exclude`` drops a parameter
    (X-Amz-Signature, for presigned URLs)."""
    pairs: list[tuple[str, str]] = []
    for part in wire_bytes(query).split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        decoded_name = unquote_to_bytes(name)
        if exclude is not None and decoded_name == exclude.encode():
            continue
        pairs.append((uri_encode(decoded_name, keep_slash=False),
                      uri_encode(unquote_to_bytes(value), keep_slash=False)))
    pairs.sort()
    return "&".join(f"{name}={value}" for name, value in pairs)


def canonical_header_value(values: list[str]) -> str:
    """Each value trimmed and its inner runs of whitespace made one space (Trimall),
    repeated values joined with ``,``."""
    return ",".join(" ".join(value.split()) for value in values)


def canonical_headers(req: RawRequest, names: tuple[str, ...]) -> str:
    """The CanonicalHeaders block for the signed header ``names``, each line ending
    in a newline. Names absent from the request are the caller's to refuse first."""
    return "".join(f"{name}:{canonical_header_value(req.header_values(name))}\n"
                   for name in names)


def canonical_request(req: RawRequest, signed: SignedRequest, *, payload_hash: str,
                      normalize_path: bool, decode_path: bool) -> str:
    """The CanonicalRequest: method, URI, query, headers, signed headers, payload hash."""
    exclude = "X-Amz-Signature" if signed.presigned else None
    return "\n".join([
        req.method.upper(),
        canonical_uri(req.path, normalize=normalize_path, decode=decode_path),
        canonical_query_string(req.query, exclude=exclude),
        canonical_headers(req, signed.signed_headers),
        ";".join(signed.signed_headers),
        payload_hash,
    ])


def string_to_sign(signed: SignedRequest, canonical: str) -> str:
    """The StringToSign: algorithm, request time, credential scope and the hex SHA-256
    of the canonical request."""
    digest = hashlib.sha256(wire_bytes(canonical)).hexdigest()
    return "\n".join([ALGORITHM, signed.amz_date, str(signed.scope), digest])
