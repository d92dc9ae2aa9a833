"""Token renewal when connections are scarce: a 401 must not keep the connection the renewal needs.

Over real loopback HTTP against the simulator, with pools small enough that every connection is taken by
a request that got 401. Each scenario is bounded (``asyncio.wait_for`` / thread joins) so a deadlock
fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from sectra_dpat_client._core.aio_pool import LendingTransport
from sectra_dpat_client._core.http import RetryPolicy, build_async_client, build_client, default_ssl_context
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient, Result
from sectra_dpat_client.errors import DPATTimeoutError
from sectra_dpat_client.simulator import DPATSimulator
from tests.client.conftest import seen

from .conftest import FAST

BOUND = 30.0  # seconds: far beyond a healthy run, short of a hung suite
SHORT_POOL = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=0.5)


def _async_pool(connections: int) -> httpx.AsyncBaseTransport:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return LendingTransport(limits, default_ssl_context())


def _sync_http(dpat: DPATSimulator, connections: int) -> httpx.Client:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return build_client(dpat.url, transport=httpx.HTTPTransport(limits=limits), retry=FAST, timeout=SHORT_POOL)


@pytest.mark.parametrize("slots", [1, 2])
async def test_async_401s_holding_every_slot_still_renew(dpat: DPATSimulator, slots: int) -> None:
    """The reviewer's case: as many concurrent result writes as slots, all answered 401."""
    http = build_async_client(dpat.url, transport=_async_pool(slots), retry=FAST)
    client = AsyncDPATAIClient.from_credentials(dpat.url, dpat.app_id, dpat.username, dpat.password, http_client=http)
    async with http, client:
        await client.get_info()
        dpat.advance_clock(10_000)  # the server now rejects the token the client believes fresh
        writes = [client.create_results(Result(slideId=dpat.slide_ids[0])) for _ in range(slots)]
        created = await asyncio.wait_for(asyncio.gather(*writes), BOUND)
    assert len({result.id for result in created}) == slots
    assert seen(dpat, "createToken") == 2  # one login, one renewal shared by every rejected call
    assert [r.status for r in dpat.requests if r.operation_id == "createResult"].count(401) == slots


@pytest.mark.parametrize("threads", [1, 2])
def test_sync_401s_holding_every_connection_still_renew(dpat: DPATSimulator, threads: int) -> None:
    """Writes (not read inside the transport like GETs) answered 401 on every connection of the pool."""
    http = _sync_http(dpat, threads)
    client = DPATAIClient.from_credentials(dpat.url, dpat.app_id, dpat.username, dpat.password, http_client=http)
    outcomes: list[object] = []
    with http, client:
        client.get_info()
        dpat.advance_clock(10_000)

        def work() -> None:
            try:
                outcomes.append(client.create_results(Result(slideId=dpat.slide_ids[0])).slide_id)
            except Exception as exc:  # reported below, with the others
                outcomes.append(exc)

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(BOUND)
    assert outcomes == [dpat.slide_ids[0]] * threads
    assert seen(dpat, "createToken") == 2
    assert len(dpat.results) == threads


async def test_the_async_pool_waits_no_longer_than_the_pool_timeout(dpat: DPATSimulator) -> None:
    timeout = httpx.Timeout(5.0, pool=0.2)
    no_retry = RetryPolicy(attempts=1)
    http = build_async_client(dpat.url, transport=_async_pool(1), retry=no_retry, timeout=timeout)
    bearer = {"Authorization": f"Bearer {dpat.token}"}
    async with http, http.stream("GET", "/info", headers=bearer) as holding:  # the only slot, until closed
        assert holding.status_code == 200
        with pytest.raises(httpx.PoolTimeout):
            await asyncio.wait_for(http.get("/info", headers=bearer), BOUND)
    assert seen(dpat, "getServerInfo") == 1


async def test_a_full_async_pool_is_a_typed_timeout_for_the_ai_client(dpat: DPATSimulator) -> None:
    timeout = httpx.Timeout(5.0, pool=0.2)
    http = build_async_client(dpat.url, transport=_async_pool(1), retry=FAST, timeout=timeout)
    client = AsyncDPATAIClient(dpat.url, token=dpat.token, api_version="1.10", http_client=http)
    async with http, client:
        async with http.stream("GET", "/info"):
            with pytest.raises(DPATTimeoutError, match="no answer in time"):
                await asyncio.wait_for(client.get_image_info(dpat.slide_ids[0]), BOUND)
        assert (await client.get_image_info(dpat.slide_ids[0])).id == dpat.slide_ids[0]  # the slot came back
