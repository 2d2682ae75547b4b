"""Decoding ``Content-Encoding: aws-chunked`` bodies as they stream in.

Signed chunks, each signature chained from the previous one and seeded by the request
signature: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html.
Signed trailers: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html.
Unsigned chunks with a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER), as botocore sends
checksums over TLS: ``<hex-size>\\r\\n<data>\\r\\n`` ... ``0\\r\\n<trailers>\\r\\n``.

Every line held in memory is bounded, so a client cannot make the decoder grow.
Decoded bytes are handed out before their chunk's signature is checked: the caller
commits nothing until :meth:`ChunkedDecoder.finish` returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import Enum, auto

from karashi.auth.checksum import CHECKSUM_PREFIX, ChecksumVerifier
from karashi.auth.errors import (
    AccessDenied,
    IncompleteBody,
    InvalidArgument,
    InvalidRequest,
    MalformedTrailerError,
    MissingSecurityHeader,
    SignatureDoesNotMatch,
)
from karashi.auth.request import STREAMING_MODES, RawRequest, SignedRequest
from karashi.auth.sigv4 import EMPTY_SHA256, sign, signatures_match
from karashi.errors import ServiceError

SIGNED_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_PAYLOAD_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
TRAILER_SIGNATURE = "x-amz-trailer-signature"
#: The longest chunk-size or trailer line we hold, CRLF included.
MAX_LINE = 4096
MAX_TRAILERS = 16
_HEX = frozenset(b"0123456789abcdefABCDEF")


class _State(Enum):
    SIZE = auto()
    DATA = auto()
    DATA_END = auto()
    TRAILER = auto()
    DONE = auto()
    FAILED = auto()


class ChunkedDecoder:
    """Decode one aws-chunked body, checking chunk and trailer signatures.

    ``mode`` is the request's x-amz-content-sha256, one of :data:`STREAMING_MODES`.
    Signed modes need ``signing_key`` (from :func:`verify_signature`) and ``signed``;
    ``seed_signature`` defaults to the request's signature. ``trailer_names`` are the
    names from x-amz-trailer (a comma-separated string or an iterable).
    ``decoded_length`` is x-amz-decoded-content-length. A declared x-amz-checksum-*
    trailer is checked against the decoded bytes unless ``verify_trailer_checksum``
    is false; :attr:`checksum` then holds its verifier.
    """

    def __init__(self, mode: str, *, signing_key: bytes | None = None,
                 signed: SignedRequest | None = None, seed_signature: str | None = None,
                 trailer_names: str | Iterable[str] = (), decoded_length: int | None = None,
                 verify_trailer_checksum: bool = True) -> None:
        if mode not in STREAMING_MODES:
            raise InvalidRequest(f"{mode!r} is not an aws-chunked payload mode.")
        self.mode = mode
        self._signed = mode != UNSIGNED_PAYLOAD_TRAILER
        if self._signed and (signing_key is None or signed is None):
            raise AccessDenied("Signed aws-chunked payloads require a signed request.")
        self._key = signing_key or b""
        self._amz_date = signed.amz_date if signed else ""
        self._scope = str(signed.scope) if signed else ""
        self._previous = seed_signature or (signed.signature if signed else "")

        if isinstance(trailer_names, str):
            trailer_names = trailer_names.split(",")
        self._declared = tuple(name.strip().lower() for name in trailer_names if name.strip())
        if self._declared and mode == SIGNED_PAYLOAD:
            raise InvalidRequest(f"x-amz-trailer cannot be used with {SIGNED_PAYLOAD}.")
        if decoded_length is not None and decoded_length < 0:
            raise InvalidArgument("x-amz-decoded-content-length must not be negative.")
        self._decoded_length = decoded_length

        checksum_names = [n for n in self._declared if n.startswith(CHECKSUM_PREFIX)]
        if len(checksum_names) > 1:
            raise InvalidRequest("Expecting a single x-amz-checksum- trailer.")
        self.checksum: ChecksumVerifier | None = None
        if checksum_names and verify_trailer_checksum:
            self.checksum = ChecksumVerifier(checksum_names[0].removeprefix(CHECKSUM_PREFIX))

        self._state = _State.SIZE
        self._line = bytearray()
        self._remaining = 0
        self._chunk_signature = ""
        self._chunk_sha256 = hashlib.sha256()
        self._total = 0
        self._trailers: dict[str, str] = {}
        self._trailer_signature: str | None = None

    @classmethod
    def for_request(cls, req: RawRequest, signed: SignedRequest | None,
                    signing_key: bytes | None) -> ChunkedDecoder:
        """A decoder configured from the request's x-amz-content-sha256, x-amz-trailer
        and x-amz-decoded-content-length headers."""
        mode = req.header("x-amz-content-sha256") or ""
        length = req.header("x-amz-decoded-content-length")
        if length is None:
            raise MissingSecurityHeader("Your request was missing a required header.",
                                        MissingHeaderName="x-amz-decoded-content-length")
        if not (length.isascii() and length.isdigit()) or len(length) > 19:
            raise InvalidArgument("x-amz-decoded-content-length must be a number of bytes.",
                                  ArgumentName="x-amz-decoded-content-length",
                                  ArgumentValue=length)
        return cls(mode, signing_key=signing_key, signed=signed,
                   trailer_names=req.header("x-amz-trailer") or "", decoded_length=int(length))

    def feed(self, data: bytes) -> bytes:
        """Consume the next piece of the body; return the payload bytes it completed."""
        try:
            return self._feed(data)
        except ServiceError:
            self._state = _State.FAILED
            raise

    def finish(self) -> dict[str, str]:
        """Check the body ended where it should; return its trailers (name -> value).

        Raises IncompleteBody when the stream stopped early or fell short of
        x-amz-decoded-content-length, BadDigest when a trailer checksum differs.
        """
        if self._state is not _State.DONE:
            raise IncompleteBody("The request body ended before the final aws-chunked chunk.")
        if self._decoded_length is not None and self._total != self._decoded_length:
            raise IncompleteBody("You did not provide the number of bytes specified by the "
                                 "x-amz-decoded-content-length header.")
        if self.checksum is not None:
            self.checksum.finish(self._trailers[self.checksum.header_name])
        return dict(self._trailers)

    def _feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        pos, end = 0, len(data)
        while pos < end:
            state = self._state
            if state is _State.DATA:
                taken = min(self._remaining, end - pos)
                piece = data[pos:pos + taken]
                pos += taken
                self._take(piece)
                out.append(piece)
                if self._remaining == 0:
                    self._state = _State.DATA_END
            elif state is _State.DATA_END:
                pos = self._expect_crlf(data, pos)
            elif state is _State.SIZE or state is _State.TRAILER:
                line, pos = self._read_line(data, pos)
                if line is None:
                    break
                if state is _State.SIZE:
                    self._start_chunk(line)
                else:
                    self._trailer_line(line)
            elif state is _State.DONE:
                raise InvalidRequest("Data follows the end of the aws-chunked body.")
            else:
                raise InvalidRequest("The aws-chunked body was already refused.")
        return b"".join(out)

    def _take(self, piece: bytes) -> None:
        self._remaining -= len(piece)
        if self._signed:
            self._chunk_sha256.update(piece)
        if self.checksum is not None:
            self.checksum.update(piece)
        if self._remaining == 0:
            self._end_chunk()

    def _read_line(self, data: bytes, pos: int) -> tuple[bytes | None, int]:
        """The next CRLF-terminated line (without CRLF), or None if ``data`` ends first."""
        allowance = MAX_LINE - len(self._line)
        newline = data.find(b"\n", pos, pos + allowance)
        if newline < 0:
            if len(data) - pos >= allowance:
                raise InvalidRequest(f"An aws-chunked line is longer than {MAX_LINE} bytes.")
            self._line += data[pos:]
            return None, len(data)
        self._line += data[pos:newline + 1]
        line = bytes(self._line)
        self._line.clear()
        if not line.endswith(b"\r\n"):
            raise IncompleteBody("An aws-chunked line does not end with CRLF.")
        return line[:-2], newline + 1

    def _expect_crlf(self, data: bytes, pos: int) -> int:
        seen = len(self._line)
        wanted = b"\r\n"[seen:]
        got = data[pos:pos + len(wanted)]
        if got != wanted[:len(got)]:
            raise IncompleteBody("An aws-chunked chunk is not followed by CRLF.")
        self._line += got
        if len(self._line) == 2:
            self._line.clear()
            self._state = _State.SIZE
        return pos + len(got)

    def _start_chunk(self, line: bytes) -> None:
        size_field, _, extension = line.partition(b";")
        if not size_field or len(size_field) > 16 or not set(size_field) <= _HEX:
            raise IncompleteBody(f"Bad aws-chunked size line {line[:64]!r}.")
        if self._signed:
            name, _, signature = extension.partition(b"=")
            if name != b"chunk-signature" or not signature:
                raise IncompleteBody("An aws-chunked chunk has no chunk-signature.")
            self._chunk_signature = signature.decode("latin-1")
        elif extension:
            raise IncompleteBody("Unsigned aws-chunked chunks carry no extensions.")

        size = int(size_field, 16)
        self._total += size
        if self._decoded_length is not None and self._total > self._decoded_length:
            raise InvalidRequest("The aws-chunked body holds more bytes than "
                                 "x-amz-decoded-content-length.")
        self._remaining = size
        if size:
            self._state = _State.DATA
            return
        self._end_chunk()
        self._state = _State.TRAILER

    def _end_chunk(self) -> None:
        """Check a signed chunk's signature, chained from the previous one."""
        if not self._signed:
            return
        to_sign = self._string_to_sign("AWS4-HMAC-SHA256-PAYLOAD", EMPTY_SHA256,
                                       self._chunk_sha256.hexdigest())
        self._previous = self._check(to_sign, self._chunk_signature)
        self._chunk_sha256 = hashlib.sha256()

    def _trailer_line(self, line: bytes) -> None:
        if not line:
            self._end_trailers()
            return
        if self._trailer_signature is not None or len(self._trailers) >= MAX_TRAILERS:
            raise MalformedTrailerError("Unexpected data after the trailer signature.")
        name_bytes, sep, value_bytes = line.partition(b":")
        name = name_bytes.decode("latin-1").strip().lower()
        value = value_bytes.decode("latin-1").strip()
        if not sep or not name:
            raise MalformedTrailerError(f"Unreadable trailer line {line[:64]!r}.")
        if name == TRAILER_SIGNATURE and self.mode == SIGNED_PAYLOAD_TRAILER:
            self._trailer_signature = value
        elif name not in self._declared or name in self._trailers:
            raise MalformedTrailerError(f"Trailer {name!r} was not declared in x-amz-trailer "
                                        "or is repeated.")
        else:
            self._trailers[name] = value

    def _end_trailers(self) -> None:
        missing = [name for name in self._declared if name not in self._trailers]
        if missing:
            raise MalformedTrailerError(f"The body lacks the declared trailer {missing[0]}.")
        if self.mode == SIGNED_PAYLOAD_TRAILER:
            if self._trailer_signature is None:
                raise MalformedTrailerError("The trailer has no x-amz-trailer-signature.")
            # Trailers are canonicalized like headers: sorted "name:value\n" lines.
            canonical = "".join(f"{name}:{' '.join(value.split())}\n"
                                for name, value in sorted(self._trailers.items()))
            digest = hashlib.sha256(canonical.encode("latin-1")).hexdigest()
            to_sign = self._string_to_sign("AWS4-HMAC-SHA256-TRAILER", digest)
            self._check(to_sign, self._trailer_signature)
        self._state = _State.DONE

    def _string_to_sign(self, algorithm: str, *digests: str) -> str:
        """The string to sign of a chunk or trailer: it chains from the previous
        signature, so chunks cannot be dropped, repeated or reordered."""
        return "\n".join([algorithm, self._amz_date, self._scope, self._previous, *digests])

    def _check(self, to_sign: str, provided: str) -> str:
        calculated = sign(self._key, to_sign)
        if not signatures_match(calculated, provided):
            raise SignatureDoesNotMatch(
                "The request signature we calculated does not match the signature you "
                "provided. Check your key and signing method.", string_to_sign=to_sign,
                SignatureProvided=provided, StringToSign=to_sign)
        return calculated
