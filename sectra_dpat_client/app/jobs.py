"""The analyses an `AnalysisApp` runs: started, looked up by cancellation token, cancelled, drained."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .application import AnalysisApp, Handler
    from .context import ClientFactory, InvocationContext

__all__ = ["AppJobs", "JobInfo", "JobRegistry", "JobState"]

_log = logging.getLogger("sectra_dpat_client.app")


class JobState(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A snapshot of one job (safe to show: no token, no patient data)."""

    job_id: str
    action: str
    slide_id: str
    cancellation_token: str | None
    state: JobState
    progress: float | None = None
    message: str | None = None
    result_id: int | None = None
    started: float = 0.0
    finished: float | None = None


class _Job:
    def __init__(
        self,
        info: JobInfo,
        task: asyncio.Task[None],
        on_cancel: Callable[[], None],
        on_done: Callable[[], None],
    ):
        self.info = info
        self.task = task
        self.on_cancel = on_cancel
        self.on_done = on_done
        self.cancelled_at: float | None = None  # time.monotonic() of the first cancel


class JobRegistry:
    """Running jobs by id and by cancellation token, plus the last ``history`` finished ones.

    `start`, `cancel` and `shutdown` run on the app's event loop; `snapshot`, `wait_idle` and
    `update` are safe from any thread.
    """

    def __init__(self, *, history: int = 200):
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running: dict[str, _Job] = {}
        self._finished: deque[JobInfo] = deque(maxlen=history)
        self._ids = itertools.count(1)
        self._closed = False

    def start(
        self,
        coroutine: Coroutine[Any, Any, None],
        *,
        action: str,
        slide_id: str,
        cancellation_token: str | None,
        on_cancel: Callable[[], None] = lambda: None,
        on_done: Callable[[], None] = lambda: None,
        queued: bool = False,
    ) -> JobInfo:
        """Run ``coroutine`` as a task on the running loop and track it (as `QUEUED` if ``queued``).

        ``on_done`` runs on the loop when the task ends, even when it was cancelled before its first step.
        """
        with self._lock:
            if self._closed:
                coroutine.close()
                raise RuntimeError("the app is shutting down; no new jobs start")
            job_id = f"job-{next(self._ids)}"
            state = JobState.QUEUED if queued else JobState.RUNNING
            info = JobInfo(job_id, action, slide_id, cancellation_token or None, state, started=time.time())
            task = asyncio.get_running_loop().create_task(coroutine, name=f"dpat-{job_id}")
            self._running[job_id] = _Job(info, task, on_cancel, on_done)
        task.add_done_callback(lambda done: self._finish(job_id, done))
        _log.debug("started %s (%s)", job_id, action)
        return info

    def update(self, job_id: str, **changes: Any) -> None:
        """Record progress, a message or the stored result id of a running job."""
        with self._lock:
            job = self._running.get(job_id)
            if job is not None:
                job.info = replace(job.info, **changes)

    def cancel(self, cancellation_token: str) -> list[JobInfo]:
        """Cancel every running job started with ``cancellation_token``; the jobs cancelled."""
        if not cancellation_token:
            return []
        with self._lock:
            jobs = [job for job in self._running.values() if job.info.cancellation_token == cancellation_token]
        for job in jobs:
            _cancel(job)
        return [job.info for job in jobs]

    def cancel_job(self, job_id: str) -> bool:
        """Cancel one running job; False when it is not running."""
        with self._lock:
            job = self._running.get(job_id)
        if job is None:
            return False
        _cancel(job)
        return True

    def get(self, job_id: str) -> JobInfo | None:
        """The job's latest snapshot, running or finished."""
        with self._lock:
            if job_id in self._running:
                return self._running[job_id].info
            return next((info for info in self._finished if info.job_id == job_id), None)

    def snapshot(self) -> list[JobInfo]:
        """Running jobs first, then finished ones, oldest first within each group."""
        with self._lock:
            return [job.info for job in self._running.values()] + list(self._finished)

    def running(self) -> list[JobInfo]:
        """The jobs not finished yet (running or queued)."""
        with self._lock:
            return [job.info for job in self._running.values()]

    def wait_idle(self, timeout: float) -> bool:
        """Block (in a thread other than the app's loop) until no job runs; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._running:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    async def shutdown(self, grace: float, cancel_timeout: float = 5.0) -> None:
        """Refuse new jobs, give running ones ``grace`` seconds, then cancel what is left.

        A cancelled job gets ``cancel_timeout`` s from its cancel (one cancelled earlier, e.g. by the
        server giving up on its request, gets no grace again). A job still running then ignored its
        cancellation (a handler swallowing `asyncio.CancelledError`): it is abandoned, its coroutine
        closed, and logged by id, so shutdown is not held up by it.
        """
        with self._lock:
            self._closed = True
            jobs = list(self._running.values())
        if not jobs:
            return
        fresh = {job.task for job in jobs if job.cancelled_at is None}
        pending = (await asyncio.wait(fresh, timeout=grace))[1] if fresh and grace > 0 else fresh
        if pending:
            _log.warning("cancelling %d job(s) still running at shutdown", len(pending))
            for job in jobs:
                if job.task in pending:
                    _cancel(job)
        cancelled = [job for job in jobs if not job.task.done()]
        if not cancelled:
            return
        deadline = max(cast(float, job.cancelled_at) for job in cancelled) + cancel_timeout
        remaining = deadline - time.monotonic()
        if remaining > 0:
            await asyncio.wait([job.task for job in cancelled], timeout=remaining)
        stuck = [job for job in cancelled if not job.task.done()]
        for job in stuck:
            _log.error("abandoning %s (%s): it ignored its cancellation at shutdown", job.info.job_id, job.info.action)
            _abandon(job)
        if stuck:
            await asyncio.wait([job.task for job in stuck], timeout=cancel_timeout)

    def reopen(self) -> None:
        """Accept jobs again (after a `shutdown`, when the app is started once more)."""
        with self._lock:
            self._closed = False

    def _finish(self, job_id: str, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            state = JobState.CANCELLED
        elif task.exception() is not None:
            state = JobState.FAILED
        else:
            state = JobState.DONE
        with self._idle:
            job = self._running.pop(job_id, None)
            if job is not None:
                if job.info.state not in (JobState.QUEUED, JobState.RUNNING):
                    state = job.info.state  # the job body recorded its own outcome
                self._finished.append(replace(job.info, state=state, finished=time.time()))
            self._idle.notify_all()
        _log.debug("%s finished: %s", job_id, state)
        if job is not None:
            job.on_done()


def _cancel(job: _Job) -> None:
    if job.cancelled_at is None:
        job.cancelled_at = time.monotonic()
    try:
        job.on_cancel()
    finally:
        job.task.cancel()


def _abandon(job: _Job) -> None:
    """End a task that ignored its cancel: close its coroutine (GeneratorExit at its await), cancel again."""
    with contextlib.suppress(RuntimeError, ValueError):  # it ignored GeneratorExit too: the cancel decides
        job.task.get_coro().close()
    job.task.cancel()


class AppJobs:
    """What a job backend needs of an `AnalysisApp` to run its handlers in another process.

    ``AppJobs(app)``: `handler` is what runs for an action, `body` the app's own job body around it
    (answer, store, mark a cancel or failure on the placeholder), `client_factory` builds
    ``ctx.client``, and `serve_in_worker` makes the app record outcomes in ``registry`` with no
    in-process concurrency limits (a worker's pool sets those). The one place backends reach into
    the app, so `AnalysisApp`'s internals stay its own.
    """

    def __init__(self, app: AnalysisApp):
        self.app = app

    def handler(self, action: str) -> Handler:
        """The handler registered for ``action``; without one, the app's default (keep the user's edits)."""
        from .application import _store_user_edits

        return self.app._handlers.get(action) or _store_user_edits

    @staticmethod
    def is_blocking(handler: Handler) -> bool:
        """True for a sync handler (it runs in a worker thread, where cancelling its task cannot stop it)."""
        from .application import _is_async

        return not _is_async(handler)

    def body(self, ctx: InvocationContext, handler: Handler) -> Coroutine[Any, Any, None]:
        """The app's job body for ``ctx`` (``ctx.job_id`` set): runs ``handler`` and records its outcome."""
        return self.app._job(ctx, handler)

    @property
    def client_factory(self) -> ClientFactory:
        """How the app builds ``ctx.client`` (``factory(url, token=..., app_id=...)``)."""
        return self.app._client_factory

    def serve_in_worker(self, registry: JobRegistry) -> None:
        """Record outcomes in ``registry``; no notification limit of the app's own (the worker's pool is the limit)."""
        self.app.jobs = registry
        self.app._notification_slots = cast(asyncio.Semaphore, _NoLimit())


class _NoLimit:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None
