"""Waiting for a turn before a request is built (`LendingTransport.wait_turn`): while every connection is
lent, callers queue in order and are let go one per connection or slot that frees up; the wait and the
pool's together stay within the pool timeout; cancelled, timed-out and closed-out waits lose nothing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from sectra_dpat_client._core import aio_pool
from sectra_dpat_client._core.transports import BUFFER_BODY
from sectra_dpat_client.ai import AsyncDPATAIClient
from sectra_dpat_client.qido import AsyncDPATQidoClient
from sectra_dpat_client.simulator import DPATSimulator
from tests.core.test_async_pool import BOUND, _client, _transport, keep_alive_server


async def _steps(count: int = 10) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def _turn_then_get(
    client: httpx.AsyncClient, transport: aio_pool.LendingTransport, order: list[int], index: int
) -> httpx.Response:
    turn = await transport.wait_turn(client.timeout.pool)
    order.append(index)
    return await client.send(client.build_request("GET", "/info", extensions=turn))


async def test_callers_wait_their_turn_in_order_while_every_connection_is_lent() -> None:
    transport = _transport(1)
    order: list[int] = []
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        callers = [asyncio.ensure_future(_turn_then_get(client, transport, order, i)) for i in range(5)]
        await _steps()
        assert order == []
        assert len(transport._turns) == 5
        assert len(transport._waiting) == 0  # nobody built a request and queued in the pool
        await holding.aread()  # the connection comes back: the first caller's turn
        answers = await asyncio.wait_for(asyncio.gather(*callers), BOUND)
        assert order == [0, 1, 2, 3, 4]
        assert all(answer.json() == {"ok": True} for answer in answers)
        assert len(transport._turns) == 0
        assert server.connections == 1


async def test_a_free_connection_is_no_wait() -> None:
    transport = _transport(2)
    async with keep_alive_server() as server, _client(server.url, 2, transport=transport) as client:
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        turn = await asyncio.wait_for(transport.wait_turn(client.timeout.pool), 0.5)  # one slot is still free
        assert turn == {}
        assert (await client.send(client.build_request("GET", "/info", extensions=turn))).json() == {"ok": True}
        await holding.aclose()


async def test_the_turn_and_the_pool_together_wait_one_pool_timeout() -> None:
    pool = 0.5
    transport = _transport(1)
    timeout = httpx.Timeout(5.0, pool=pool)
    async with keep_alive_server() as server, _client(server.url, 1, timeout=timeout, transport=transport) as client:
        async with client.stream("GET", "/info"):  # held for the whole test
            started = time.monotonic()
            turn = await transport.wait_turn(pool)  # gives up waiting, without an error of its own
            assert aio_pool._POOL_DEADLINE in turn
            request = client.build_request("GET", "/info", extensions=turn)
            assert time.monotonic() - started >= pool * 0.9
            assert len(transport._turns) == 0  # it left the queue
            with pytest.raises(httpx.PoolTimeout):
                await client.send(request)
            assert time.monotonic() - started < 2 * pool  # the pool waited only what was left, not another 0.5 s
            assert aio_pool._POOL_DEADLINE not in request.extensions  # a retry waits a whole pool timeout


async def test_a_retried_request_waits_a_whole_pool_timeout_again() -> None:
    transport = _transport(1)
    timeout = httpx.Timeout(5.0, pool=0.3)
    async with keep_alive_server() as server, _client(server.url, 1, timeout=timeout, transport=transport) as client:
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        waiting = asyncio.ensure_future(transport.wait_turn(0.3))
        await _steps()
        await holding.aread()
        request = client.build_request("GET", "/info", extensions=await asyncio.wait_for(waiting, BOUND))
        assert aio_pool._POOL_DEADLINE in request.extensions
        assert (await client.send(request)).json() == {"ok": True}  # its first attempt took the deadline
        async with client.stream("GET", "/info"):
            started = time.monotonic()
            with pytest.raises(httpx.PoolTimeout):
                await client.send(request)  # sent again, as a retry sends it
            assert time.monotonic() - started >= 0.3 * 0.9


async def test_a_caller_cancelled_just_after_its_turn_came_passes_it_on() -> None:
    transport = _transport(1)
    order: list[int] = []
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        first = asyncio.ensure_future(_turn_then_get(client, transport, order, 0))
        second = asyncio.ensure_future(_turn_then_get(client, transport, order, 1))
        await _steps()
        await holding.aread()  # wakes `first`...
        first.cancel()  # ...which leaves in the same loop step: `second` goes instead
        with pytest.raises(asyncio.CancelledError):
            await first
        assert (await asyncio.wait_for(second, BOUND)).json() == {"ok": True}
        assert order == [1]
        assert len(transport._turns) == 0


async def test_a_caller_cancelled_while_waiting_leaves_the_queue() -> None:
    transport = _transport(1)
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        async with client.stream("GET", "/info"):
            waiting = [asyncio.ensure_future(transport.wait_turn(5.0)) for _ in range(20)]
            await _steps()
            assert len(transport._turns) == 20
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
            assert len(transport._turns) == 0


async def test_a_closed_slot_is_a_turn_too() -> None:
    transport = _transport(1)
    order: list[int] = []
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        caller = asyncio.ensure_future(_turn_then_get(client, transport, order, 0))
        await _steps()
        await holding.aclose()  # closed unread: the connection is dropped, its slot frees up
        assert (await asyncio.wait_for(caller, BOUND)).json() == {"ok": True}
        assert server.connections == 2


async def test_closing_the_pool_lets_waiting_callers_go_to_a_typed_error() -> None:
    transport = _transport(1)
    order: list[int] = []
    async with keep_alive_server() as server:
        client = _client(server.url, 1, timeout=httpx.Timeout(5.0, pool=None), transport=transport)
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        caller = asyncio.ensure_future(_turn_then_get(client, transport, order, 0))
        await _steps()
        await transport.aclose()  # the pool closes (as the client's aclose closes it) while the caller waits
        with pytest.raises(aio_pool.PoolClosedError):
            await asyncio.wait_for(caller, BOUND)
        assert order == [0]
        assert len(transport._turns) == 0
        await holding.aclose()
        await client.aclose()


class _Spied:
    """A 2-connection pool recording, per borrow, how many built requests waited in the pool and whether the
    request was marked `BUFFER_BODY`, and the most callers that waited their turn at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.transport = transport = _transport(2)
        self.queued_in_pool: list[int] = []
        self.buffered: list[object] = []
        self.peak_turns = 0
        borrow, wait_turn = transport._borrow, transport.wait_turn

        async def spied_borrow(request: httpx.Request, timeouts: dict[str, Any]) -> Any:
            self.queued_in_pool.append(len(transport._waiting))
            self.buffered.append(request.extensions.get(BUFFER_BODY))
            return await borrow(request, timeouts)

        async def spied_wait_turn(pool_timeout: float | None, deadline: float | None = None) -> dict[str, Any]:
            self.peak_turns = max(self.peak_turns, len(transport._turns) + 1)
            return await wait_turn(pool_timeout, deadline)

        monkeypatch.setattr(transport, "_borrow", spied_borrow)
        monkeypatch.setattr(transport, "wait_turn", spied_wait_turn)

    def check(self) -> None:
        assert self.peak_turns > 2  # callers did wait their turn...
        assert max(self.queued_in_pool) == 0  # ...so no built request ever waited in the pool
        assert set(self.buffered) == {True}  # and each answer is read whole in the transport


async def test_the_async_client_builds_a_request_only_when_a_connection_can_take_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spied = _Spied(monkeypatch)
    with DPATSimulator(slides=1) as dpat:
        async with AsyncDPATAIClient(dpat.url, token=dpat.token, transport=spied.transport) as client:
            assert client._lending is spied.transport
            infos = await asyncio.wait_for(
                asyncio.gather(*(client.get_image_info(dpat.slide_ids[0]) for _ in range(30))), BOUND
            )
    assert {info.id for info in infos} == {dpat.slide_ids[0]}
    spied.check()


async def test_the_async_qido_client_builds_a_request_only_when_a_connection_can_take_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spied = _Spied(monkeypatch)
    with DPATSimulator(slides=3) as dpat:
        root = f"{dpat.root_url}/dicom-web"
        async with AsyncDPATQidoClient(root, dpat.username, dpat.password, transport=spied.transport) as qido:
            assert qido._lending is spied.transport
            found = await asyncio.wait_for(asyncio.gather(*(qido.search_studies() for _ in range(30))), BOUND)
    assert {len(result) for result in found} == {len({dpat.slide(s).study_instance_uid for s in dpat.slide_ids})}
    spied.check()


async def test_a_qido_client_over_another_transport_waits_no_turn() -> None:
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    async with AsyncDPATQidoClient("http://qido.test/dicom-web", transport=mock) as over_mock:
        assert over_mock._lending is None
        assert len(await over_mock.search_studies()) == 0
    async with AsyncDPATQidoClient("http://qido.test/dicom-web") as default:
        assert isinstance(default._lending, aio_pool.LendingTransport)


async def test_a_client_over_another_transport_waits_no_turn() -> None:
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    async with AsyncDPATAIClient("http://dpat.test/api", token="t", transport=mock) as over_mock:
        assert over_mock._lending is None
    async with AsyncDPATAIClient("http://dpat.test/api", token="t") as default:
        assert isinstance(default._lending, aio_pool.LendingTransport)


async def test_a_wake_up_its_caller_never_used_goes_to_the_next_caller() -> None:
    transport = _transport(1)
    async with keep_alive_server() as server, _client(server.url, 1, transport=transport) as client:
        holding = await client.send(client.build_request("GET", "/info"), stream=True)
        first = asyncio.ensure_future(transport.wait_turn(5.0))
        second = asyncio.ensure_future(transport.wait_turn(5.0))
        await _steps()
        await holding.aread()  # the connection comes back: `first` is woken
        turn = await asyncio.wait_for(first, BOUND)
        await _steps()
        assert not second.done()  # one wake-up for one connection
        transport.end_turn(turn)  # its call failed before it sent anything
        started = time.monotonic()
        await asyncio.wait_for(second, BOUND)
        assert time.monotonic() - started < 1.0  # passed on, not left to its 5 s pool timeout
        transport.end_turn(turn)  # ending it twice passes nothing more
        assert len(transport._turns) == 0


async def test_a_call_that_fails_before_sending_passes_its_turn_on(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = _transport(1)
    with DPATSimulator(slides=1) as dpat:
        async with AsyncDPATAIClient(dpat.url, token=dpat.token, transport=transport) as client:
            await client.get_info()
            build = client._http.build_request
            built = [0]

            def failing_second(*args: Any, **kwargs: Any) -> httpx.Request:
                built[0] += 1
                if built[0] == 2:
                    raise RuntimeError("cannot build this one")
                return build(*args, **kwargs)

            monkeypatch.setattr(client._http, "build_request", failing_second)
            slide = dpat.slide_ids[0]
            started = time.monotonic()
            results = await asyncio.wait_for(
                asyncio.gather(*(client.get_image_info(slide) for _ in range(3)), return_exceptions=True), BOUND
            )
            assert time.monotonic() - started < 5.0  # the pool timeout is 10 s: nobody waited it out
    assert [type(result).__name__ for result in results] == ["ImageInfo", "RuntimeError", "ImageInfo"]
    assert len(transport._turns) == 0


async def test_the_bootstrap_calls_never_wait_a_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = _transport(2)
    waited: list[str] = []
    wait_turn = transport.wait_turn

    async def spied(pool_timeout: float | None, deadline: float | None = None) -> dict[str, Any]:
        waited.append("turn")
        return await wait_turn(pool_timeout, deadline)

    monkeypatch.setattr(transport, "wait_turn", spied)
    with DPATSimulator(slides=1) as dpat:
        async with AsyncDPATAIClient(dpat.url, token=dpat.token, transport=transport) as client:
            await client.get_info()
            assert waited == []  # /info (as /token and /launchdata): other callers may hold turns waiting for it
            await client.get_image_info(dpat.slide_ids[0])
            assert waited == ["turn"]


async def test_the_deadline_counts_the_wait_for_a_turn() -> None:
    from sectra_dpat_client._core.errors import DPATTimeoutError
    from sectra_dpat_client._core.limits import AnswerLimits

    transport = _transport(1)
    with DPATSimulator(slides=1) as dpat:
        async with AsyncDPATAIClient(
            dpat.url, token=dpat.token, transport=transport, limits=AnswerLimits(deadline=1.0)
        ) as client:
            await client.get_info()
            holding = await client._http.send(client._http.build_request("GET", "info"), stream=True)  # not read
            started = time.monotonic()
            with pytest.raises(DPATTimeoutError):
                await client.get_image_info(dpat.slide_ids[0])
            assert time.monotonic() - started < 1.6  # one deadline from the turn's start (not two, not the pool's 10 s)
            assert len(transport._turns) == 0
            await holding.aclose()
