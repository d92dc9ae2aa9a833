"""Simple polygons take the packed path; its bytes equal the general path's for the same rings."""

from __future__ import annotations

import orjson
import pytest
import shapely

pytest.importorskip("cv2")

from sectra_dpat_client.ai import PrimitiveBatch, fast_primitive_result
from sectra_dpat_client.geometry import from_shapely, to_result
from sectra_dpat_client.geometry.encode import PackedRings
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

SLIDE = DeepZoomGeometry(width=1000, height=800, tile_width=256, tile_height=256)


def test_cells_are_packed_and_encode_like_plain_arrays() -> None:
    cells = [shapely.box(i, i, i + 5 + i % 3, i + 7) for i in range(0, 500, 10)]
    cells.append(shapely.Polygon([(1, 1), (9, 1), (9, 9), (5, 12), (1, 9)]))
    [batch] = from_shapely(SLIDE, cells)
    assert isinstance(batch.polygons, PackedRings)
    assert [len(ring) for ring in batch.polygons] == [4] * 50 + [5]
    plain = PrimitiveBatch(polygons=[ring.copy() for ring in batch.polygons], style=batch.style)
    packed_body = to_result("s", [batch]).to_bytes()
    assert packed_body == to_result("s", [plain]).to_bytes()
    reference = fast_primitive_result("s", [plain]).to_bytes()
    assert orjson.loads(packed_body) == orjson.loads(reference)


def test_a_polygon_with_a_hole_takes_the_general_path() -> None:
    holed = shapely.box(0, 0, 50, 50).difference(shapely.box(10, 10, 20, 20))
    [batch] = from_shapely(SLIDE, [shapely.box(100, 100, 110, 110), holed])
    assert not isinstance(batch.polygons, PackedRings)
    assert len(batch.polygons) == 2
