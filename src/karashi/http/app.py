"""The ASGI entry: one endpoint for S3, IAM and STS.

Each request goes through the same steps, one paragraph each below: find the service
and operation, authenticate (SigV4), build the request context, authorize with the
policy engine, dispatch to the handler, and record one audit event.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from collections.abc import MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from karashi import iam, s3, sts
from karashi.audit import AuditEvent
from karashi.auth import SignedRequest, parse_request, verify_signature
from karashi.auth.errors import SignatureDoesNotMatch
from karashi.config import Settings
from karashi.errors import ServiceError
from karashi.http.errors import query_error, query_result, s3_error
from karashi.http.request import Receive, Request
from karashi.http.response import Response, Send
from karashi.iam.call import IamCall
from karashi.identity.authorizer import Authorizer
from karashi.identity.caller import Caller, resolve_caller
from karashi.identity.context import client_address, request_context
from karashi.identity.errors import InvalidClientTokenId
from karashi.identity.users import note_key_use
from karashi.s3.access import Access, BucketPolicyCache
from karashi.s3.call import S3Call, blocking
from karashi.s3.conditions import s3_context
from karashi.s3.errors import AccessDenied, MethodNotAllowed, NoSuchBucket, NotImplemented_
from karashi.s3.operations import PER_KEY_OPERATIONS, POLICY_OPERATIONS, Operation, resolve
from karashi.store import Store
from karashi.store import objects as meta
from karashi.sts import StsCall

logger = logging.getLogger(__name__)

FORM_LIMIT = 256 * 1024
WORKER_THREADS = 8
STS_ACTIONS = frozenset(sts.ACTIONS) | {"AssumeRole", "AssumeRoleWithWebIdentity",
                                        "GetFederationToken", "DecodeAuthorizationMessage",
                                        "GetAccessKeyInfo", "AssumeRoleWithSAML"}
VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}


def _scope_service(request: Request) -> str | None:
    """The service named in the SigV4 credential scope, if the request is signed."""
    credential = request.query_value("X-Amz-Credential")
    if credential is None:
        auth = request.headers.get("authorization", "")
        start = auth.find("Credential=")
        if start < 0:
            return None
        credential = auth[start + len("Credential="):].split(",", 1)[0]
    parts = credential.strip().split("/")
    return parts[3] if len(parts) == 5 else None


def _awaits_continue(request: Request) -> bool:
    """Whether the client sent ``Expect: 100-continue`` and its body was never read."""
    return (request.headers.get("expect", "").lower() == "100-continue"
            and not getattr(request, "_body_done", True))


class Application:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.authorizer = Authorizer(store)
        self.bucket_policies = BucketPolicyCache()

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive,
                       send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                # Metadata queries and fsyncs run in worker threads. Eight measured best
                # here (bench/bench_s3.py at c=32, 2 cores): 4 left lookups queued
                # behind fsyncs, 32 lost time to threads contending for the GIL.
                asyncio.get_running_loop().set_default_executor(
                    ThreadPoolExecutor(max_workers=WORKER_THREADS,
                                       thread_name_prefix="karashi"))
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self.handle(request)
        if not any(name.lower() == "x-amz-request-id" for name, _ in response.headers):
            response.header("x-amz-request-id", request.id)
        if _awaits_continue(request):
            # Refused before its body was asked for: the client still holds the body
            # back for a 100 Continue that will not come, so the connection cannot be
            # reused -- the next request would be read as that body.
            response.header("connection", "close")
        await response.send(send, head_only=request.method == "HEAD")

    async def handle(self, request: Request) -> Response:
        service = _scope_service(request) or "s3"
        if service == "s3" and request.has_query("Action"):
            service = "sts" if request.query_value("Action") in STS_ACTIONS else "iam"
        if (service == "s3" and request.method == "POST" and request.raw_path == "/"
                and request.headers.get("content-type", "").startswith(
                    "application/x-www-form-urlencoded")):
            service = "iam"  # unsigned form POST: IAM or STS, decided by its Action
        event = AuditEvent(request.id, service, source_ip=request.client_ip)
        try:
            if service == "s3":
                response = await self.s3(request, event)
            elif service in ("iam", "sts"):
                response = await self.query(request, service, event)
            else:
                raise ServiceError(f"Karashi serves s3, iam and sts, not {service!r}.",
                                   code="InvalidRequest", status=400)
        except ServiceError as err:
            response = self.error(err, service, request)
            event.error = err.code
        except Exception:
            logger.exception("request %s failed", request.id)
            internal = ServiceError("We encountered an internal error. Please try again.")
            response = self.error(internal, service, request)
            event.error = internal.code
        event.status = response.status
        event.emit()
        return response

    def error(self, err: ServiceError, service: str, request: Request) -> Response:
        if isinstance(err, SignatureDoesNotMatch):
            # Ours, to compare with the client's; the session token is masked.
            logger.debug("signature mismatch for request %s\ncanonical request:\n%s\n"
                         "string to sign:\n%s", request.id, err.loggable_canonical_request(),
                         err.string_to_sign)
        if service == "s3":
            return s3_error(err, request.id, request.raw_path)
        return query_error(err, service, request.id)

    async def authenticate(self, request: Request, payload_hash: str | None = None
                           ) -> tuple[SignedRequest | None, Caller | None, bytes | None]:
        raw = request.raw()
        signed = parse_request(raw)
        if signed is None:
            return None, None, None
        caller = await blocking(resolve_caller, self.store, signed.access_key,
                                signed.security_token)
        key = verify_signature(raw, signed, caller.secret_access_key, now=self.store.now(),
                               payload_hash=payload_hash)
        note_key_use(self.store, caller.access_key_id, signed.scope.service, signed.scope.region)
        return signed, caller, key

    def context(self, request: Request, caller: Caller | None) -> dict[str, str]:
        return request_context(caller, now=self.store.now(), secure=request.secure,
                               source_ip=request.client_ip, compat=self.settings.compat)

    async def authorize(self, caller: Caller, action: str, resource: str,
                        request: Request, event: AuditEvent) -> bool:
        event.action, event.resource = action, resource
        if caller.is_root:
            event.decision, event.reason = "Allow", "root user of the account"
            return True
        policies = await blocking(self.authorizer.identity_policies, caller)
        decision = self.authorizer.decide(caller, policies, action, resource,
                                          self.context(request, caller))
        event.decision, event.reason = decision.effect.value, str(decision)
        if not decision.allowed:
            logger.debug("request %s denied: %s", request.id, decision)
        return decision.allowed

    async def s3(self, request: Request, event: AuditEvent) -> Response:
        op: Operation = resolve(request, self.settings.domain)
        event.operation = op.name

        signed, caller, key = await self.authenticate(request)
        event.principal = caller.arn if caller is not None else "anonymous"
        event.access_key_id = caller.access_key_id if caller is not None else ""
        if op.unsupported:
            raise NotImplemented_("A header or query you provided implies functionality "
                                  "that is not implemented.")

        bucket = source_bucket = None
        if op.bucket is not None and op.name != "CreateBucket":
            bucket = await self.s3_bucket(op.bucket)
        if op.copy_source is not None:
            source_bucket = await self.s3_bucket(op.copy_source.bucket)

        access = await self.s3_access(request, op, signed, caller, event)
        also = ""
        if op.copy_source is not None:  # CopyObject: the source is checked too
            source = op.copy_source
            self.s3_require(access, source.action, source.resource, source_bucket, event)
            also = f"; and {source.action} on {source.resource}: {event.reason}"
        if op.name not in PER_KEY_OPERATIONS:
            self.s3_require(access, op.action, op.resource, bucket, event, also)
        if (op.name in POLICY_OPERATIONS and bucket is not None
                and (caller is None or caller.account_id != bucket.account_id)):
            # "PutBucketPolicy" (S3 API Reference): allowed, but not the owner's account.
            raise MethodNotAllowed("The specified method is not allowed against this "
                                   "resource.", Method=request.method,
                                   ResourceType="BUCKETPOLICY")

        call = S3Call(request, op, caller, signed, key, self.store, self.settings.region,
                      found=bucket, source_bucket=source_bucket, access=access, event=event)
        return await s3.HANDLERS[op.name](call)

    async def s3_bucket(self, name: str) -> meta.Bucket:
        def lookup() -> meta.Bucket | None:
            with self.store.engine.connect() as conn:
                return meta.get_bucket(conn, name)
        bucket = await blocking(lookup)
        if bucket is None:
            raise NoSuchBucket("The specified bucket does not exist", BucketName=name)
        return bucket

    async def s3_access(self, request: Request, op: Operation, signed: SignedRequest | None,
                        caller: Caller | None, event: AuditEvent) -> Access:
        """The caller's policies and the request's condition keys, ready to decide."""
        address = client_address(request.client_ip, request.headers, request.secure,
                                 self.settings.trusted_proxies)
        event.source_ip = address.ip
        now = self.store.now()
        context: dict[str, str | Sequence[str]] = {
            **request_context(caller, now=now, secure=address.secure, source_ip=address.ip,
                              compat=self.settings.compat),
            **s3_context(request, op, signed, now)}
        policies = []
        if caller is not None:
            policies = await blocking(self.authorizer.identity_policies, caller)
        return Access(caller, policies, context, self.bucket_policies)

    @staticmethod
    def s3_require(access: Access, action: str, resource: str, bucket: meta.Bucket | None,
                   event: AuditEvent, also: str = "") -> None:
        """Decide, record the decision in the audit event, and refuse if not allowed."""
        decision = access.decide(action, resource, bucket)
        access.record(event, action, resource, decision)
        if decision.allowed:
            event.reason += also
            return
        logger.debug("request %s denied: %s", event.request_id, decision)
        raise AccessDenied("Access Denied")

    async def query(self, request: Request, service: str, event: AuditEvent) -> Response:
        body = await request.body(FORM_LIMIT)
        params = dict(request.query)
        if request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            try:
                params.update(parse_qsl(body.decode(), keep_blank_values=True))
            except UnicodeDecodeError:
                raise ServiceError("The request body is not valid UTF-8.",
                                   code="MalformedQueryString", status=400) from None
        action = params.get("Action", "")
        if action in STS_ACTIONS:
            service = event.service = "sts"
        event.operation = action

        signed, caller, _ = await self.authenticate(request, hashlib.sha256(body).hexdigest())
        if caller is None:
            raise ServiceError("Request is missing Authentication Token",
                               code="MissingAuthenticationToken", status=403)
        event.principal, event.access_key_id = caller.arn, caller.access_key_id
        version = params.get("Version")
        if version != VERSIONS[service]:
            raise ServiceError(f"Could not find operation {action} for version {version}",
                               code="InvalidAction", status=400)

        if service == "sts":
            sts_handler = sts.ACTIONS.get(action)
            if sts_handler is None:
                raise ServiceError(f"Could not find operation {action} for version {version}",
                                   code="InvalidAction", status=400)
            sts_call = StsCall(action, params, caller, self.store, self.settings.compat)
            return query_result("sts", action, await blocking(sts_handler, sts_call),
                                request.id)

        # AWS refuses IAM calls made with session credentials obtained without MFA.
        if caller.session is not None and not caller.mfa_authenticated:
            raise InvalidClientTokenId("The security token included in the request is "
                                       "invalid.")
        iam_action = iam.ACTIONS.get(action)
        if iam_action is None:
            raise ServiceError(f"Could not find operation {action} for version {version}",
                               code="InvalidAction", status=400)
        call = IamCall(action, params, caller, self.store)
        resource = iam_action.resource(call)
        if not await self.authorize(caller, f"iam:{action}", resource, request, event):
            raise ServiceError(f"User: {caller.arn} is not authorized to perform: "
                               f"iam:{action} on resource: {resource}",
                               code="AccessDenied", status=403)
        return query_result("iam", action, await blocking(iam_action.handler, call),
                            request.id)
