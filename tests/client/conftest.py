"""Fixtures: a DPAT simulator with three slides on 127.0.0.1, and request counting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sectra_dpat_client.simulator import DPATSimulator
from tests.conftest import FAST_RETRY

__all__ = ["FAST_RETRY", "seen"]


@pytest.fixture(params=[False, True], ids=["omitted", "nulls"])
def dpat(request: pytest.FixtureRequest) -> Iterator[DPATSimulator]:
    """Both answer forms: absent optional properties left out, and written as null (.NET)."""
    with DPATSimulator(slides=3, nulls=request.param) as simulator:
        yield simulator


def seen(dpat: DPATSimulator, route: str = "*", method: str = "*") -> int:
    """How many requests matching ``route`` (operationId, path template or ``*``) the simulator answered."""
    return dpat.request_count(route, method)
