"""DeleteObjects (``POST /bucket?delete``): up to 1,000 keys in one request.

"DeleteObjects", S3 API Reference: the body must carry Content-MD5 or an
x-amz-checksum-* value; each key is authorized on its own as s3:DeleteObject (or
s3:DeleteObjectVersion with a VersionId), and a key the caller may not delete is
reported in an ``<Error>`` with AccessDenied while the others are deleted. Quiet mode
reports the errors only. A key that does not exist is reported as deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from karashi.errors import ServiceError
from karashi.http import xml
from karashi.http.response import Response
from karashi.policy import Decision
from karashi.s3.buckets import S3_NS
from karashi.s3.call import S3Call, blocking
from karashi.s3.errors import InvalidRequest, MalformedXML
from karashi.s3.operations import object_arn
from karashi.s3.upload import has_integrity_header, read_body
from karashi.store import objects as meta

MAX_KEYS = 1000
#: 1,000 keys of up to 1,024 bytes, with room for XML escaping.
MAX_BODY_SIZE = 8 * 1024 * 1024
#: Denials spelled out in the audit event before the rest are counted.
AUDITED_DENIALS = 20


@dataclass(frozen=True)
class Entry:
    key: str
    version_id: str | None


def _malformed() -> ServiceError:
    return MalformedXML("The XML you provided was not well-formed or did not validate "
                        "against our published schema.")


def parse_delete(body: bytes) -> tuple[list[Entry], bool]:
    """The objects and the Quiet flag of a ``<Delete>`` document."""
    root = xml.parse(body)
    if xml.local(root.tag) != "Delete":
        raise _malformed()
    entries: list[Entry] = []
    quiet = False
    for child in root:
        tag = xml.local(child.tag)
        if tag == "Quiet":
            quiet = (child.text or "").strip().lower() == "true"
        elif tag == "Object":
            fields = {xml.local(item.tag): item.text or "" for item in child}
            if not fields.get("Key"):
                raise _malformed()
            entries.append(Entry(fields["Key"], fields.get("VersionId") or None))
        if len(entries) > MAX_KEYS:
            raise _malformed()
    if not entries:
        raise _malformed()
    return entries, quiet


async def delete_objects(call: S3Call) -> Response:
    assert call.access is not None and call.found is not None
    if not has_integrity_header(call.request.headers):
        raise InvalidRequest("Missing required header for this request: Content-MD5 OR "
                             "x-amz-checksum-*")
    entries, quiet = parse_delete(await read_body(call, MAX_BODY_SIZE, _malformed))

    # Decide each key: the engine is pure and fast, so this stays on the event loop.
    allowed: list[Entry] = []
    errors: list[tuple[Entry, str, str]] = []
    denials: list[tuple[Entry, Decision]] = []
    first_allow: Decision | None = None
    for entry in entries:
        versioned = entry.version_id is not None
        action = "s3:DeleteObjectVersion" if versioned else "s3:DeleteObject"
        extra = {"s3:VersionId": entry.version_id} if entry.version_id is not None else None
        decision = call.access.decide(action, object_arn(call.bucket, entry.key),
                                      call.found, extra)
        if not decision.allowed:
            denials.append((entry, decision))
            errors.append((entry, "AccessDenied", "Access Denied"))
        elif versioned and entry.version_id != "null":
            # Karashi keeps one version per key, the "null" one ("Versioning", S3 UG).
            errors.append((entry, "NoSuchVersion", "The specified version does not exist."))
        else:
            first_allow = first_allow or decision
            allowed.append(entry)
    _audit(call, len(entries), denials, first_allow)

    def delete() -> None:
        keys = list(dict.fromkeys(entry.key for entry in allowed))
        removed = meta.delete_objects(call.store, call.bucket, keys)
        for blob in removed.values():  # after the commit: a crash leaves garbage only
            call.store.blobs.delete(blob)
    await blocking(delete)

    children: list[xml.Node] = []
    if not quiet:
        for entry in allowed:
            children.append(("Deleted", [("Key", entry.key),
                                         ("VersionId", entry.version_id)]))
    for entry, code, message in errors:
        children.append(("Error", [("Key", entry.key), ("VersionId", entry.version_id),
                                   ("Code", code), ("Message", message)]))
    body = xml.document("DeleteResult", children, S3_NS)
    return Response(200, body, content_type="application/xml")


def _audit(call: S3Call, total: int, denials: list[tuple[Entry, Decision]],
           first_allow: Decision | None) -> None:
    """One audit event for the request, naming the deciding statement of each denial."""
    event = call.event
    if event is None:
        return
    event.action, event.resource = "s3:DeleteObject", f"arn:aws:s3:::{call.bucket}"
    if not denials:
        event.decision = "Allow"
        event.reason = f"all {total} keys: {first_allow}" if first_allow else ""
        return
    event.decision = denials[0][1].effect.value
    shown = "; ".join(f"{entry.key}: {decision}"
                      for entry, decision in denials[:AUDITED_DENIALS])
    more = len(denials) - AUDITED_DENIALS
    event.reason = (f"{len(denials)} of {total} keys denied: {shown}"
                    + (f"; and {more} more" if more > 0 else ""))
