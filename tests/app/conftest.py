"""Fixtures: both answer forms of the DPAT simulator, for the app tests that talk to it.

``nulls`` is parametrized: ``omitted`` (absent optional properties left out) and ``nulls`` (written as
null, as .NET DPAT servers do). Only tests that start a simulator take it, so unit tests run once.
"""

from __future__ import annotations

import pytest


@pytest.fixture(params=[False, True], ids=["omitted", "nulls"])
def nulls(request: pytest.FixtureRequest) -> bool:
    """True when the simulator writes explicit nulls for every absent optional property."""
    return bool(request.param)
