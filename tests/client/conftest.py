"""Fixtures: a DPAT simulator on 127.0.0.1 and clients of both kinds that retry without waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from sectra_dpat_client._http import RetryPolicy
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.simulator import DPATSimulator

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


def seen(dpat: DPATSimulator, route: str = "*", method: str = "*") -> int:
    """How many requests matching ``route`` (operationId, path template or ``*``) the simulator answered."""
    return dpat.request_count(route, method)
