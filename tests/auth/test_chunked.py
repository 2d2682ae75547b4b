"""aws-chunked bodies: AWS's documented examples, botocore's unsigned trailers, and
hostile framing, fed in pieces whose boundaries fall anywhere."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import itertools
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from karashi.auth import (
    STREAMING_MODES,
    ChunkedDecoder,
    RawRequest,
    SignedRequest,
    parse_request,
    verify_signature,
)
from karashi.auth.chunked import MAX_LINE
from karashi.auth.errors import (
    AccessDenied,
    BadDigest,
    IncompleteBody,
    InvalidArgument,
    InvalidRequest,
    MalformedTrailerError,
    MissingSecurityHeader,
    SignatureDoesNotMatch,
)
from karashi.errors import ServiceError

from .support import HTTPS_ENDPOINT, SECRET_KEY, capture, make_client

# The example of https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
# of sigv4-streaming-trailers.html: 65 KiB of "a" in chunks of 64 KiB, 1 KiB and 0.
DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_AUTH = ("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request, SignedHeaders={}, Signature={}")
DOC_TIME = datetime(2013, 5, 24, tzinfo=UTC)
DOC_DATA = b"a" * 66560
DOC = {
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": {
        "signed_headers": "content-encoding;content-length;host;x-amz-content-sha256;"
                          "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
        "seed": "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        "chunks": ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                   "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                   "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"],
        "trailer": b"",
    },
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": {
        "signed_headers": "content-encoding;host;x-amz-content-sha256;x-amz-date;"
                          "x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
        "seed": "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
        "chunks": ["b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                   "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                   "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"],
        "trailer": b"x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:"
                   b"d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n",
    },
}
SIGNED_MODES = sorted(DOC)
ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]


def doc_request(mode: str) -> RawRequest:
    doc = DOC[mode]
    headers = [
        ("Host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("Authorization", DOC_AUTH.format(doc["signed_headers"], doc["seed"])),
        ("x-amz-content-sha256", mode),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
    ]
    if doc["trailer"]:
        headers.append(("x-amz-trailer", "x-amz-checksum-crc32c"))
    else:
        headers.append(("Content-Length", "66824"))
    return RawRequest("PUT", "/examplebucket/chunkObject.txt", "", headers)


def doc_body(mode: str) -> bytes:
    doc = DOC[mode]
    sig = [s.encode() for s in doc["chunks"]]
    body = (b"10000;chunk-signature=" + sig[0] + b"\r\n" + b"a" * 65536 + b"\r\n"
            + b"400;chunk-signature=" + sig[1] + b"\r\n" + b"a" * 1024 + b"\r\n"
            + b"0;chunk-signature=" + sig[2] + b"\r\n" + doc["trailer"] + b"\r\n")
    return body


def doc_decoder(mode: str) -> ChunkedDecoder:
    req = doc_request(mode)
    signed = parse_request(req)
    assert signed is not None
    key = verify_signature(req, signed, DOC_SECRET, now=DOC_TIME)
    return ChunkedDecoder.for_request(req, signed, key)


def pieces(body: bytes, cuts: Iterable[int]) -> list[bytes]:
    points = sorted({0, len(body), *(min(max(c, 0), len(body)) for c in cuts)})
    return [body[a:b] for a, b in itertools.pairwise(points)]


def decode(decoder: ChunkedDecoder, parts: Iterable[bytes]) -> tuple[bytes, dict[str, str]]:
    out = b"".join(decoder.feed(part) for part in parts)
    return out, decoder.finish()


def framing_offsets(body: bytes) -> list[int]:
    """Offsets at and around every CR, LF and ';' — where a cut is most likely to hurt."""
    marks = [i for i, b in enumerate(body) if b in b"\r\n;:"]
    return sorted({max(0, min(len(body), m + d)) for m in marks for d in (-2, -1, 0, 1, 2)})


def sign_chunked(data: bytes, sizes: list[int], key: bytes, signed: SignedRequest,
                 trailers: dict[str, str] | None = None) -> bytes:
    """An aws-chunked body signed as the AWS docs describe, by HMAC code of its own."""
    empty = hashlib.sha256(b"").hexdigest()
    scope = f"{signed.scope.date}/{signed.scope.region}/{signed.scope.service}/aws4_request"

    def chain(previous: str, algorithm: str, *digests: str) -> str:
        to_sign = "\n".join([algorithm, signed.amz_date, scope, previous, *digests])
        return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()

    chunks, pos, i = [], 0, 0
    while pos < len(data):
        size = max(1, sizes[i % len(sizes)])
        chunks.append(data[pos:pos + size])
        pos, i = pos + size, i + 1
    out, previous = bytearray(), signed.signature
    for chunk in [*chunks, b""]:
        previous = chain(previous, "AWS4-HMAC-SHA256-PAYLOAD", empty,
                         hashlib.sha256(chunk).hexdigest())
        out += b"%x;chunk-signature=%s\r\n" % (len(chunk), previous.encode())
        out += chunk + b"\r\n" if chunk else b""
    if trailers is not None:
        canonical = "".join(f"{n}:{v}\n" for n, v in sorted(trailers.items()))
        for name, value in trailers.items():
            out += f"{name}:{value}\r\n".encode()
        signature = chain(previous, "AWS4-HMAC-SHA256-TRAILER",
                          hashlib.sha256(canonical.encode()).hexdigest())
        out += f"x-amz-trailer-signature:{signature}\r\n".encode()
    return bytes(out + b"\r\n")


@pytest.mark.parametrize("mode", SIGNED_MODES)
def test_doc_example_decodes_whole(mode: str) -> None:
    """AWS's documented seed and chunk signatures verify, byte-exact output."""
    body = doc_body(mode)
    if not DOC[mode]["trailer"]:
        assert len(body) == 66824  # the documented Content-Length
    data, trailers = decode(doc_decoder(mode), [body])
    assert data == DOC_DATA
    expected = {"x-amz-checksum-crc32c": "sOO8/Q=="} if DOC[mode]["trailer"] else {}
    assert trailers == expected


@pytest.mark.parametrize("mode", SIGNED_MODES)
def test_doc_example_decodes_byte_by_byte(mode: str) -> None:
    """Fed one byte at a time, every boundary falls inside a line or a CRLF."""
    body = doc_body(mode)
    decoder = doc_decoder(mode)
    data, _ = decode(decoder, (body[i:i + 1] for i in range(len(body))))
    assert data == DOC_DATA


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mode=st.sampled_from(SIGNED_MODES), data=st.data())
def test_doc_example_decodes_in_random_pieces(mode: str, data: st.DataObject) -> None:
    """Any split of the documented body decodes to the same bytes and trailers."""
    body = doc_body(mode)
    cuts = data.draw(st.lists(st.one_of(st.integers(0, len(body)),
                                        st.sampled_from(framing_offsets(body))), max_size=30))
    out, trailers = decode(doc_decoder(mode), pieces(body, cuts))
    assert out == DOC_DATA
    assert set(trailers) == ({"x-amz-checksum-crc32c"} if DOC[mode]["trailer"] else set())


@pytest.mark.parametrize("mode", SIGNED_MODES)
@pytest.mark.parametrize("tamper", ["data", "chunk-signature", "seed", "reorder", "drop-last",
                                    "drop-middle"])
def test_doc_example_tampered_is_refused(mode: str, tamper: str) -> None:
    """A changed byte, signature, seed or chunk order gives SignatureDoesNotMatch; a
    missing final chunk gives IncompleteBody."""
    body = doc_body(mode)
    sigs = DOC[mode]["chunks"]
    decoder = doc_decoder(mode)
    expected: type[ServiceError] = SignatureDoesNotMatch
    if tamper == "data":
        body = body[:66000] + b"b" + body[66001:]  # inside the 1 KiB chunk
    elif tamper == "chunk-signature":
        body = body.replace(sigs[1].encode(), sigs[1][:-1].encode() + b"0")
    elif tamper == "seed":
        req = doc_request(mode)
        signed = parse_request(req)
        assert signed is not None
        key = verify_signature(req, signed, DOC_SECRET, now=DOC_TIME)
        decoder = ChunkedDecoder(mode, signing_key=key, signed=signed, seed_signature=sigs[0],
                                 trailer_names=req.header("x-amz-trailer") or "")
    elif tamper == "reorder":
        first = body.index(b"400;")
        second = body.index(b"0;chunk-signature=" + sigs[2].encode())
        body = body[first:second] + body[:first] + body[second:]
    elif tamper == "drop-last":
        body = body[:body.index(b"0;chunk-signature=" + sigs[2].encode())]
        expected = IncompleteBody
    elif tamper == "drop-middle":
        first = body.index(b"400;")
        second = body.index(b"0;chunk-signature=" + sigs[2].encode())
        body = body[:first] + body[second:]
    with pytest.raises(expected):
        decode(decoder, [body])


def test_doc_trailer_tampered_is_refused() -> None:
    """A changed trailer value or trailer signature fails the trailer signature; a
    missing trailer signature is a malformed trailer."""
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    body = doc_body(mode)
    with pytest.raises(SignatureDoesNotMatch):
        decode(doc_decoder(mode), [body.replace(b"sOO8/Q==", b"sOO8/R==")])
    with pytest.raises(SignatureDoesNotMatch):
        decode(doc_decoder(mode), [body.replace(b":d81f82fc", b":d81f82fd")])
    start = body.index(b"x-amz-trailer-signature")
    with pytest.raises(MalformedTrailerError):
        decode(doc_decoder(mode), [body[:start] + b"\r\n"])


@settings(max_examples=40, deadline=None)
@given(payload=st.binary(max_size=3000), sizes=st.lists(st.integers(1, 700), min_size=1,
                                                         max_size=5),
       trailer=st.booleans(), data=st.data())
def test_signed_bodies_round_trip(payload: bytes, sizes: list[int], trailer: bool,
                                  data: st.DataObject) -> None:
    """Bodies signed per the AWS docs, in any chunk sizes, decode in any pieces."""
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" + ("-TRAILER" if trailer else "")
    req = doc_request(mode)
    signed = parse_request(req)
    assert signed is not None
    key = verify_signature(req, signed, DOC_SECRET, now=DOC_TIME)
    crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
    trailers = {"x-amz-checksum-crc32": crc} if trailer else None
    body = sign_chunked(payload, sizes, key, signed, trailers)

    decoder = ChunkedDecoder(mode, signing_key=key, signed=signed,
                             trailer_names="x-amz-checksum-crc32" if trailer else "",
                             decoded_length=len(payload))
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=20))
    out, got = decode(decoder, pieces(body, cuts))
    assert out == payload
    assert got == (trailers or {})


@pytest.fixture(scope="module")
def tls_s3() -> Any:
    """A botocore client on an https endpoint: it sends unsigned trailer checksums."""
    return make_client("s3", endpoint=HTTPS_ENDPOINT, s3={"addressing_style": "path"},
                       signature_version="s3v4")


def botocore_upload(client: Any, algorithm: str, payload: bytes
                    ) -> tuple[RawRequest, SignedRequest, bytes, bytes]:
    req, body = capture(client, "put_object", Bucket="b", Key="k k",
                        Body=io.BytesIO(payload), ChecksumAlgorithm=algorithm)
    signed = parse_request(req)
    assert signed is not None
    assert signed.payload_hash == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    key = verify_signature(req, signed, SECRET_KEY)
    return req, signed, key, body


PAYLOAD = bytes(range(256)) * 9000  # 2.3 MB: botocore sends 1 MiB chunks


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_botocore_unsigned_trailer_verifies(tls_s3: Any, algorithm: str) -> None:
    """botocore's STREAMING-UNSIGNED-PAYLOAD-TRAILER body, each checksum algorithm."""
    req, signed, key, body = botocore_upload(tls_s3, algorithm, PAYLOAD)
    decoder = ChunkedDecoder.for_request(req, signed, key)
    cuts = range(0, len(body), 65_537)
    out, trailers = decode(decoder, pieces(body, cuts))
    assert out == PAYLOAD
    name = f"x-amz-checksum-{algorithm.lower()}"
    assert list(trailers) == [name]
    assert decoder.checksum is not None
    assert decoder.checksum.value_b64() == trailers[name]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_botocore_wrong_trailer_checksum_is_bad_digest(tls_s3: Any, algorithm: str) -> None:
    """A trailer checksum of other data gives BadDigest naming the algorithm."""
    _, _, _, other = botocore_upload(tls_s3, algorithm, b"other data")
    req, signed, key, body = botocore_upload(tls_s3, algorithm, PAYLOAD)
    name = f"x-amz-checksum-{algorithm.lower()}:".encode()
    wrong = other[other.index(name):]
    body = body[:body.index(name)] + wrong
    decoder = ChunkedDecoder.for_request(req, signed, key)
    decoder.feed(body)
    with pytest.raises(BadDigest, match=f"The {algorithm} you specified did not match"):
        decoder.finish()


def test_botocore_malformed_trailer_checksum_is_invalid(tls_s3: Any) -> None:
    """A trailer checksum that is not base64 of the right size is InvalidRequest."""
    req, signed, key, body = botocore_upload(tls_s3, "CRC32", b"abc")
    body = body.replace(b"x-amz-checksum-crc32:NSRBwg==", b"x-amz-checksum-crc32:NSRB")
    decoder = ChunkedDecoder.for_request(req, signed, key)
    decoder.feed(body)
    with pytest.raises(InvalidRequest, match="x-amz-checksum-crc32"):
        decoder.finish()


def test_botocore_truncated_body_is_incomplete(tls_s3: Any) -> None:
    """A body cut anywhere short of its end gives IncompleteBody, never another error."""
    req, signed, key, body = botocore_upload(tls_s3, "CRC32C", b"x" * 5000)
    ends = [*range(len(body) - 80, len(body)), 0, 1, 2, 3, 4, 100, 4000]
    for end in ends:
        decoder = ChunkedDecoder.for_request(req, signed, key)
        decoder.feed(body[:end])
        with pytest.raises(IncompleteBody):
            decoder.finish()


def test_decoded_length_is_enforced() -> None:
    """x-amz-decoded-content-length: fewer bytes is IncompleteBody, more is refused."""
    body = b"3\r\nabc\r\n0\r\n\r\n"
    short = ChunkedDecoder("STREAMING-UNSIGNED-PAYLOAD-TRAILER", decoded_length=4)
    short.feed(body)
    with pytest.raises(IncompleteBody):
        short.finish()
    long = ChunkedDecoder("STREAMING-UNSIGNED-PAYLOAD-TRAILER", decoded_length=2)
    with pytest.raises(InvalidRequest):
        long.feed(body)


@pytest.mark.parametrize(("body", "error"), [
    (b"zz\r\nabc\r\n0\r\n\r\n", IncompleteBody),
    (b"3\nabc\r\n0\r\n\r\n", IncompleteBody),
    (b"3\r\nabcX\r\n0\r\n\r\n", IncompleteBody),
    (b"3;chunk-signature=00\r\nabc\r\n0\r\n\r\n", IncompleteBody),
    (b"-3\r\nabc\r\n0\r\n\r\n", IncompleteBody),
    (b"11111111111111111\r\n", IncompleteBody),
    (b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n", MalformedTrailerError),
    (b"3\r\nabc\r\n0\r\nno colon\r\n\r\n", MalformedTrailerError),
    (b"3\r\nabc\r\n0\r\n\r\nextra", InvalidRequest),
    (b"f" * (MAX_LINE + 1), InvalidRequest),
    (b"3\r\nabc\r\n0\r\n" + b"a" * MAX_LINE + b"\r\n", InvalidRequest),
])
def test_garbage_framing_is_a_client_error(body: bytes, error: type[ServiceError]) -> None:
    """Malformed framing raises the right 400, whether fed whole or byte by byte."""
    for parts in ([body], [body[i:i + 1] for i in range(len(body))]):
        decoder = ChunkedDecoder("STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        with pytest.raises(error):
            for part in parts:
                decoder.feed(part)
            decoder.finish()
        assert len(decoder._line) <= MAX_LINE


def test_trailers_must_be_declared_and_present() -> None:
    """A declared trailer must arrive; an undeclared or repeated one is refused."""
    crc = b"x-amz-checksum-crc32:NSRBwg==\r\n"
    cases = [
        ("x-amz-checksum-crc32", b"3\r\nabc\r\n0\r\n\r\n", MalformedTrailerError),
        ("x-amz-checksum-crc32", b"3\r\nabc\r\n0\r\n" + crc * 2 + b"\r\n",
         MalformedTrailerError),
        ("x-amz-checksum-crc32", b"3\r\nabc\r\n0\r\n" + crc + b"x-amz-meta-a:b\r\n\r\n",
         MalformedTrailerError),
    ]
    for declared, body, error in cases:
        decoder = ChunkedDecoder("STREAMING-UNSIGNED-PAYLOAD-TRAILER", trailer_names=declared)
        with pytest.raises(error):
            decoder.feed(body)
            decoder.finish()
    many = b"3\r\nabc\r\n0\r\n" + b"".join(b"x-amz-meta-%d:v\r\n" % i for i in range(40))
    decoder = ChunkedDecoder("STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                             trailer_names=[f"x-amz-meta-{i}" for i in range(40)])
    with pytest.raises(MalformedTrailerError):
        decoder.feed(many)


@settings(max_examples=300, deadline=None)
@given(mode=st.sampled_from(sorted(STREAMING_MODES)), body=st.binary(max_size=300),
       data=st.data())
def test_any_bytes_raise_only_service_errors(mode: str, body: bytes,
                                             data: st.DataObject) -> None:
    """Arbitrary bytes in any split never escape as anything but a 400/403 error."""
    decoder = ChunkedDecoder(mode, signing_key=b"k" * 32, signed=doc_signed(),
                             trailer_names="x-amz-checksum-crc32"
                             if mode != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" else "")
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    try:
        decode(decoder, pieces(body, cuts))
    except ServiceError as error:
        assert error.status in (400, 403)


def _trailer_name_positions(body: bytes | bytearray) -> set[int]:
    """Indexes of the trailer header names (``name:value`` lines after the last chunk)."""
    start = bytes(body).rfind(b"0;chunk-signature=")
    positions: set[int] = set()
    for line_start in range(start, len(body)):
        if body[line_start - 1:line_start] == b"\n" and b":" in body[line_start:]:
            colon = body.index(b":", line_start)
            line_end = body.find(b"\r\n", line_start)
            if line_end == -1 or colon < line_end:
                positions.update(range(line_start, colon))
    return positions


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 10_000), value=st.integers(0, 255))
def test_corrupted_signed_body_is_refused(position: int, value: int) -> None:
    """Any changed byte of a signed body is refused with a client error."""
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    body = bytearray(doc_body(mode))
    index = position if position < 200 else len(body) - 1 - (position % 400)
    if body[index] == value:
        return
    if index in _trailer_name_positions(body) and chr(body[index]).lower() == chr(value).lower():
        return  # header names are case-insensitive (RFC 9110, 5.1): not a corruption
    body[index] = value
    with pytest.raises(ServiceError) as caught:
        decode(doc_decoder(mode), [bytes(body)])
    assert caught.value.status in (400, 403)


def doc_signed() -> SignedRequest:
    signed = parse_request(doc_request("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"))
    assert signed is not None
    return signed


def test_for_request_reads_the_headers() -> None:
    """for_request needs x-amz-decoded-content-length, and a signed request for signed
    chunks; an anonymous unsigned-trailer upload is fine."""
    base = [("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")]
    with pytest.raises(MissingSecurityHeader):
        ChunkedDecoder.for_request(RawRequest("PUT", "/b/k", "", base), None, None)
    bad = [*base, ("x-amz-decoded-content-length", "12a")]
    with pytest.raises(InvalidArgument):
        ChunkedDecoder.for_request(RawRequest("PUT", "/b/k", "", bad), None, None)
    good = [*base, ("x-amz-decoded-content-length", "3"),
            ("x-amz-trailer", "x-amz-checksum-crc32")]
    decoder = ChunkedDecoder.for_request(RawRequest("PUT", "/b/k", "", good), None, None)
    assert decoder.feed(b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n") == b"abc"
    assert decoder.finish() == {"x-amz-checksum-crc32": "NSRBwg=="}

    signed_mode = [("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
                   ("x-amz-decoded-content-length", "3")]
    with pytest.raises(AccessDenied):
        ChunkedDecoder.for_request(RawRequest("PUT", "/b/k", "", signed_mode), None, None)
    with pytest.raises(InvalidRequest):
        ChunkedDecoder("UNSIGNED-PAYLOAD")
