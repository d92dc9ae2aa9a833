"""A request whose whole body is read at once (``BUFFER_BODY``, as every non-streamed IA-API call) gets a body
that came in with its head in memory, and its connection back in the pool before the caller reads it; a body
still arriving, a malformed one and a streamed request keep the connection until their end."""

from __future__ import annotations

import asyncio
import gzip

import httpx
import pytest

from sectra_dpat_client._core import aio_pool
from sectra_dpat_client._core.errors import DPATResponseError
from sectra_dpat_client._core.http import build_async_client
from sectra_dpat_client._core.limits import AnswerLimits
from sectra_dpat_client._core.transports import BUFFER_BODY
from tests.core.test_async_pool import BODY, BOUND, OK, _client, _transport, answering


async def _whole(writer: asyncio.StreamWriter) -> None:
    writer.write(OK)


def _buffered(client: httpx.AsyncClient) -> httpx.Request:
    return client.build_request("GET", "/info", extensions={BUFFER_BODY: True})


async def test_a_body_that_came_with_its_head_frees_the_connection_before_it_is_read() -> None:
    transport = _transport(1)
    async with answering(_whole) as (url, connections), _client(url, 1, transport=transport) as client:
        answer = await client.send(_buffered(client), stream=True)
        assert len(transport._idle) == 1
        assert not transport._lent
        second = await asyncio.wait_for(client.send(_buffered(client)), BOUND)  # one connection: no wait
        assert second.json() == {"ok": True}
        assert await answer.aread() == BODY
        assert connections == [1]


async def test_a_streamed_request_keeps_its_connection_until_its_body_is_read() -> None:
    transport = _transport(1)
    async with answering(_whole) as (url, _), _client(url, 1, transport=transport) as client:
        for extensions in ({}, {BUFFER_BODY: False}):
            answer = await client.send(client.build_request("GET", "/info", extensions=extensions), stream=True)
            assert len(transport._lent) == 1
            assert not transport._idle
            assert await answer.aread() == BODY
            assert len(transport._idle) == 1


async def test_a_body_still_arriving_is_read_whole_with_what_came_first() -> None:
    released = asyncio.Event()

    async def split(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n" + BODY[:5])
        await writer.drain()
        await released.wait()
        writer.write(BODY[5:])

    transport = _transport(1)
    async with answering(split) as (url, connections), _client(url, 1, transport=transport) as client:
        answer = await client.send(_buffered(client), stream=True)
        assert len(transport._lent) == 1  # the rest is still to come: the connection stays lent
        released.set()
        assert await asyncio.wait_for(answer.aread(), BOUND) == BODY
        assert len(transport._idle) == 1
        assert (await client.send(_buffered(client))).json() == {"ok": True}
        assert connections == [1]


async def test_a_malformed_body_fails_as_it_is_read_and_its_connection_is_dropped() -> None:
    async def bad_chunk(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n")

    transport = _transport(1)
    async with answering(bad_chunk) as (url, _), _client(url, 1, transport=transport) as client:
        answer = await client.send(_buffered(client), stream=True)
        assert answer.status_code == 200  # the head is fine: the error belongs to the body
        parts: list[bytes] = []
        raw = answer.aiter_raw()
        parts.append(await anext(raw))
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await anext(raw)
        assert parts == [b"hello"]  # what came before the error is not lost
        assert "chunk" in str(caught.value).lower()
        assert caught.value.request is not None
        assert not transport._lent
        assert not transport._idle
        assert transport._count == 0


async def test_an_in_memory_body_still_meets_the_answer_limits() -> None:
    packed = gzip.compress(b'{"pad": "' + b"x" * 5000 + b'"}')

    async def gzipped(writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            + f"Content-Length: {len(packed)}\r\n\r\n".encode()
            + packed
        )

    async with answering(gzipped) as (url, _):
        async with build_async_client(url) as roomy:
            answer = await roomy.send(_buffered(roomy))
            assert len(answer.json()["pad"]) == 5000  # decoded by the limits layer, as any answer
        async with build_async_client(url, limits=AnswerLimits(json_bytes=1000)) as tight:
            with pytest.raises(DPATResponseError, match="json_bytes"):
                await tight.send(_buffered(tight))


async def test_the_ia_api_client_marks_its_non_streamed_calls_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from sectra_dpat_client.ai import AsyncDPATAIClient
    from sectra_dpat_client.simulator import DPATSimulator

    marks: list[object] = []
    handle = aio_pool.LendingTransport.handle_async_request

    async def spied(self: aio_pool.LendingTransport, request: httpx.Request) -> httpx.Response:
        marks.append(request.extensions.get(BUFFER_BODY))
        return await handle(self, request)

    monkeypatch.setattr(aio_pool.LendingTransport, "handle_async_request", spied)
    with DPATSimulator(slides=1) as dpat:
        async with AsyncDPATAIClient(dpat.url, token=dpat.token) as client:
            info = await client.get_image_info(dpat.slide_ids[0])
    assert info.id == dpat.slide_ids[0]
    assert marks == [True, True]  # the version probe and the call


async def test_a_caller_woken_for_the_connection_sends_before_the_answer_is_handed_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer's connection goes to the caller waiting its turn, whose request leaves first; only then does
    the answer go on up to its own caller (one pass of the event loop later)."""
    events: list[str] = []
    send = aio_pool._Connection.send

    async def spied_send(
        connection: aio_pool._Connection, request: httpx.Request, timeouts: dict[str, object]
    ) -> object:
        events.append(f"sent {request.url.params['n']}")
        return await send(connection, request, timeouts)

    monkeypatch.setattr(aio_pool._Connection, "send", spied_send)
    transport = _transport(1)

    async def call(n: int, turn: bool) -> None:
        extensions = await transport.wait_turn(client.timeout.pool) if turn else {}
        request = client.build_request("GET", "/info", params={"n": n}, extensions={BUFFER_BODY: True, **extensions})
        answer = await client.send(request)
        events.append(f"answered {n}")
        assert answer.content == BODY

    async with answering(_whole) as (url, _), _client(url, 1, transport=transport) as client:
        first = asyncio.ensure_future(call(1, turn=False))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(call(2, turn=True))  # the one connection is lent: it waits its turn
        await asyncio.wait_for(asyncio.gather(first, second), BOUND)
    assert events == ["sent 1", "sent 2", "answered 1", "answered 2"]
