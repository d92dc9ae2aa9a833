"""`AnalysisApp`: a Starlette application that receives DPAT's invocations and image notifications."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sectra_dpat_client._generated import dpat_spec
from sectra_dpat_client.models import (
    CancelInvocation,
    CreateInvocation,
    DeleteInvocation,
    InputTemplate,
    InputType,
    ModifyInvocation,
)

from .._core.redact import install_log_redaction
from ..ai import AsyncDPATAIClient
from ..errors import DPATError, ValidationFault
from ..validate import validate
from .callbacks import CallbackPolicy
from .clients import ClientPool
from .context import AnyInvocation, ClientFactory, HandlerResult, InvocationCancelledError, InvocationContext
from .inbound import (
    DEFAULT_BODY_BUDGET,
    DETAILED_FAULTS_BYTES,
    BodyBudget,
    ClientGoneError,
    check_application_id,
    check_callback_token,
    check_declared,
    check_shared_secret,
    parse_json,
    read_body,
    schema_faults,
)
from .jobs import JobInfo, JobRegistry, JobState
from .offload import DEFAULT_OFFLOAD_ABOVE, OffloadPool, RawInvocation
from .replays import ReplayCache, replay_key
from .replies import InvocationError, ReplyHeaders, error_reply, json_reply

if TYPE_CHECKING:
    from .backends import JobBackend

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_SECRET_HEADER", "AnalysisApp", "Handler", "ServiceBusyError"]

_log = logging.getLogger("sectra_dpat_client.app")

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
DEFAULT_SECRET_HEADER = "X-DPAT-App-Secret"  # noqa: S105 - a header name, not a secret
_INLINE_BYTES = DETAILED_FAULTS_BYTES  # larger bodies are parsed and validated in a worker thread

Handler = Callable[[InvocationContext], HandlerResult | Awaitable[HandlerResult]]
_H = TypeVar("_H", bound=Handler)

_INVOCATIONS: dict[str, type[CreateInvocation | ModifyInvocation | DeleteInvocation | CancelInvocation]] = {
    "create": CreateInvocation,
    "modify": ModifyInvocation,
    "delete": DeleteInvocation,
    "cancel": CancelInvocation,
}


class AnalysisApp(Starlette):
    """An image-analysis app DPAT can register and invoke; an ASGI application.

    Routes (relative to wherever it is served or mounted): ``GET /`` registration info,
    ``GET /info`` versions, ``POST /`` invocations, ``POST /imagenotification`` notifications.
    Register handlers with `on_create`, `on_modify`, `on_delete`, `on_cancel` and
    `on_image_notification`; each takes an `InvocationContext` and may be async or sync (sync
    handlers run in a worker thread).

    Every inbound body is checked before a handler runs: shared secret (when configured), size,
    JSON, the spec's schema, the application id, the callback URL's host (`CallbackPolicy`) and
    that the callback token can be sent as a bearer token (400 naming ``$.callbackInfo.token``).

    Options: ``software_version`` is reported in ``/info``, the reply headers and each result's
    ``applicationVersion``. ``public_url`` replaces the request URL in the registration (behind a
    proxy). ``shutdown_grace`` is how long shutdown waits for running jobs before cancelling them.
    ``respond_pending_after`` (seconds): a create/modify handler that has not answered by then gets
    a placeholder showing ``pending_message`` sent to DPAT on its behalf, as
    `InvocationContext.respond_pending` would. ``notification_concurrency`` caps the notification
    handlers running at once (a bulk import queues the rest). ``client_factory(url, token=...,
    app_id=...)`` builds ``ctx.client`` (default `AsyncDPATAIClient`). ``backend`` runs create/modify/notification
    jobs elsewhere (`sectra_dpat_client.app.backends`; default: in this process). ``debug`` is Starlette's debug
    mode and also logs handler tracebacks (their messages may quote patient data, so without
    ``debug`` a failure is logged as its exception type and the code locations only).

    Limits (each answered as the spec's AppError): ``max_body_bytes`` (413), ``body_timeout`` s
    for the whole body to arrive (408), ``max_buffered_bytes`` of bodies being read at once by the
    whole receiver (default 128 MiB, None: no cap; see `inbound.BodyBudget`: a body waits up to 1 s
    for room, then 503 with ``Retry-After``), ``max_concurrent_jobs`` create/modify jobs at once and
    ``max_queued_notifications`` notifications queued or running (503 with ``Retry-After:
    retry_after``). ``replay_window`` s: an invocation identical to one running or answered that
    long ago (see `replays`) gets the first one's answer and starts no job; 0 turns it off.

    Bodies over ``offload_above`` bytes (default 2 MiB; None: never) are parsed and validated in one
    of at most ``offload_processes`` worker processes, started when first needed and ended at
    shutdown (see `offload`): the event loop and this process's GIL stay free meanwhile, and a
    create's big ``input`` is parsed only when its handler reads it. Smaller bodies are checked
    in this process (in a worker thread above 256 KiB).
    """

    def __init__(
        self,
        *,
        application_id: str,
        display_name: str,
        manufacturer: str,
        input_template: InputTemplate | Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        software_version: str = "0.0.0",
        api_version: str | None = None,
        public_url: str | None = None,
        callback_policy: CallbackPolicy | None = None,
        shared_secret: str | None = None,
        secret_header: str = DEFAULT_SECRET_HEADER,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_buffered_bytes: int | None = DEFAULT_BODY_BUDGET,
        shutdown_grace: float = 30.0,
        notification_concurrency: int = 4,
        respond_pending_after: float | None = None,
        pending_message: str = "Analysis running",
        client_factory: ClientFactory | None = None,
        backend: JobBackend | None = None,
        body_timeout: float | None = 30.0,
        max_concurrent_jobs: int = 32,
        max_queued_notifications: int = 1000,
        replay_window: float = 600.0,
        retry_after: int = 5,
        offload_above: int | None = DEFAULT_OFFLOAD_ABOVE,
        offload_processes: int = 1,
        debug: bool = False,
    ):
        template = InputTemplate(type=InputType.WHOLE_SLIDE) if input_template is None else input_template
        self.application_id = application_id
        self.display_name = display_name
        self.manufacturer = manufacturer
        self.input_template: dict[str, Any] = (
            template.to_dict() if isinstance(template, InputTemplate) else dict(template)
        )
        self.context: dict[str, Any] = dict(context or {})
        self.software_version = software_version
        self.api_version = api_version or str(dpat_spec.ia_api()["info"]["version"])
        self.public_url = public_url
        self.callback_policy = callback_policy or CallbackPolicy()
        self.shared_secret = shared_secret
        self.secret_header = secret_header
        self.max_body_bytes = max_body_bytes
        self.shutdown_grace = shutdown_grace
        if notification_concurrency < 1:
            raise ValueError("notification_concurrency must be at least 1")
        self.notification_concurrency = notification_concurrency
        if max_concurrent_jobs < 1 or max_queued_notifications < 1:
            raise ValueError("max_concurrent_jobs and max_queued_notifications must be at least 1")
        self.body_timeout = body_timeout
        self.max_concurrent_jobs = max_concurrent_jobs
        self.max_queued_notifications = max_queued_notifications
        self.retry_after = retry_after
        budget = None if max_buffered_bytes is None else BodyBudget(max_buffered_bytes, retry_after=retry_after)
        self.body_budget = budget
        self.replays = ReplayCache(window=replay_window)
        self.offload_above = offload_above
        self.offload = OffloadPool(offload_processes)
        self._offload_slots: asyncio.Semaphore | None = None
        self._active = {"foreground": 0, "newImageFiles": 0}
        self.respond_pending_after = respond_pending_after
        self.pending_message = pending_message
        self.jobs = JobRegistry()
        self.backend = backend  # None: jobs run in this process; else e.g. backends.celery_backend.CeleryBackend
        if backend is not None:
            backend.bind(self)
        self._notification_slots: asyncio.Semaphore | None = None
        self._client_factory = client_factory or _default_client_factory
        # The default client is shared by the invocations with the same callback URL and token.
        self._clients = ClientPool(_default_client_factory) if client_factory is None else None
        self._handlers: dict[str, Handler] = {}
        validate(self.registration("http://app.invalid/"), "Registration")
        install_log_redaction()  # ctx.client's request lines name slides and cases: keep them out of logs
        validate({"apiVersion": self.api_version, "softwareVersion": software_version}, "ApplicationInfo")

        super().__init__(
            debug=debug,
            routes=[
                Route("/", self._registration_endpoint, methods=["GET"]),
                Route("/", self._invocation_endpoint, methods=["POST"]),
                Route("/info", self._info_endpoint, methods=["GET"]),
                Route("/imagenotification", self._notification_endpoint, methods=["POST"]),
            ],
            middleware=[
                Middleware(ReplyHeaders, api_version=self.api_version, software_version=software_version),
            ],
            exception_handlers={HTTPException: _http_error, Exception: _internal_error},
            lifespan=lambda _: self.lifespan(),
        )

    # --- handler registration -----------------------------------------------------------------

    def on_create(self, handler: _H) -> _H:
        """Decorator: the handler of ``create``; returns the result to store and show."""
        self._handlers["create"] = handler
        return handler

    def on_modify(self, handler: _H) -> _H:
        """Decorator: the handler of ``modify`` (default: store the user's edits as they are)."""
        self._handlers["modify"] = handler
        return handler

    def on_delete(self, handler: _H) -> _H:
        """Decorator: the handler of ``delete`` (default: nothing; DPAT deletes the result)."""
        self._handlers["delete"] = handler
        return handler

    def on_cancel(self, handler: _H) -> _H:
        """Decorator: called after the jobs with the invocation's cancellation token were cancelled."""
        self._handlers["cancel"] = handler
        return handler

    def on_image_notification(self, handler: _H) -> _H:
        """Decorator: the handler of image notifications; runs in the background after DPAT got ``{}``."""
        self._handlers["newImageFiles"] = handler
        return handler

    # --- what the app tells DPAT --------------------------------------------------------------

    def registration(self, url: str) -> dict[str, Any]:
        """The Registration payload, with ``url`` as the invocation URL."""
        return {
            "applicationId": self.application_id,
            "displayName": self.display_name,
            "manufacturer": self.manufacturer,
            "url": url,
            "inputTemplate": self.input_template,
            "context": self.context,
        }

    @asynccontextmanager
    async def lifespan(self, _parent: object = None) -> AsyncIterator[None]:
        """Accept jobs while open; on exit wait ``shutdown_grace`` s for running jobs, then cancel them.

        Pass it to a parent app when mounting: ``FastAPI(lifespan=analysis_app.lifespan)``.
        """
        self.jobs.reopen()
        self._notification_slots = asyncio.Semaphore(self.notification_concurrency)
        self._offload_slots = asyncio.Semaphore(self.offload.processes)
        try:
            yield
        finally:
            await self.jobs.shutdown(self.shutdown_grace, cancel_timeout=min(5.0, max(1.0, self.shutdown_grace)))
            if self._clients is not None:
                await self._clients.aclose()
            await anyio.to_thread.run_sync(self.offload.close)

    # --- endpoints ----------------------------------------------------------------------------

    async def _registration_endpoint(self, request: Request) -> Response:
        url = self.public_url or str(request.url.replace(query="", fragment=""))
        return json_reply(self.registration(url))

    async def _info_endpoint(self, request: Request) -> Response:
        return json_reply({"apiVersion": self.api_version, "softwareVersion": self.software_version})

    async def _invocation_endpoint(self, request: Request) -> Response:
        try:
            _payload, key, invocation = await self._admit(request, "Invocation")
            if key is not None and (replayed := await self._replayed(key)) is not None:
                return replayed
            ctx = self._context(invocation)
            ctx._replay_key = key
            match ctx.action:
                case "create" | "modify":
                    return await self._run_foreground(ctx)
                case "delete":
                    await self._run_inline(ctx)
                    return json_reply({})
                case "cancel":
                    return await self._cancel(ctx)
        except InvocationError as error:
            return self._refused(request, error)
        except ClientGoneError:
            return _client_gone(request)
        except asyncio.CancelledError as cancel:
            if not _by_server_shutdown(cancel):
                raise  # someone else's cancel scope (a middleware, a test): theirs to handle
            return self._cancelled_request(request)
        raise AssertionError("unreachable: the schema admits only the four actions")  # pragma: no cover

    async def _notification_endpoint(self, request: Request) -> Response:
        try:
            _payload, key, notification = await self._admit(request, "ImageNotification")
            if key is not None and self.replays.lookup(key) is not None:
                _log.info("image notification coalesced with an identical one")
                return json_reply({})
            ctx = self._context(notification, notification=True)
            ctx._answer({})
            handler = self._handlers.get("newImageFiles")
            if handler is None:
                _log.debug("image notification ignored: no handler")
                return json_reply({})
            if self.backend is not None:
                return await self._submit(ctx, key)
            self._start(ctx, handler)
            if key is not None:
                self.replays.track(key, ctx._done)
        except InvocationError as error:
            return self._refused(request, error)
        except ClientGoneError:
            return _client_gone(request)
        except asyncio.CancelledError as cancel:
            if not _by_server_shutdown(cancel):
                raise  # someone else's cancel scope (a middleware, a test): theirs to handle
            return self._cancelled_request(request)
        _log.info("image notification accepted (%s)", ctx.job_id)
        return json_reply({})

    # --- admission ----------------------------------------------------------------------------

    async def _admit(self, request: Request, schema: str) -> tuple[dict[str, Any], str | None, AnyInvocation]:
        """Cheap checks first (secret, declared size and type, application id, callback URL, token),
        then the schema; bodies over 256 KiB are parsed and validated in a worker thread, off the loop,
        and those over ``offload_above`` in a worker process. Returns the payload, its replay key
        (create, modify, notifications) and the payload for the handler's context."""
        check_shared_secret(request, self.secret_header, self.shared_secret)
        check_declared(request, self.max_body_bytes)
        declared = request.headers.get("content-length")
        if self._offloads(int(declared) if declared else 0):
            self.offload.prestart()  # its start overlaps the body's arrival
        body = await read_body(request, self.max_body_bytes, self.body_timeout, self.body_budget)
        if self._offloads(len(body)):
            offloaded = await self._admit_offloaded(request, body, schema)
            if offloaded is not None:
                return offloaded
        heavy = len(body) > _INLINE_BYTES
        payload = await anyio.to_thread.run_sync(parse_json, body) if heavy else parse_json(body)
        check_application_id(payload, self.application_id)
        callback = payload.get("callbackInfo") if isinstance(payload, dict) else None
        if isinstance(callback, dict) and isinstance(callback.get("url"), str):
            await self._check_callback(request, callback["url"])
        check_callback_token(payload)
        if heavy:
            return await anyio.to_thread.run_sync(_checked, payload, schema, body, self.application_id)
        return _checked(payload, schema, body, self.application_id)

    def _offloads(self, size: int) -> bool:
        return self.offload_above is not None and size > self.offload_above

    async def _admit_offloaded(
        self, request: Request, body: bytes, schema: str
    ) -> tuple[dict[str, Any], str | None, AnyInvocation] | None:
        """`_admit`'s checks, in their order, on a worker process's verdict; None: no worker answered."""
        if self._offload_slots is None:  # served without lifespan (e.g. some test transports)
            self._offload_slots = asyncio.Semaphore(self.offload.processes)
        async with self._offload_slots:
            examined = await anyio.to_thread.run_sync(self.offload.run, body, schema, self.application_id)
        if examined is None:
            _log.warning("no offload worker answered: the body is checked in this process")
            return None
        if examined.refusal is not None:
            raise examined.refusal
        fields = examined.fields
        check_application_id(fields, self.application_id)
        callback = fields.get("callbackInfo")
        if isinstance(callback, dict) and isinstance(callback.get("url"), str):
            await self._check_callback(request, callback["url"])
        check_callback_token(fields)
        if examined.faults:
            raise InvocationError(f"the body is not a valid {schema}", faults=examined.faults)
        invocation = RawInvocation(fields, body, has_input=examined.has_input)
        return fields, examined.key, cast(AnyInvocation, invocation)

    async def _check_callback(self, request: Request, url: str) -> None:
        peer = request.client.host if request.client else None
        refusal = await self.callback_policy.refusal(url, peer)
        if refusal is not None:
            raise InvocationError(
                "the callback URL is not allowed",
                status_code=403,
                faults=[ValidationFault("$.callbackInfo.url", refusal)],
            )

    async def _replayed(self, key: str) -> Response | None:
        """The first answer to an identical invocation (waiting for it while it runs), or None."""
        kept = self.replays.lookup(key)
        if kept is None:
            return None
        _log.info("invocation identical to a running or recent one: answered like the first, no new job")
        if isinstance(kept, bytes):
            return Response(kept, media_type="application/json")
        try:
            return json_reply(await asyncio.shield(kept))
        except InvocationError as error:
            return error_reply(error)

    def _cancelled_request(self, request: Request) -> Response:
        """The answer to a request uvicorn cancelled at its graceful-shutdown timeout: 503 with ``Retry-After``,
        so the caller retries, instead of the server's 500 and logged traceback. Other cancels propagate."""
        _uncancel()  # the request's task answers and ends; a job it started was cancelled already
        what = (request.method, request.url.path)
        _log.warning("%s %s cancelled by the server (its graceful-shutdown timeout): answered 503", *what)
        return error_reply(ServiceBusyError("the app is shutting down; retry later", retry_after=self.retry_after))

    def _busy(self, what: str) -> InvocationError:
        return ServiceBusyError(f"too many {what}; retry later", retry_after=self.retry_after)

    def _refused(self, request: Request, error: InvocationError) -> Response:
        paths = ", ".join(fault.path for fault in error.faults[:10])
        _log.warning(
            "refused %s %s: %d %s%s",
            request.method,
            request.url.path,
            error.status_code,
            error.error,
            f" [{paths}]" if paths else "",
        )
        return error_reply(error)

    def _context(
        self, invocation: AnyInvocation | Mapping[str, Any], *, notification: bool = False
    ) -> InvocationContext:
        pool = self._clients
        return InvocationContext(
            invocation,
            application_version=self.software_version,
            client_factory=pool.get if pool is not None else self._client_factory,
            jobs=self.jobs,
            release_client=pool.release if pool is not None else None,
            notification=notification,
        )

    # --- running handlers ---------------------------------------------------------------------

    async def _run_foreground(self, ctx: InvocationContext) -> Response:
        handler = self._handlers.get(ctx.action)
        if handler is None and ctx.action == "create":
            raise InvocationError("this app does not handle create invocations", status_code=501)
        if self.backend is not None:
            return await self._submit(ctx, ctx._replay_key)
        job = self._start(ctx, handler or _store_user_edits)
        if ctx._replay_key is not None:
            self.replays.track(ctx._replay_key, ctx._reply)
        _log.info("%s invocation accepted (%s)", ctx.action, ctx.job_id)
        try:
            if self.respond_pending_after is not None:
                await asyncio.wait([ctx._reply], timeout=self.respond_pending_after)
                try:
                    await ctx._respond_pending_automatically(self.pending_message)
                except Exception as error:
                    _log.warning("%s: could not store a placeholder (%s)", ctx.job_id, type(error).__name__)
            body = await ctx._wait_reply()
        except InvocationError as error:
            return error_reply(error)
        except asyncio.CancelledError:
            # The server gave up on this request (graceful-shutdown timeout): nobody will get the
            # answer, so the job stops too and shutdown is not held up by it.
            self.jobs.cancel_job(job.job_id)
            raise
        return json_reply(body)

    async def _submit(self, ctx: InvocationContext, key: str | None) -> Response:
        """Hand the job to the backend; replays of the invocation get its answer, not a second job."""
        assert self.backend is not None
        if key is None:
            return await self.backend.submit(ctx)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.replays.track(key, answer)  # identical invocations arriving meanwhile wait for this answer
        try:
            response = await self.backend.submit(ctx)
        except BaseException:
            answer.set_exception(self._busy("jobs being queued"))
            raise
        if response.status_code == 200:
            answer.set_result(orjson.loads(bytes(response.body)))
        else:  # not queued (Redis down, ...): a replay may try again
            answer.set_exception(self._busy("jobs being queued"))
        return response

    def _start(self, ctx: InvocationContext, handler: Handler) -> JobInfo:
        """Start ``handler``'s job for ``ctx`` in this process: the one place jobs start.

        Refuses with 503 + ``Retry-After`` beyond ``max_concurrent_jobs`` (create/modify) or
        ``max_queued_notifications``. Whatever happens to the job, even a cancel that lands before
        its first step, the invocation gets an answer (409 when cancelled).
        """
        queued = ctx.action == "newImageFiles"
        slot = "newImageFiles" if queued else "foreground"
        if self._active[slot] >= (self.max_queued_notifications if queued else self.max_concurrent_jobs):
            raise self._busy("image notifications queued" if queued else "analyses running")

        def finished() -> None:
            self._active[slot] -= 1
            ctx._refuse(InvocationError("the invocation was cancelled", status_code=409))  # no-op once answered
            if not ctx._done.done():
                ctx._done.set_exception(InvocationError("the job did not finish", status_code=500))
                ctx._done.exception()  # retrieved: no "never retrieved" warning

        try:
            job = self.jobs.start(
                self._job(ctx, handler),
                action=ctx.action,
                slide_id=ctx.slide_id,
                cancellation_token=ctx.cancellation_token,
                on_cancel=ctx._cancelled.set,
                on_done=finished,
                queued=queued,
            )
        except RuntimeError:
            raise InvocationError("the app is shutting down", status_code=503) from None
        self._active[slot] += 1
        ctx.job_id = job.job_id
        return job

    async def _job(self, ctx: InvocationContext, handler: Handler) -> None:
        job_id = cast(str, ctx.job_id)
        try:
            if ctx.action == "newImageFiles":
                async with self._notification_slot():
                    self.jobs.update(job_id, state=JobState.RUNNING)
                    outcome = await _call(handler, ctx)
                    if outcome is not None and outcome is not ctx.stored_result:
                        await ctx.store(outcome)
            else:
                ctx._answer(await _final_reply(ctx, await _call(handler, ctx)))
            self.jobs.update(job_id, state=JobState.DONE)
            if not ctx._done.done():
                ctx._done.set_result({})
        except (asyncio.CancelledError, InvocationCancelledError):
            _uncancel()
            _log.info("%s cancelled", job_id)
            ctx._refuse(InvocationError("the invocation was cancelled", status_code=409))
            self.jobs.update(job_id, state=JobState.CANCELLED)
            await _mark(ctx, "Analysis cancelled", "cancelled")
        except InvocationError as error:
            _log.warning("%s refused by its handler: %d %s", job_id, error.status_code, error.error)
            ctx._refuse(error)
            self.jobs.update(job_id, state=JobState.FAILED, message=error.error)
            await _mark(ctx, f"Analysis failed: {error.error}", "failed")
        except Exception as error:
            # A handler's exception text may quote patient data: see _failure.
            _log.error("%s failed with %s", job_id, _failure(error), exc_info=self.debug)
            ctx._refuse(InvocationError("the analysis failed", status_code=500))
            self.jobs.update(job_id, state=JobState.FAILED, message=type(error).__name__)
            await _mark(ctx, "Analysis failed", "failed")
        finally:
            ctx._refuse(InvocationError("internal error", status_code=500))  # no-op once answered
            await ctx._close()

    def _notification_slot(self) -> asyncio.Semaphore:
        """At most ``notification_concurrency`` notification handlers run at once; the others queue."""
        if self._notification_slots is None:  # served without lifespan (e.g. some test transports)
            self._notification_slots = asyncio.Semaphore(self.notification_concurrency)
        return self._notification_slots

    async def _run_inline(self, ctx: InvocationContext) -> None:
        handler = self._handlers.get(ctx.action)
        if handler is None:
            return
        try:
            await _call(handler, ctx)
        except InvocationError:
            raise
        except Exception as error:
            _log.error("%s handler failed with %s", ctx.action, _failure(error), exc_info=self.debug)
            raise InvocationError(f"the {ctx.action} handler failed", status_code=500) from None
        finally:
            await ctx._close()

    async def _cancel(self, ctx: InvocationContext) -> Response:
        token = ctx.cancellation_token
        cancelled = self.jobs.cancel(token) if token else []
        if self.backend is not None:
            await self.backend.cancel(ctx)
        _log.info("cancel invocation: %d job(s) cancelled", len(cancelled))
        await self._run_inline(ctx)
        return json_reply([])


async def _call(handler: Handler, ctx: InvocationContext) -> HandlerResult:
    if _is_async(handler):
        return await cast(Callable[[InvocationContext], Awaitable[HandlerResult]], handler)(ctx)
    return cast(HandlerResult, await anyio.to_thread.run_sync(functools.partial(handler, ctx)))


def _is_async(handler: Handler) -> bool:
    call = getattr(handler, "__call__", None)  # noqa: B004 - an object whose __call__ is async counts as async
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call)


async def _final_reply(ctx: InvocationContext, outcome: HandlerResult) -> dict[str, Any]:
    """Store what a create/modify handler returned; the body DPAT gets (the stored ResultResponse)."""
    if outcome is None:
        if ctx._stored_explicitly and ctx.stored_result is not None:
            return ctx.stored_result.to_dict()
        if ctx.action == "modify" and ctx.result_input is not None and not ctx.pending:
            return ctx.result_input.to_dict()  # nothing to change: DPAT keeps the result as it is
        raise InvocationError(f"the {ctx.action} handler returned no result", status_code=500)
    if outcome is ctx.stored_result:
        return outcome.to_dict()
    return (await ctx.store(outcome)).to_dict()


async def _store_user_edits(ctx: InvocationContext) -> HandlerResult:
    """The default ``modify``: keep the result as the user edited it."""
    return ctx.result_input


async def _mark(ctx: InvocationContext, text: str, status: str) -> None:
    """Show ``text`` on the placeholder of a job that answered DPAT already (best effort)."""
    if not ctx.pending or ctx.stored_result is None or ctx._stored_explicitly:
        return  # nothing shown yet, or the handler stored a result of its own: leave it
    try:
        await ctx._store_placeholder(text, status)
    except Exception as error:
        _log.warning("could not mark %s result as %s (%s)", ctx.job_id, status, type(error).__name__)


def _failure(error: BaseException, frames: int = 3) -> str:
    """A log-safe account of ``error``: type and code location (innermost first), plus the message
    only for this library's errors, whose messages never carry tokens or patient data."""
    stack = traceback.extract_tb(error.__traceback__)[-frames:]
    where = " < ".join(f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in reversed(stack))
    what = f"{type(error).__name__} ({error})" if isinstance(error, DPATError) else type(error).__name__
    return f"{what} at {where}"


def _checked(payload: Any, schema: str, body: bytes, application_id: str) -> tuple[dict[str, Any], str | None, Any]:
    """Schema check and replay key (in a worker thread for large bodies; the model is built later)."""
    faults = schema_faults(payload, schema, len(body))
    if faults:
        raise InvocationError(f"the body is not a valid {schema}", faults=faults)
    check_application_id(payload, application_id)
    if schema == "ImageNotification":
        return payload, replay_key(payload, body), payload  # the model is built when a handler asks for it
    key = replay_key(payload, body) if payload["action"] in ("create", "modify") else None
    return payload, key, payload


def _client_gone(request: Request) -> Response:
    _log.info("%s %s: the client disconnected before its body arrived", request.method, request.url.path)
    return Response(status_code=400)  # nobody reads it


class ServiceBusyError(InvocationError):
    """503 with ``Retry-After``: a limit on running jobs or queued notifications is reached."""

    def __init__(self, error: str, *, retry_after: int):
        super().__init__(error, status_code=503, retry_after=retry_after)


_SERVER_SHUTDOWN_CANCEL = "timeout graceful shutdown exceeded"
"""In the message uvicorn cancels its remaining request tasks with at its graceful-shutdown timeout."""


def _by_server_shutdown(cancel: asyncio.CancelledError) -> bool:
    """Whether ``cancel`` is uvicorn's at its graceful-shutdown timeout (any other cancel is not answered)."""
    return any(isinstance(arg, str) and _SERVER_SHUTDOWN_CANCEL in arg for arg in cancel.args)


def _uncancel() -> None:
    task = asyncio.current_task()
    if task is not None:
        while task.cancelling():
            task.uncancel()


def _default_client_factory(url: str, *, token: str, app_id: str) -> AsyncDPATAIClient:
    return AsyncDPATAIClient(url, token=token, app_id=app_id)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    return error_reply(InvocationError(str(detail), status_code=status))


async def _internal_error(request: Request, exc: Exception) -> Response:
    _log.error("internal error in %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_reply(InvocationError("internal error", status_code=500))
