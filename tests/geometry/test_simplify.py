"""The ``simplify`` argument: zero means no simplification, a bad tolerance is a typed error (never a hang)."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from shapely.geometry import Point

from sectra_dpat_client.geometry import DPATGeometryError, PointBudgetExceededError, from_shapely
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

SLIDE = DeepZoomGeometry(width=2000, height=1500, tile_width=256, tile_height=256)
DISC = Point(500, 500).buffer(200, quad_segs=64)  # 257 points


@pytest.fixture(autouse=True)
def _no_hang() -> Iterator[None]:
    """Fail (instead of hanging the run) when a call loops: SIGALRM after 20 s."""

    def _raise(signum: int, frame: object) -> None:
        raise TimeoutError("from_shapely did not return within 20 s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("zero", [0, 0.0])
def test_zero_tolerance_means_no_simplification(zero: float) -> None:
    """Over budget with ``simplify=0`` raises the budget error (looped forever before: 0 * 2 stays 0)."""
    with pytest.raises(PointBudgetExceededError) as raised:
        from_shapely(SLIDE, [DISC], max_points=100, simplify=zero)
    assert raised.value.points == 256
    assert len(from_shapely(SLIDE, [DISC], simplify=zero)[0].polygons[0]) == 256  # within budget: unchanged


@pytest.mark.parametrize("bad", [-1.0, -0.5, float("nan"), float("inf"), float("-inf")])
def test_bad_tolerance_is_a_typed_error_naming_it(bad: float) -> None:
    """A negative or non-finite tolerance is a DPATGeometryError naming ``simplify`` (raw GEOSException before)."""
    with pytest.raises(DPATGeometryError, match="simplify"):
        from_shapely(SLIDE, [DISC], max_points=100, simplify=bad)


def test_positive_tolerance_still_simplifies_to_the_budget() -> None:
    """A positive tolerance doubles until the content fits."""
    batches = from_shapely(SLIDE, [DISC], max_points=100, simplify=0.25)
    assert 3 <= len(batches[0].polygons[0]) <= 100
