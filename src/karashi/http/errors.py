"""Turning a ServiceError into the error document of the service that was called."""

from __future__ import annotations

from karashi.errors import ServiceError
from karashi.http import xml
from karashi.http.response import Response

NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}

# IAM and STS name credential failures differently from S3.
_QUERY_RENAMES = {
    "InvalidAccessKeyId": ("InvalidClientTokenId", 403,
                           "The security token included in the request is invalid."),
    "InvalidToken": ("InvalidClientTokenId", 403,
                     "The security token included in the request is invalid."),
    "ExpiredToken": ("ExpiredToken", 403,
                     "The security token included in the request is expired"),
    "AuthorizationHeaderMalformed": ("IncompleteSignature", 400, ""),
    "AuthorizationQueryParametersError": ("IncompleteSignature", 400, ""),
}


def s3_error(err: ServiceError, request_id: str, resource: str = "") -> Response:
    children: list[xml.Node] = [("Code", err.code), ("Message", err.message or err.code)]
    children += [(name, value) for name, value in err.fields.items()]
    if resource and "Resource" not in err.fields:
        children.append(("Resource", resource))
    children += [("RequestId", request_id), ("HostId", request_id)]
    body = xml.document("Error", children)
    return Response(err.status, body, content_type="application/xml",
                    headers=[("x-amz-request-id", request_id)])


def query_error(err: ServiceError, service: str, request_id: str) -> Response:
    code, status, message = err.code, err.status, err.message or err.code
    if code in _QUERY_RENAMES:
        code, status, renamed = _QUERY_RENAMES[code]
        message = renamed or message
    body = xml.document("ErrorResponse", [
        ("Error", [("Type", err.fault), ("Code", code), ("Message", message)]),
        ("RequestId", request_id),
    ], NAMESPACES.get(service, NAMESPACES["iam"]))
    return Response(status, body, content_type="text/xml",
                    headers=[("x-amzn-requestid", request_id)])


def query_result(service: str, action: str, result: list[xml.Node] | None,
                 request_id: str) -> Response:
    children: list[xml.Node] = []
    if result is not None:
        children.append((f"{action}Result", result))
    children.append(("ResponseMetadata", [("RequestId", request_id)]))
    body = xml.document(f"{action}Response", children, NAMESPACES[service])
    return Response(200, body, content_type="text/xml",
                    headers=[("x-amzn-requestid", request_id)])
