"""The background-call and settled-map primitives the generated download loops rely on (sync and async twins)."""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest

from sectra_dpat_client._core.primitives import (
    AsyncBackground,
    Background,
    agather_bounded,
    amap_settled,
    map_settled,
)


def boom(item: int) -> int:
    if item == 2:
        raise ValueError(f"bad {item}")
    return item * 10


def test_map_settled_keeps_order_and_returns_exceptions() -> None:
    outcomes = map_settled(boom, [1, 2, 3], 2)
    assert outcomes[0] == 10
    assert outcomes[2] == 30
    assert isinstance(outcomes[1], ValueError)


def test_map_settled_lets_a_non_exception_through() -> None:
    def stop(item: int) -> int:
        if item == 1:
            raise KeyboardInterrupt
        return item

    with pytest.raises(KeyboardInterrupt):
        map_settled(stop, [0, 1, 2], 2)


async def test_amap_settled_keeps_order_and_returns_exceptions() -> None:
    async def one(item: int) -> int:
        return boom(item)

    outcomes = await amap_settled(one, [1, 2, 3], 2)
    assert outcomes[0] == 10
    assert outcomes[2] == 30
    assert isinstance(outcomes[1], ValueError)


def test_background_runs_calls_in_order_in_one_named_thread() -> None:
    seen: list[tuple[int, str]] = []

    def record(item: int) -> int:
        seen.append((item, threading.current_thread().name))
        return item

    with Background(thread_name_prefix="dpat-test") as background:
        started = [background.start(record, item) for item in range(5)]
        assert [s.result() for s in started] == list(range(5))
    assert [item for item, _ in seen] == list(range(5))
    assert {name.rsplit("_", 1)[0] for _, name in seen} == {"dpat-test"}


def test_background_settle_waits_for_failed_calls() -> None:
    with Background() as background:
        failing = background.start(boom, 2)
        fine = background.start(boom, 3)
        background.settle()
        assert fine.result() == 30
        with pytest.raises(ValueError, match="bad 2"):
            failing.result()


async def test_async_background_runs_in_threads_and_settles() -> None:
    loop_thread = threading.current_thread()
    threads: list[threading.Thread] = []

    def record(item: int) -> int:
        threads.append(threading.current_thread())
        return boom(item)

    async with AsyncBackground() as background:
        fine = background.start(record, 1)
        failing = background.start(record, 2)
        await background.settle()
        assert await fine.result() == 10
        with pytest.raises(ValueError, match="bad 2"):
            await failing.result()
    assert threads
    assert loop_thread not in threads


async def test_agather_bounded_cancels_the_rest_on_the_first_failure_and_leaves_no_coroutine_unawaited() -> None:
    started: list[int] = []
    finished: list[int] = []

    async def job(index: int) -> int:
        started.append(index)
        if index == 1:
            raise ValueError("tile 1")
        await asyncio.sleep(0.2)
        finished.append(index)
        return index

    jobs = [job(i) for i in range(10)]
    with pytest.raises(ValueError, match="tile 1"):
        await agather_bounded(jobs, 3)
    # a coroutine left in the created state warns "never awaited" when it is collected
    assert [inspect.getcoroutinestate(j) for j in jobs] == [inspect.CORO_CLOSED] * 10
    await asyncio.sleep(0.3)
    assert finished == []  # the running ones were cancelled, not left to go on
    assert started == list(range(len(started)))  # the rest never started
    assert len(started) <= 4


async def test_agather_bounded_cancelled_by_its_caller_leaves_no_coroutine_unawaited() -> None:
    async def job(index: int) -> int:
        await asyncio.sleep(10)
        return index

    jobs = [job(i) for i in range(20)]
    task = asyncio.ensure_future(agather_bounded(jobs, 2))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [inspect.getcoroutinestate(j) for j in jobs] == [inspect.CORO_CLOSED] * 20


async def test_agather_bounded_gives_results_in_order() -> None:
    async def job(index: int) -> int:
        await asyncio.sleep(0.01 * (5 - index))
        return index

    assert await agather_bounded([job(i) for i in range(5)], 2) == [0, 1, 2, 3, 4]
