"""Pixel <-> normalised coordinates and keyhole rings that draw their holes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from sectra_dpat_client.errors import DPATQueryError
from sectra_dpat_client.geometry import (
    PixelFrame,
    keyhole_ring,
    normalized_to_pixels,
    pixels_to_normalized,
    rasterize_rings,
)
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

SLIDE = DeepZoomGeometry(width=40_000, height=30_000, tile_width=256, tile_height=256, microns_per_pixel=0.25)


@settings(max_examples=200, deadline=None)
@given(
    level=st.integers(0, SLIDE.top_level),
    points=st.lists(st.tuples(st.floats(0, 40_000), st.floats(0, 30_000)), min_size=1, max_size=20),
)
def test_normalised_pixel_round_trip_is_exact(level: int, points: list[tuple[float, float]]) -> None:
    pixels = np.asarray(points) / SLIDE.downsample(level)
    normalised = pixels_to_normalized(SLIDE, pixels, level)
    assert np.allclose(normalized_to_pixels(SLIDE, normalised, level), pixels, rtol=0, atol=1e-9)


def test_convention_full_resolution_and_levels() -> None:
    full = PixelFrame.of(SLIDE)
    assert full.level == SLIDE.top_level
    # the right edge of the last pixel is x = 1; y is normalised by the width too
    assert full.to_normalized([[40_000, 30_000]]).tolist() == [[1.0, 0.75]]
    # the centre of pixel (0, 0) one level down spans two full-resolution pixels
    half = PixelFrame.of(SLIDE, SLIDE.top_level - 1)
    assert half.to_normalized([[0.5, 0.5]]).tolist() == [[1 / 40_000, 1 / 40_000]]
    with pytest.raises(DPATQueryError):
        PixelFrame.of(SLIDE, SLIDE.top_level + 1)


@pytest.mark.parametrize("level", [SLIDE.top_level, SLIDE.top_level - 3])
def test_scaled_in_place_gives_the_same_numbers_into_the_same_array(level: int) -> None:
    frame = PixelFrame.of(SLIDE, level)
    pixels = np.random.default_rng(level).uniform(0, 5_000, (100, 2))
    expected = frame.scaled(pixels)
    scaled = frame.scaled(pixels, in_place=True)
    assert scaled is pixels
    assert np.array_equal(scaled, expected)


def test_keyhole_ring_draws_the_holes_by_both_rules() -> None:
    polygon = Polygon(
        box(2, 2, 58, 38).exterior.coords,
        [box(10, 10, 20, 20).exterior.coords, box(30, 12, 50, 30).exterior.coords[::-1]],
    )
    ring = keyhole_ring(polygon)
    drawn = rasterize_rings([[ring]], (60, 40))
    expected = rasterize_rings([[np.asarray(r.coords) for r in (polygon.exterior, *polygon.interiors)]], (60, 40))
    assert drawn.sum() == int(polygon.area)
    assert (drawn == expected).all()
    # non-zero rule: the hole is wound the other way (signed area of the ring = polygon area)
    x, y = ring[:, 0], ring[:, 1]
    assert 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) == pytest.approx(polygon.area)
    assert drawn[15, 15] == 0
    assert drawn[5, 5] == 1
