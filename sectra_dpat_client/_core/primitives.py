"""Waiting and locking for code written once as async and generated as sync (see codegen/unasync.py).

Async sources use `AsyncLock`, `asleep`, `arun_blocking` and `AsyncBackground`; their generated sync
twins get `Lock`, `sleep`, `run_blocking` and `Background`, which do the same for threads.
`agather_bounded` (awaiting many calls, a few at a time) has no sync twin: a sync source line spells its
loop with an ``# unasync:`` directive. `amap_settled` (asyncio tasks) and `map_settled` (worker threads)
run one function over many items a few at a time; a sync line names `map_settled` with a directive.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from types import TracebackType
from typing import Any, Generic, ParamSpec, TypeVar

__all__ = [
    "AsyncBackground",
    "AsyncLock",
    "AsyncStarted",
    "Background",
    "Lock",
    "Started",
    "agather_bounded",
    "amap_settled",
    "arun_blocking",
    "asleep",
    "map_settled",
    "run_blocking",
    "sleep",
]

A = TypeVar("A")
P = ParamSpec("P")
T = TypeVar("T")


class AsyncLock:
    """An `asyncio.Lock` used as ``async with lock:``."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


class Lock:
    """A `threading.Lock` used as ``with lock:``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


async def asleep(seconds: float) -> None:
    """Wait without blocking the event loop."""
    await asyncio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Wait (blocking this thread)."""
    time.sleep(seconds)


async def arun_blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking work (file hashing, big parses) in a worker thread, off the event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


def run_blocking(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking work here: a sync caller already owns its thread."""
    return function(*args, **kwargs)


async def agather_bounded(awaitables: Sequence[Awaitable[T]], limit: int) -> list[T]:
    """The results of ``awaitables`` in order, at most ``limit`` of them running at once.

    The first failure (or a cancel of the caller) cancels the rest and is raised once they have ended;
    coroutines that never started are closed, so none is left "never awaited".
    """
    gate = asyncio.Semaphore(limit)

    async def one(awaitable: Awaitable[T]) -> T:
        async with gate:
            return await awaitable

    tasks = [asyncio.ensure_future(one(awaitable)) for awaitable in awaitables]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        raise
    finally:
        for awaitable in awaitables:
            if inspect.iscoroutine(awaitable) and inspect.getcoroutinestate(awaitable) == inspect.CORO_CREATED:
                awaitable.close()


class AsyncStarted(Generic[T]):
    """A blocking call `AsyncBackground.start` began in a worker thread; ``await started.result()``."""

    def __init__(self, future: asyncio.Future[T]) -> None:
        self._future = future

    async def result(self) -> T:
        """Its return value (or its exception, raised)."""
        return await self._future


class AsyncBackground:
    """Blocking calls run in worker threads (``asyncio.to_thread``, each its own) while the event loop goes on.

    ``async with AsyncBackground() as background:`` then ``background.start(function, *args)``; `settle`
    waits for every call started (a thread cannot be stopped), as leaving the block does.
    """

    def __init__(self) -> None:
        self._started: list[asyncio.Future[Any]] = []

    async def __aenter__(self) -> AsyncBackground:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.settle()

    def start(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> AsyncStarted[T]:
        """Begin ``function(*args, **kwargs)`` in a worker thread now."""
        future = asyncio.ensure_future(asyncio.to_thread(function, *args, **kwargs))
        self._started.append(future)
        return AsyncStarted(future)

    async def settle(self) -> None:
        """Wait for every call started and mark their errors seen (whoever wanted them has gone)."""
        if self._started:
            await asyncio.wait(self._started)
        for future in self._started:
            if future.done() and not future.cancelled():
                future.exception()


class Started(Generic[T]):
    """A blocking call `Background.start` handed to its worker thread; ``started.result()`` waits for it."""

    def __init__(self, future: Future[T]) -> None:
        self._future = future

    def result(self) -> T:
        """Its return value (or its exception, raised)."""
        return self._future.result()


class Background:
    """Blocking calls run, in the order started, in one worker thread while this thread goes on.

    ``with Background() as background:`` then ``background.start(function, *args)``; `settle` waits for
    every call started; leaving the block waits for them too and stops the thread.
    """

    def __init__(self, *, thread_name_prefix: str = "dpat-background") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name_prefix)
        self._started: list[Future[Any]] = []

    def __enter__(self) -> Background:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._executor.shutdown(wait=True)

    def start(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Started[T]:
        """Queue ``function(*args, **kwargs)`` for the worker thread."""
        future = self._executor.submit(function, *args, **kwargs)
        self._started.append(future)
        return Started(future)

    def settle(self) -> None:
        """Wait for every call started."""
        wait_futures(self._started)


async def amap_settled(
    function: Callable[[A], Awaitable[T]], items: Iterable[A], limit: int
) -> list[T | BaseException]:
    """``function`` over ``items`` as tasks, at most ``limit`` at once; per item its result or what it raised.

    Every item runs to its end (``asyncio.gather(..., return_exceptions=True)``), in the items' order.
    """
    gate = asyncio.Semaphore(limit)

    async def one(item: A) -> T:
        async with gate:
            return await function(item)

    return await asyncio.gather(*(one(item) for item in items), return_exceptions=True)


def map_settled(
    function: Callable[[A], T], items: Iterable[A], limit: int, *, thread_name_prefix: str = "dpat-worker"
) -> list[T | BaseException]:
    """``function`` over ``items`` in up to ``limit`` worker threads; per item its result or the `Exception` it raised.

    Every item runs to its end, in the items' order; anything else raised (``KeyboardInterrupt``) propagates
    once the threads are done.
    """

    def one(item: A) -> T | BaseException:
        try:
            return function(item)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix=thread_name_prefix) as pool:
        return list(pool.map(one, items))
