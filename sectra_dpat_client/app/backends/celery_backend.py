"""`CeleryBackend`: an `AnalysisApp`'s jobs on Celery workers, Redis as broker and job store.

Receiver (``uvicorn mymodule:app``): validates as always, stores a placeholder result for a
create/modify (the job's final result replaces it), writes the job record to Redis, enqueues, and
answers DPAT. Redis down: 503 with ``Retry-After``, nothing accepted. Workers
(``sectra-dpat worker mymodule:app``) run the app's own handlers with an `InvocationContext`.

At least once, never twice: tasks are acknowledged late and requeued when their worker process
dies; a running job holds a lease in Redis (renewed by a thread), so a redelivered copy waits
instead of running beside it; a job whose record says it finished is acknowledged and skipped; and
every store of a job updates the one result recorded for its invocation (the placeholder), so a
slide never gets two results for one invocation. A worker that takes a job while Redis is away
waits for it (`CeleryBackend.BROKER_WAIT`), then requeues the message, as does a worker whose
``DPAT_JOB_KEY`` does not open the job (an error in its log); a whole lost worker's jobs come back
once ``DPAT_VISIBILITY_TIMEOUT`` has passed.

Cancel: the receiver flags the job in Redis (and revokes it while queued); the worker's watcher
sees the flag within 50 ms, and after ``DPAT_CANCEL_GRACE`` stops a handler that ignores it, sync
ones included (see `_Watcher`). Redis lost between the receiver's ping and the enqueue: one 503,
the placeholder shows "Analysis not queued", and DPAT's retry updates that placeholder.

Secrets: the Celery message carries the job id only (its ``argsrepr`` too, so Celery's logs and
events show nothing else); the invocation waits in the job record with its callback token sealed
(Fernet, key ``DPAT_JOB_KEY`` shared by receiver and workers) and leaves the record when the job is
done. Celery results are off (``task_ignore_result``); broker errors are logged as their type and
a text with URL credentials and the Redis password removed (`_describe`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ctypes
import hashlib
import json
import logging
import os
import re
import signal
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

try:
    import redis
    from celery import Celery
    from celery.exceptions import Reject
    from celery.signals import worker_process_init
    from cryptography.fernet import Fernet, InvalidToken
except ImportError as error:  # pragma: no cover - depends on the installed extras
    from ..._core.errors import DPATMissingExtraError

    raise DPATMissingExtraError(
        'the Celery backend needs the [celery] extra: pip install "sectra-dpat-client[celery]"'
    ) from error

from starlette.responses import Response

from sectra_dpat_client.models import ImageNotification, Result, ResultResponse

from ...ai import AsyncDPATAIClient
from ..context import AnyInvocation, InvocationCancelledError, InvocationContext, ResultLike, _placeholder
from ..jobs import AppJobs, JobRegistry, JobState
from ..replies import InvocationError, error_reply, json_reply
from .base import DPATBackendConfigError, DPATQueueUnavailableError, DPATTokenExpiredError
from .settings import CelerySettings

if TYPE_CHECKING:
    from ..application import AnalysisApp

__all__ = ["TASK_NAME", "CeleryBackend"]

TASK_NAME = "sectra_dpat_client.run_job"
QUEUED_MESSAGE = "Analysis queued"
NOT_QUEUED_MESSAGE = "Analysis not queued (DPAT will retry)"
_NOT_QUEUED_KEPT = 4096
_FINAL = {JobState.DONE.value, JobState.FAILED.value, JobState.CANCELLED.value}
_BROKER_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError, ConnectionError, TimeoutError)
_QUEUE_ERRORS: tuple[type[BaseException], ...] = (*_BROKER_ERRORS, DPATQueueUnavailableError)
_log = logging.getLogger("sectra_dpat_client.app.celery")
_MESSAGE_VERSION = 2
_JOB_FIELDS = ("kind", "payload", "sealed_token", "placeholder")  # the job itself: removed once it is done
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")
_T = TypeVar("_T")
_POOL_CHILD = False  # True in a prefork pool process, the one kind of process a hard stop may end


def _in_pool_child(**_: Any) -> None:
    global _POOL_CHILD
    _POOL_CHILD = True


worker_process_init.connect(_in_pool_child, weak=False)  # sent in each prefork pool process as it starts


def _job_key(job_id: str) -> str:
    return f"dpat:job:{job_id}"


def _lease_key(job_id: str) -> str:
    return f"dpat:lease:{job_id}"


def _describe(error: BaseException, *secrets: str | None) -> str:
    """``error``'s type and text for a log line: URL credentials, token/password values and ``secrets`` masked."""
    from ..._core.redact import MASK, redact_text

    text = redact_text(_URL_CREDENTIALS.sub(lambda m: f"{m[1]}{MASK}@", str(error)))
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = text if len(text) <= 300 else text[:300] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _cancel_index(cancellation_token: str) -> str:
    # DPAT's cancellation token is an opaque id; only its hash names the Redis key.
    return "dpat:ct:" + hashlib.sha256(cancellation_token.encode("utf-8")).hexdigest()


class CeleryBackend:
    """Hand an `AnalysisApp`'s create/modify/notification jobs to Celery workers.

    ``AnalysisApp(..., backend=CeleryBackend.from_env())``; ``backend.celery`` is the Celery app
    (``celery -A mymodule:celery worker`` after ``celery = app.backend.celery``). Delete and cancel
    still run in the receiver. ``now`` is the clock (tests).
    """

    def __init__(self, settings: CelerySettings, *, now: Callable[[], float] = time.time):
        self.settings = settings
        try:
            self._fernet = Fernet(settings.job_key.encode("ascii"))
        except (ValueError, TypeError):  # the errors' texts may quote the key: none is kept
            raise DPATBackendConfigError(
                "DPAT_JOB_KEY is not a Fernet key (32 url-safe base64-encoded bytes; Fernet.generate_key())"
            ) from None
        self._now = now
        self._app: AnalysisApp | None = None
        self._redis = redis.Redis.from_url(
            settings.broker_url, socket_timeout=2.0, socket_connect_timeout=1.0, decode_responses=True
        )
        self._worker_jobs = _WorkerJobs()
        # Placeholders of invocations refused with 503 after they were stored (Redis lost between the
        # ping and the enqueue), by replay key: DPAT's retry of the invocation reuses its placeholder.
        self._not_queued: OrderedDict[str, ResultResponse] = OrderedDict()
        self._not_queued_lock = threading.Lock()
        self.celery = Celery("sectra_dpat_client", broker=settings.broker_url, set_as_current=False)
        self.celery.conf.update(
            task_acks_late=True,
            task_reject_on_worker_lost=True,
            task_acks_on_failure_or_timeout=True,
            worker_prefetch_multiplier=1,
            task_ignore_result=True,
            task_store_errors_even_if_ignored=False,
            worker_send_task_events=False,
            task_send_sent_event=False,
            task_serializer="json",
            accept_content=["json"],
            task_default_queue=settings.queue,
            worker_pool=settings.pool,
            worker_concurrency=settings.concurrency,
            worker_hijack_root_logger=False,
            worker_redirect_stdouts=False,
            broker_connection_retry_on_startup=True,
            broker_transport_options={
                "visibility_timeout": settings.visibility_timeout,
                # How often a worker looks for messages of lost workers that outlived the visibility
                # timeout (kombu's default: every 100 s): a job comes back within a few seconds of it.
                "unacked_restore_interval": max(1.0, min(10.0, settings.visibility_timeout / 4)),
                "unacked_restore_throttle": 1,
                "socket_timeout": 2.0,
                "socket_connect_timeout": 1.0,
            },
        )

        # The receiver publishes through connections that do not retry connecting (kombu's default
        # retries a cold connection for ~6 s): Redis down means a 503 now, not a stalled request.
        self._publish_pool: Any = self.celery.connection_for_write(transport_options={"max_retries": 0}).Pool(limit=16)

        def run_job(task: Any, message: dict[str, Any]) -> None:  # message: {"v": 2, "job_id": ...}
            self._run_task(task, message)

        self.task = self.celery.task(name=TASK_NAME, bind=True, max_retries=None)(run_job)

    @classmethod
    def from_env(cls, **overrides: Any) -> CeleryBackend:
        """The backend configured by the ``DPAT_*`` environment variables (see `CelerySettings`)."""
        return cls(CelerySettings.from_env(**overrides))

    def __repr__(self) -> str:
        return f"CeleryBackend(queue={self.settings.queue!r}, pool={self.settings.pool!r})"

    def bind(self, app: AnalysisApp) -> None:
        """Serve ``app``: its handlers are what the workers run."""
        if self._app is not None and self._app is not app:
            raise DPATBackendConfigError("a CeleryBackend serves one AnalysisApp; make one per app")
        self._app = app

    @property
    def app(self) -> AnalysisApp:
        if self._app is None:
            raise DPATBackendConfigError("the CeleryBackend is not bound to an AnalysisApp (pass it as backend=)")
        return self._app

    # --- receiver side ------------------------------------------------------------------------

    async def submit(self, ctx: InvocationContext) -> Response:
        """Placeholder (create/modify), job record, enqueue; the answer for DPAT (503 when Redis is down)."""
        job_id = uuid.uuid4().hex
        ctx.job_id = job_id
        try:
            await asyncio.to_thread(self._redis.ping)
        except _BROKER_ERRORS:
            return self._unavailable()
        placeholder: ResultResponse | None = None
        key: str | None = None
        try:
            if ctx.action in ("create", "modify"):
                key = ctx._replay_key
                earlier = self._take_not_queued(key)
                if earlier is not None:
                    ctx._stored = earlier  # DPAT's retry: the placeholder of the refused try is updated
                try:
                    placeholder = await ctx._store_placeholder(QUEUED_MESSAGE, "queued")
                except Exception as error:
                    _log.warning("%s: could not store the placeholder (%s)", job_id, type(error).__name__)
                    self._keep_not_queued(key, earlier)  # the next retry still finds it
                    return error_reply(InvocationError("could not store a placeholder result", status_code=502))
            try:
                await asyncio.to_thread(self._enqueue, ctx, job_id, placeholder)
            except _QUEUE_ERRORS as error:
                _log.warning("%s: could not queue the job (%s)", job_id, self._error_text(error))
                if placeholder is not None:
                    await _best_effort_mark(ctx, NOT_QUEUED_MESSAGE, "failed")
                    self._keep_not_queued(key, ctx.stored_result)
                return self._unavailable()
        finally:
            await ctx._close()
        _log.info("%s invocation queued (%s)", ctx.action, job_id)
        return json_reply(placeholder.to_dict() if placeholder is not None else {})

    def _error_text(self, error: BaseException) -> str:
        """`_describe` with the configured Redis password (and the job key) masked as well."""
        from urllib.parse import unquote, urlsplit

        password = urlsplit(self.settings.broker_url).password
        return _describe(error, password, unquote(password or ""), self.settings.job_key)

    def _take_not_queued(self, key: str | None) -> ResultResponse | None:
        if key is None:
            return None
        with self._not_queued_lock:
            return self._not_queued.pop(key, None)

    def _keep_not_queued(self, key: str | None, stored: ResultResponse | None) -> None:
        if key is None or stored is None:
            return
        with self._not_queued_lock:
            self._not_queued[key] = stored
            while len(self._not_queued) > _NOT_QUEUED_KEPT:
                self._not_queued.popitem(last=False)

    def _unavailable(self) -> Response:
        response = error_reply(InvocationError("the job queue is unavailable; retry later", status_code=503))
        response.headers["Retry-After"] = str(self.settings.retry_after)
        return response

    def _enqueue(self, ctx: InvocationContext, job_id: str, placeholder: ResultResponse | None) -> None:
        payload = ctx.invocation.to_dict()
        token = payload["callbackInfo"]["token"]
        payload["callbackInfo"] = {**payload["callbackInfo"], "token": ""}
        # The message names the job; the job itself (token sealed) waits in its record.
        message = {"v": _MESSAGE_VERSION, "job_id": job_id}
        record: dict[Any, Any] = {
            "state": JobState.QUEUED.value,
            "action": ctx.action,
            "sent_at": str(self._now()),
            "kind": "notification" if isinstance(ctx.invocation, ImageNotification) else "invocation",
            "payload": json.dumps(payload, separators=(",", ":")),
            "sealed_token": self._fernet.encrypt(token.encode("utf-8")).decode("ascii"),
        }
        if placeholder is not None:
            record.update(
                result_id=str(placeholder.id),
                version_id=placeholder.version_id,
                placeholder=json.dumps(placeholder.to_dict(), separators=(",", ":")),
            )
        ttl = self.settings.record_ttl
        pipe = self._redis.pipeline()
        pipe.hset(_job_key(job_id), mapping=record)
        pipe.expire(_job_key(job_id), ttl)
        if ctx.cancellation_token:
            pipe.sadd(_cancel_index(ctx.cancellation_token), job_id)
            pipe.expire(_cancel_index(ctx.cancellation_token), ttl)
        pipe.execute()
        try:
            with self._publish_pool.acquire(block=True, timeout=5.0) as connection:
                self.task.apply_async(
                    args=(message,),
                    task_id=job_id,
                    queue=self.settings.queue,
                    retry=False,
                    connection=connection,
                    argsrepr=f"(job {job_id})",  # what Celery logs and puts in events: never the message
                    kwargsrepr="{}",
                )
        except Exception as error:  # kombu's OperationalError and friends: the broker did not take it
            # The broker's text may name its URL: only the masked text goes on, nothing chained.
            raise DPATQueueUnavailableError(f"the broker did not accept the job ({self._error_text(error)})") from None

    async def cancel(self, ctx: InvocationContext) -> int:
        """Flag every job of the cancellation token; revoke and mark the queued ones."""
        token = ctx.cancellation_token
        if not token:
            return 0
        try:
            found = await asyncio.to_thread(self._flag_cancelled, token)
        except _BROKER_ERRORS as error:
            _log.warning("cancel could not reach Redis (%s)", type(error).__name__)
            raise InvocationError("the job queue is unavailable; retry later", status_code=503) from None
        for job_id, record in found:
            if record.get("state") == JobState.QUEUED.value:
                try:
                    await asyncio.to_thread(self.celery.control.revoke, job_id)
                except Exception as error:
                    _log.info("%s: revoke not sent (%s); the worker sees the flag", job_id, type(error).__name__)
                if record.get("result_id") and record.get("version_id"):
                    await _mark_result(ctx, record, "Analysis cancelled", "cancelled")
        await ctx._close()
        return len(found)

    def _flag_cancelled(self, token: str) -> list[tuple[str, dict[str, str]]]:
        found = []
        for job_id in sorted(cast(set[str], self._redis.smembers(_cancel_index(token)))):
            key = _job_key(job_id)
            if not self._redis.exists(key):
                continue
            self._redis.hset(key, "cancel", str(self._now()))
            record = cast(dict[str, str], self._redis.hgetall(key))
            if record.get("state") == JobState.QUEUED.value:
                self._redis.hset(key, "state", JobState.CANCELLED.value)
                self._redis.hdel(key, *_JOB_FIELDS)  # it never runs: its token need not wait in Redis
            found.append((job_id, record))
        return found

    def job_record(self, job_id: str) -> dict[str, str]:
        """The job's record in Redis (state, result id, cancel flag); ``{}`` when unknown."""
        return cast(dict[str, str], self._redis.hgetall(_job_key(job_id)))

    # --- worker side --------------------------------------------------------------------------

    def _run_task(self, task: Any, message: dict[str, Any]) -> None:
        job_id = str(message["job_id"])
        record = cast(dict[str, str], self._from_redis(job_id, lambda: self._redis.hgetall(_job_key(job_id))))
        if record.get("state") in _FINAL:
            _log.info("%s already finished (%s); redelivery acknowledged", job_id, record["state"])
            if record.get("hard_stop") and not record.get("marked") and record.get("result_id"):
                asyncio.run(self._mark_hard_stopped(job_id, record))
            self._forget_job(job_id)
            return
        if not record.get("payload"):
            _log.error("%s: no job record in Redis (expired or removed); the message is dropped", job_id)
            return
        try:
            invocation = self._invocation(record)
        except DPATBackendConfigError as error:  # this worker's DPAT_JOB_KEY is not the receiver's
            _log.error("%s: %s; the job goes back to the queue for a worker that can open it", job_id, error)
            time.sleep(self.REQUEUE_PAUSE)  # no hot loop of one misconfigured worker taking it back
            raise Reject("the job key does not open the job", requeue=True) from None
        owner = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        lease_ms = int(self.settings.lease_seconds * 1000)
        if not self._from_redis(job_id, lambda: self._redis.set(_lease_key(job_id), owner, nx=True, px=lease_ms)):
            _log.info("%s runs elsewhere (lease held); checking again later", job_id)
            raise task.retry(countdown=self.settings.lease_seconds / 2)
        try:
            asyncio.run(self._run_job(job_id, record, invocation))
        finally:
            try:
                if self._redis.get(_lease_key(job_id)) == owner:
                    self._redis.delete(_lease_key(job_id))
            except _BROKER_ERRORS:
                pass  # the lease expires by itself

    BROKER_WAIT = 30.0  # seconds a worker waits for Redis before it hands a received job back
    REQUEUE_PAUSE = 5.0  # seconds before a job this worker cannot open goes back to the queue

    def _from_redis(self, job_id: str, call: Callable[[], _T]) -> _T:
        """``call()``, retried while Redis is away; after `BROKER_WAIT` s the message is requeued, never dropped."""
        deadline = time.monotonic() + self.BROKER_WAIT
        while True:
            try:
                return call()
            except _BROKER_ERRORS as error:
                if time.monotonic() >= deadline:
                    _log.warning("%s: Redis unreachable (%s); job requeued", job_id, type(error).__name__)
                    raise Reject("Redis unreachable", requeue=True) from None
                time.sleep(0.2)

    async def _run_job(self, job_id: str, record: dict[str, str], invocation: AnyInvocation) -> None:
        app = self.app
        AppJobs(app).serve_in_worker(self._worker_jobs)  # outcomes recorded here; the pool is the limit
        ctx = _WorkerContext(
            invocation,
            backend=self,
            application_version=app.software_version,
            client_factory=self._client_factory(float(record["sent_at"])),
            jobs=self._worker_jobs,
        )
        ctx.job_id = job_id
        placeholder = json.loads(record["placeholder"]) if record.get("placeholder") else None
        stored = _recorded_result(placeholder, record)
        if stored is not None:
            ctx._stored = stored
        if record["kind"] == "invocation":
            ctx._pending_message = app.pending_message
            ctx._pending_automatically = True  # the handler may still call respond_pending
        ctx._answer(stored.to_dict() if stored is not None else {})  # DPAT was answered by the receiver
        if record.get("cancel"):
            ctx._cancelled.set()
        self._set(job_id, {"state": JobState.RUNNING.value, "worker": f"{socket.gethostname()}:{os.getpid()}"})
        outcome = await self._guarded(ctx, job_id, float(record["sent_at"]))
        self._set(job_id, {"state": outcome, "finished": str(self._now())}, retry=True)
        self._forget_job(job_id)
        _log.info("%s finished: %s", job_id, outcome)

    def _forget_job(self, job_id: str) -> None:
        """Remove a finished job's invocation and sealed token from its record (state and result ids stay)."""
        try:
            self._redis.hdel(_job_key(job_id), *_JOB_FIELDS)
        except _BROKER_ERRORS as error:  # the record expires by itself (DPAT_* record TTL)
            _log.warning("%s: could not clear the finished job (%s)", job_id, type(error).__name__)

    async def _mark_hard_stopped(self, job_id: str, record: dict[str, str]) -> None:
        """The process running a hard-stopped job ended before it showed the cancel: show it now."""
        if not record.get("payload"):
            return
        ctx = _WorkerContext(
            self._invocation(record),
            backend=self,
            application_version=self.app.software_version,
            client_factory=self._client_factory(float(record["sent_at"])),
            jobs=self._worker_jobs,
        )
        try:
            await _mark_result(ctx, record, "Analysis cancelled", "cancelled")
        finally:
            await ctx._close()
        self._set(job_id, {"marked": "1"})

    async def _guarded(self, ctx: _WorkerContext, job_id: str, sent_at: float) -> str:
        age = self._now() - sent_at
        if age > self.settings.token_max_age and self.settings.credentials is None:
            error = DPATTokenExpiredError(
                f"the job waited {age:.0f} s, longer than the callback token is trusted "
                f"({self.settings.token_max_age:.0f} s, DPAT_TOKEN_MAX_AGE); set DPAT_USERNAME/DPAT_PASSWORD"
            )
            _log.error("%s failed: %s: %s", job_id, type(error).__name__, error)
            await _best_effort_mark(ctx, "Analysis failed: waited too long in the queue", "failed")
            await ctx._close()
            return JobState.FAILED.value
        seam = AppJobs(self.app)
        handler = seam.handler(ctx.action)
        blocking = _HandlerThread() if seam.is_blocking(handler) else None
        if blocking is not None:
            handler = blocking.wrap(handler)
        task = asyncio.create_task(seam.body(ctx, handler))
        watcher = _Watcher(self, job_id, ctx, task, asyncio.get_running_loop(), blocking)
        watcher.start()
        try:
            await task
        finally:
            watcher.stop()
        state = self._worker_jobs.outcomes.pop(job_id, JobState.FAILED)
        return state.value

    def _invocation(self, record: dict[str, str]) -> AnyInvocation:
        payload = json.loads(record["payload"])
        try:
            token = self._fernet.decrypt(record["sealed_token"].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise DPATBackendConfigError("the job's sealed token does not open with this DPAT_JOB_KEY") from None
        payload = {**payload, "callbackInfo": {**payload["callbackInfo"], "token": token}}
        if record["kind"] == "notification":
            return ImageNotification.from_dict(payload)
        from ..application import _INVOCATIONS

        return _INVOCATIONS[payload["action"]].from_dict(payload)

    def _client_factory(self, sent_at: float) -> Callable[..., AsyncDPATAIClient]:
        default = AppJobs(self.app).client_factory

        def factory(url: str, *, token: str, app_id: str) -> AsyncDPATAIClient:
            credentials = self.settings.credentials
            if credentials is not None and self._now() - sent_at > self.settings.token_max_age:
                return AsyncDPATAIClient.from_credentials(url, app_id, *credentials)
            return default(url, token=token, app_id=app_id)

        return factory

    def _set(self, job_id: str, fields: dict[Any, Any], *, retry: bool = False) -> None:
        """Update the job record; with ``retry`` keep trying for a minute while Redis is down."""
        deadline = time.monotonic() + (60.0 if retry else 0.0)
        while True:
            try:
                self._redis.hset(_job_key(job_id), mapping=fields)
                return
            except _BROKER_ERRORS as error:
                if time.monotonic() > deadline:
                    _log.warning("%s: could not record %s (%s)", job_id, sorted(fields), type(error).__name__)
                    return
                time.sleep(0.2)


class _WorkerJobs(JobRegistry):
    """The worker's registry: no tasks, just each job's outcome as the app's job body records it."""

    def __init__(self) -> None:
        super().__init__(history=0)
        self.outcomes: dict[str, JobState] = {}

    def update(self, job_id: str, **changes: Any) -> None:
        state = changes.get("state")
        if isinstance(state, JobState):
            self.outcomes[job_id] = state


class _WorkerContext(InvocationContext):
    """`InvocationContext` in a worker: every stored result is recorded in the job record (redelivery updates it)."""

    def __init__(self, invocation: AnyInvocation, *, backend: CeleryBackend, **kwargs: Any):
        super().__init__(invocation, **kwargs)
        self._backend = backend

    async def _store_unlocked(self, result: ResultLike) -> ResultResponse:
        stored = await super()._store_unlocked(result)
        if self.job_id is not None:
            fields = {"result_id": str(stored.id), "version_id": stored.version_id}
            await asyncio.to_thread(self._backend._set, self.job_id, fields)
        return stored


class _HandlerThread:
    """The thread a sync handler runs in, so a hard stop can raise `InvocationCancelledError` there."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ident: int | None = None
        self._interrupted = False

    def wrap(self, handler: Callable[[InvocationContext], Any]) -> Callable[[InvocationContext], Any]:
        def run(ctx: InvocationContext) -> Any:
            with self._lock:
                self._ident = threading.get_ident()
            try:
                return handler(ctx)
            finally:
                with self._lock:
                    if self._interrupted and self._ident is not None:  # not raised yet: never outside the handler
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._ident), None)
                    self._ident = None

        return run

    def interrupt(self) -> bool:
        """Raise `InvocationCancelledError` in the handler at its next Python line (not inside a C call)."""
        with self._lock:
            if self._ident is None or self._interrupted:
                return False
            exc = ctypes.py_object(InvocationCancelledError)
            self._interrupted = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._ident), exc) == 1
            return self._interrupted


class _Watcher(threading.Thread):
    """Renews the job's lease and polls its cancel flag; stops a handler that outlives the grace period.

    ``DPAT_CANCEL_GRACE`` s after the cancel is seen: an async handler's task is cancelled, a sync
    handler gets `InvocationCancelledError` raised in its thread (at its next Python line). If the
    job is still running `HARD_STOP_WAIT` s later (a long C call, a handler that swallows the
    cancellation or blocks the event loop), a prefork pool process records the job cancelled, shows
    "Analysis cancelled" on its result and ends itself with SIGKILL: Celery starts a fresh process,
    and the requeued message is acknowledged as finished. Threads/solo pools cannot end one job's
    process; there the job goes on and an error is logged.
    """

    POLL = 0.05
    HARD_STOP_WAIT = 1.0

    def __init__(
        self,
        backend: CeleryBackend,
        job_id: str,
        ctx: InvocationContext,
        task: asyncio.Task[None],
        loop: asyncio.AbstractEventLoop,
        blocking: _HandlerThread | None = None,
    ):
        super().__init__(name=f"dpat-watch-{job_id[:8]}", daemon=True)
        self._backend, self._job_id, self._ctx, self._task, self._loop = backend, job_id, ctx, task, loop
        self._blocking = blocking
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.join(5.0)

    def run(self) -> None:
        settings = self._backend.settings
        client = self._backend._redis
        renew_every = settings.lease_seconds / 3
        next_renewal = time.monotonic() + renew_every
        cancelled_at: float | None = time.monotonic() if self._ctx.cancelled else None
        soft_stop_at: float | None = None
        hard_stopped = False
        while not self._stopped.wait(self.POLL):
            now = time.monotonic()
            try:
                if now >= next_renewal:
                    client.pexpire(_lease_key(self._job_id), int(settings.lease_seconds * 1000))
                    next_renewal = now + renew_every
                if cancelled_at is None and client.hexists(_job_key(self._job_id), "cancel"):
                    cancelled_at = now
                    self._ctx._cancelled.set()
                    _log.info("%s: cancel seen by the worker", self._job_id)
            except _BROKER_ERRORS:
                continue  # Redis away: the job goes on; the lease is renewed once it is back
            if cancelled_at is not None and soft_stop_at is None and now - cancelled_at >= settings.cancel_grace:
                soft_stop_at = now
                _log.warning("%s: still running %.1f s after cancel; stopping it", self._job_id, settings.cancel_grace)
                if self._blocking is not None:
                    self._blocking.interrupt()
                else:
                    self._loop.call_soon_threadsafe(self._task.cancel)
            elif (
                soft_stop_at is not None
                and not hard_stopped
                and now - soft_stop_at >= self.HARD_STOP_WAIT
                and not self._task.done()
            ):
                hard_stopped = True
                self._hard_stop()

    def _hard_stop(self) -> None:
        job_id = self._job_id
        if not _POOL_CHILD:
            _log.error(
                "%s: the handler ignores its cancel (in a C call, or it swallows it); the %s pool cannot end it",
                job_id,
                self._backend.settings.pool,
            )
            return
        self._backend._set(
            job_id,
            {"state": JobState.CANCELLED.value, "finished": str(self._backend._now()), "hard_stop": "1"},
            retry=True,
        )
        try:
            alive: concurrent.futures.Future[None] = concurrent.futures.Future()
            self._loop.call_soon_threadsafe(alive.set_result, None)
            alive.result(0.5)  # a loop the handler blocks cannot store anything: leave it to the redelivery
            marked = asyncio.run_coroutine_threadsafe(_mark_cancelled(self._ctx), self._loop).result(5.0)
        except Exception as error:  # the loop is blocked, DPAT unreachable: the redelivered message marks it
            _log.warning("%s: cancel not shown before the stop (%s)", job_id, type(error).__name__)
        else:
            if marked:
                self._backend._set(job_id, {"marked": "1"})
        _log.warning("%s: handler still running after its cancel; ending this pool process", job_id)
        for handler in logging.getLogger().handlers + _log.handlers:
            handler.flush()
        os.kill(os.getpid(), signal.SIGKILL)


async def _mark_cancelled(ctx: InvocationContext) -> bool:
    """Show "Analysis cancelled" on the placeholder (not over a result the handler stored itself)."""
    if ctx.stored_result is not None and not ctx._stored_explicitly:
        await ctx._store_placeholder("Analysis cancelled", "cancelled")
    return True


def _recorded_result(placeholder: dict[str, Any] | None, record: dict[str, str]) -> ResultResponse | None:
    """The result this invocation stored last (the placeholder, or what a lost earlier run stored)."""
    if placeholder is None and not record.get("result_id"):
        return None
    body = dict(placeholder or {"slideId": "", "displayResult": "", "applicationVersion": ""})
    if record.get("result_id") and record.get("version_id"):
        body.update(id=int(record["result_id"]), versionId=record["version_id"])
    if "data" not in body:
        body["data"] = {"context": {}, "result": {"type": "primitive", "content": []}}
    return ResultResponse.from_dict(body)


async def _mark_result(ctx: InvocationContext, record: dict[str, str], text: str, status: str) -> None:
    """Show ``text`` on the job's placeholder through ``ctx``'s client (best effort)."""
    try:
        body = _placeholder(ctx.slide_id, text, status, None, ctx.application_version)
        ctx._stored = None
        await ctx._update(int(record["result_id"]), record["version_id"], Result.from_dict(body))
    except Exception as error:
        _log.warning("could not mark a queued job's result as %s (%s)", status, type(error).__name__)


async def _best_effort_mark(ctx: InvocationContext, text: str, status: str) -> None:
    try:
        await ctx._store_placeholder(text, status)
    except Exception as error:
        _log.warning("could not mark %s result as %s (%s)", ctx.job_id, status, type(error).__name__)
