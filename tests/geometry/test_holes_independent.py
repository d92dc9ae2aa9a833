"""Holes checked by an independent rasteriser: OpenCV fills the keyhole rings a result carries."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from sectra_dpat_client.geometry import PixelFrame, from_mask, from_shapely
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

cv2 = pytest.importorskip("cv2")

SLIDE = DeepZoomGeometry(width=3200, height=2400, tile_width=256, tile_height=256)
LEVEL = SLIDE.top_level - 4  # 200 x 150
SHIFT = 8  # OpenCV's fixed-point bits: sub-pixel vertices


def _fill(rings: list[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """OpenCV's fill of ``rings`` (pixel coordinates, pixel (c, r) covering [c, c+1) x [r, r+1))."""
    canvas = np.zeros((size[1], size[0]), dtype=np.uint8)
    # OpenCV puts pixel centres at integers: shift by -0.5, then to fixed point
    fixed = [np.round((ring - 0.5) * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2) for ring in rings]
    cv2.fillPoly(canvas, fixed, 1, lineType=cv2.LINE_8, shift=SHIFT)
    return canvas


def _compare(polygon: shapely.geometry.base.BaseGeometry, rings: list[np.ndarray], size: tuple[int, int]) -> None:
    """Away from every drawn edge (bridges included: OpenCV draws the outline too), fill == inside."""
    drawn = _fill(rings, size)
    cols, rows = np.meshgrid(np.arange(size[0]) + 0.5, np.arange(size[1]) + 0.5)
    inside = shapely.contains_xy(polygon, cols, rows)
    outlines = shapely.union_all([LineString(np.vstack([r, r[:1]])) for r in rings])
    far = ~shapely.dwithin(outlines, shapely.points(cols, rows), 1.0)
    assert far.sum() > 0.8 * far.size
    assert (drawn.astype(bool)[far] == inside[far]).all()
    assert inside[far].any()
    assert (~inside[far]).any()


def test_opencv_fills_the_keyhole_rings_of_a_polygon_with_holes() -> None:
    frame = PixelFrame.of(SLIDE, LEVEL)
    holes = [box(20, 20, 50, 60), Point(120, 70).buffer(25), box(70, 100, 170, 120)]
    polygon = Polygon(box(5, 5, 195, 145).exterior.coords, [h.exterior.coords for h in holes])
    (batch,) = from_shapely(SLIDE, [polygon], level=LEVEL)
    rings = [frame.to_pixels(ring) for ring in batch.polygons]
    assert len(rings) == 1  # one keyhole ring carries all three holes
    _compare(polygon, rings, frame.size)
    drawn = _fill(rings, frame.size)
    assert drawn[40, 35] == 0  # inside each hole
    assert drawn[70, 120] == 0
    assert drawn[110, 120] == 0
    assert drawn[10, 100] == 1  # inside the shell


def test_opencv_fills_a_mask_with_nested_islands_like_the_mask() -> None:
    mask = np.zeros((150, 200), dtype=np.uint8)
    mask[10:140, 10:190] = 1
    mask[30:120, 30:170] = 0  # a hole ...
    mask[50:100, 60:140] = 1  # ... with an island in it ...
    mask[65:85, 90:110] = 0  # ... with a hole of its own
    frame = PixelFrame.of(SLIDE, LEVEL)
    (batch,) = from_mask(SLIDE, mask, level=LEVEL)
    rings = [frame.to_pixels(ring) for ring in batch.polygons]
    assert len(rings) == 2  # the outer shape and the island, each one keyhole ring
    drawn = _fill(rings, frame.size)
    expected = mask.astype(bool)
    polygon = shapely.union_all([box(c, r, c + 1, r + 1) for r, c in zip(*np.nonzero(mask), strict=True)])
    _compare(polygon, rings, frame.size)
    interior = cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(bool)  # a pixel and its 8 neighbours in the mask
    assert drawn[interior].all()
    assert drawn[75, 100] == expected[75, 100] == 0  # the island's hole
    assert drawn[40, 40] == expected[40, 40] == 0  # the outer shape's hole


def test_the_check_catches_rings_that_drop_the_holes() -> None:
    """The comparison itself: the bare shell (holes not drawn) fails it."""
    frame = PixelFrame.of(SLIDE, LEVEL)
    polygon = Polygon(box(5, 5, 195, 145).exterior.coords, [box(20, 20, 80, 80).exterior.coords])
    with pytest.raises(AssertionError):
        _compare(polygon, [np.asarray(polygon.exterior.coords)[:-1]], frame.size)
