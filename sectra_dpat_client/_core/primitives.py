"""Waiting and locking for code written once as async and generated as sync (see codegen/unasync.py).

Async sources use `AsyncLock`, `asleep` and `arun_blocking`; their generated sync twins get `Lock`,
`sleep` and `run_blocking`, which do the same for threads. `agather_bounded` (awaiting many calls, a
few at a time) has no sync twin: a sync source line spells its loop with an ``# unasync:`` directive.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import ParamSpec, TypeVar

__all__ = ["AsyncLock", "Lock", "agather_bounded", "arun_blocking", "asleep", "run_blocking", "sleep"]

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
    """The results of ``awaitables`` in order, at most ``limit`` of them running at once."""
    gate = asyncio.Semaphore(limit)

    async def one(awaitable: Awaitable[T]) -> T:
        async with gate:
            return await awaitable

    return await asyncio.gather(*(one(awaitable) for awaitable in awaitables))
