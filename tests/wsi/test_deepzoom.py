"""Deep Zoom level math and coordinate conversion."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sectra_dpat_client.simulator import synthetic
from sectra_dpat_client.simulator.store import Slide
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry, PixelBox


def geometry(width: int = 20_000, height: int = 15_000, tile: int = 256, mpp: float | None = 0.25) -> DeepZoomGeometry:
    return DeepZoomGeometry(width, height, tile, tile, mpp)


def test_levels_of_a_typical_slide() -> None:
    g = geometry()
    assert g.top_level == 15  # 2**15 = 32768 >= 20000 > 2**14
    assert g.level_count == 16
    assert g.level_size(15) == (20_000, 15_000)
    assert g.level_size(14) == (10_000, 7_500)
    assert g.level_size(13) == (5_000, 3_750)
    assert g.level_size(0) == (1, 1)
    assert g.tile_grid(15) == (79, 59)
    assert g.tile_grid(0) == (1, 1)
    assert g.mpp(15) == 0.25
    assert g.mpp(13) == 1.0
    assert g.downsample(10) == 32


def test_from_image_info() -> None:
    info = SimpleNamespace(
        image_size=SimpleNamespace(width=1000, height=513),
        tile_size=SimpleNamespace(width=240, height=240),
        microns_per_pixel=0.5,
    )
    g = DeepZoomGeometry.from_image_info(info)
    assert (g.width, g.height, g.tile_width, g.tile_height, g.microns_per_pixel) == (1000, 513, 240, 240, 0.5)
    assert g.level_size(9) == (500, 256)
    assert g.tile_box(10, 4, 2) == PixelBox(960, 480, 40, 33)


@given(width=st.integers(1, 300_000), height=st.integers(1, 300_000), tile=st.integers(1, 1024))
def test_geometry_matches_the_simulator_and_the_spec_formula(width: int, height: int, tile: int) -> None:
    g = DeepZoomGeometry(width, height, tile, tile)
    assert g.top_level == (math.ceil(math.log2(max(width, height))) if max(width, height) > 1 else 0)
    slide = Slide(id="s", width=width, height=height, tile_size=tile)
    assert g.top_level == synthetic.top_level(width, height)
    for level in {0, 1, g.top_level // 2, g.top_level - 1, g.top_level} & set(range(g.level_count)):
        assert g.level_size(level) == synthetic.level_size(width, height, level)
        cols, rows = g.tile_grid(level)
        last = synthetic.tile_geometry(slide, level, cols - 1, rows - 1)
        assert last is not None
        assert synthetic.tile_geometry(slide, level, cols, 0) is None
        assert synthetic.tile_geometry(slide, level, 0, rows) is None
        box = g.tile_box(level, cols - 1, rows - 1)
        assert (box.x, box.y, box.width, box.height) == (last.x, last.y, last.width, last.height)


def test_tiles_in_a_box() -> None:
    g = geometry(1000, 700, 256)
    assert list(g.tiles_in(10, PixelBox(0, 0, 10, 10))) == [(0, 0)]
    assert list(g.tiles_in(10, PixelBox(250, 250, 10, 10))) == [(0, 0), (1, 0), (0, 1), (1, 1)]
    assert list(g.tiles_in(10, PixelBox(256, 0, 256, 1))) == [(1, 0)]
    assert list(g.tiles_in(10, PixelBox(-50, -50, 60, 60))) == [(0, 0)]
    assert list(g.tiles_in(10, PixelBox(990, 690, 500, 500))) == [(3, 2)]
    assert list(g.tiles_in(10, PixelBox(1000, 0, 5, 5))) == []


def test_level_choice_by_mpp_and_size() -> None:
    g = geometry()
    assert g.level_for_mpp(0.25) == 15
    assert g.level_for_mpp(0.1) == 15
    assert g.level_for_mpp(0.5) == 14
    assert g.level_for_mpp(0.7) == 14  # never coarser than asked
    assert g.level_for_mpp(1.0) == 13
    assert g.level_for_mpp(1e9) == 0
    assert g.level_for_size(1) == 0
    assert g.level_for_size(512) == 10  # level 10 is 625x468
    assert max(g.level_size(10)) >= 512 > max(g.level_size(9))
    assert g.level_for_size(10**6) == 15


def test_normalised_coordinates_use_the_width_for_both_axes() -> None:
    g = geometry(2000, 1000)
    assert g.to_normalized(2000, 1000) == (1.0, 0.5)
    assert g.from_normalized(1.0, 0.5) == (2000, 1000)
    assert g.to_normalized(500, 250, level=g.top_level - 1) == (0.5, 0.25)
    assert g.from_normalized(0.5, 0.25, level=g.top_level - 2) == (250, 125)
    assert g.from_normalized(*g.to_normalized(123.5, 456.25)) == pytest.approx((123.5, 456.25))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: DeepZoomGeometry(0, 1, 1, 1), "image size"),
        (lambda: DeepZoomGeometry(1, 1, 0, 1), "tile size"),
        (lambda: DeepZoomGeometry(1, 1, 1, 1, float("nan")), "microns per pixel"),
        (lambda: geometry().level_size(16), "level 16 does not exist"),
        (lambda: geometry().level_size(-1), "level -1 does not exist"),
        (lambda: geometry().tile_box(15, 79, 0), r"tile \(79, 0\) does not exist"),
        (lambda: geometry(mpp=None).mpp(3), "no micronsPerPixel"),
        (lambda: geometry().level_for_mpp(0), "mpp must be a positive number"),
        (lambda: geometry().level_for_size(0), "max_size"),
    ],
)
def test_bad_arguments_name_what_is_wrong(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
