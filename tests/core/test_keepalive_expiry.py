"""Idle connections are kept `KEEPALIVE_EXPIRY` seconds by the sync and the async client; one the server closed
meanwhile (without saying so in its answer) is seen closed when taken and replaced, with no retry needed."""

from __future__ import annotations

import asyncio
import time

from sectra_dpat_client._core.http import (
    DEFAULT_LIMITS,
    KEEPALIVE_EXPIRY,
    RetryPolicy,
    build_async_client,
    build_client,
    default_async_transport,
)
from tests.reliability.rawserver import Behaviour, raw_server

NO_RETRY = RetryPolicy(attempts=1)
# answered, then the connection closed by the server without "Connection: close" (as a server's idle timeout does)
KEPT_THEN_CLOSED = Behaviour("respond", headers={"Connection": "keep-alive"}, body=b'{"ok": true}')


def test_both_clients_keep_idle_connections_for_the_same_time() -> None:
    assert KEEPALIVE_EXPIRY > 5.0  # longer than httpx's default: bursts a few seconds apart reuse connections
    assert DEFAULT_LIMITS.keepalive_expiry == KEEPALIVE_EXPIRY
    assert default_async_transport()._expiry == KEEPALIVE_EXPIRY


def test_the_sync_client_replaces_a_connection_the_server_closed_while_idle() -> None:
    with raw_server([KEPT_THEN_CLOSED], info=None) as server, build_client(server.url, retry=NO_RETRY) as client:
        assert client.post("/one").json() == {"ok": True}
        time.sleep(0.2)  # the server's FIN arrives
        assert client.post("/two").json() == {"ok": True}  # not sent on the closed one: no retry allowed
        assert server.request_lines() == ["POST /one HTTP/1.1", "POST /two HTTP/1.1"]


async def test_the_async_client_replaces_a_connection_the_server_closed_while_idle() -> None:
    with raw_server([KEPT_THEN_CLOSED], info=None) as server:
        async with build_async_client(server.url, retry=NO_RETRY) as client:
            assert (await client.post("/one")).json() == {"ok": True}
            await asyncio.sleep(0.2)
            assert (await client.post("/two")).json() == {"ok": True}
        assert server.request_lines() == ["POST /one HTTP/1.1", "POST /two HTTP/1.1"]
