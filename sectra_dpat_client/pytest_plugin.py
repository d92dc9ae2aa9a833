"""pytest plugin (entry point ``pytest11``): the ``dpat_simulator`` fixture for users' tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .simulator import DPATSimulator

__all__ = ["dpat_simulator"]


@pytest.fixture
def dpat_simulator() -> Iterator[DPATSimulator]:
    """A fresh DPAT simulator serving on 127.0.0.1 for the duration of one test."""
    from .simulator import DPATSimulator

    with DPATSimulator() as simulator:
        yield simulator
