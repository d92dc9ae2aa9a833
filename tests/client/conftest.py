"""Fixtures: a DPAT simulator on 127.0.0.1 and clients of both kinds that retry without waiting."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sectra_dpat_client._http import RetryPolicy
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.simulator import DPATSimulator, Fault, FaultKind, RequestRecord

FAST_RETRY = RetryPolicy(backoff_factor=0.0, jitter=False, max_backoff=0.05)


@pytest.fixture
def dpat() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=3) as simulator:
        yield simulator


@pytest.fixture
def client(dpat: DPATSimulator) -> Iterator[DPATAIClient]:
    with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST_RETRY) as ai_client:
        yield ai_client


@pytest.fixture
async def aclient(dpat: DPATSimulator) -> AsyncIterator[AsyncDPATAIClient]:
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST_RETRY) as ai_client:
        yield ai_client


_BARRIER = "/__client_tests_barrier__"


def settled(dpat: DPATSimulator) -> list[RequestRecord]:
    """The simulator's request log once every earlier request is in it.

    The simulator appends a record after it sent the response, so a client can hold the answer
    before the record exists. A barrier request (an unknown path, answered 404) is sent and waited
    for: the server handles requests in order on one event loop, so once the barrier is logged,
    every request answered before it is logged too.
    """
    before = sum(1 for r in dpat.requests if r.path == _BARRIER)
    httpx.get(dpat.url + _BARRIER, timeout=5.0)
    deadline = time.monotonic() + 5.0
    while sum(1 for r in dpat.requests if r.path == _BARRIER) <= before:
        if time.monotonic() > deadline:
            raise AssertionError("the simulator did not log the barrier request")
        time.sleep(0.002)
    return [r for r in dpat.requests if r.path != _BARRIER]


def seen(dpat: DPATSimulator, route: str = "*", method: str = "*") -> int:
    """How many requests matching ``route`` the simulator saw (barrier requests left out)."""
    probe = Fault(FaultKind.LATENCY, route, method.upper())
    return sum(1 for r in settled(dpat) if probe.matches(r.method, r.operation_id, r.template))
