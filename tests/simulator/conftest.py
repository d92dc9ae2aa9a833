"""Fixtures: a started simulator on 127.0.0.1 and an httpx client carrying its bearer token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sectra_dpat_client.simulator import DPATSimulator


@pytest.fixture
def sim() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=3) as simulator:
        yield simulator


@pytest.fixture
def http(sim: DPATSimulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {sim.token}"}
    with httpx.Client(base_url=sim.url, headers=headers, timeout=httpx.Timeout(30.0)) as client:
        yield client
