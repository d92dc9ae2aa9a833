"""Fixtures shared by every test package: IA-API clients of both kinds on the package's ``dpat`` simulator.

A package provides ``dpat`` (a `DPATSimulator`, configured as its tests need) and may override
``fast_retry`` (the retry policy of the clients; retries here never wait).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.simulator import DPATSimulator

FAST_RETRY = RetryPolicy(backoff_factor=0.0, jitter=False, max_backoff=0.05)


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return FAST_RETRY


@pytest.fixture
def client(dpat: DPATSimulator, fast_retry: RetryPolicy) -> Iterator[DPATAIClient]:
    with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=fast_retry) as ai_client:
        yield ai_client


@pytest.fixture
async def aclient(dpat: DPATSimulator, fast_retry: RetryPolicy) -> AsyncIterator[AsyncDPATAIClient]:
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=fast_retry) as ai_client:
        yield ai_client
