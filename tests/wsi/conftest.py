"""Fixtures: an empty DPAT simulator on 127.0.0.1; the clients (tests/conftest.py) try three times."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.simulator import DPATSimulator

FAST_RETRY = RetryPolicy(attempts=3, backoff_factor=0.0, jitter=False, max_backoff=0.05)


@pytest.fixture(params=[False, True], ids=["omitted", "nulls"])
def dpat(request: pytest.FixtureRequest) -> Iterator[DPATSimulator]:
    """Both answer forms: absent optional properties left out, and written as null (.NET)."""
    with DPATSimulator(slides=0, nulls=request.param) as simulator:
        yield simulator


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return FAST_RETRY
