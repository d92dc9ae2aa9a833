"""Simple polygons take the packed path; its bytes equal the general path's for the same rings."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
import shapely

pytest.importorskip("cv2")

from sectra_dpat_client.ai import PrimitiveBatch, _pointtext, fast_primitive_result
from sectra_dpat_client.geometry import from_shapely, to_result
from sectra_dpat_client.geometry.encode import PackedRings
from sectra_dpat_client.geometry.errors import DPATGeometryError
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


def test_packed_rings_read_as_a_sequence_of_views() -> None:
    points = np.arange(40, dtype=np.float64).reshape(20, 2)
    counts = np.array([3, 5, 4, 8], dtype=np.int64)
    packed = PackedRings(points, counts)
    expected = np.split(points, np.cumsum(counts)[:-1])
    assert len(packed) == 4
    assert packed.total_points == 20
    assert all(np.array_equal(a, b) for a, b in zip(packed, expected, strict=True))
    assert np.array_equal(packed[-1], expected[-1])
    assert np.shares_memory(packed[1], points)  # views, not copies
    assert [len(ring) for ring in packed[1:3]] == [5, 4]
    with pytest.raises(IndexError):
        packed[4]


@pytest.mark.parametrize("seed", range(5))
def test_packed_encoding_equals_plain_for_random_cells(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells = []
    for _ in range(int(rng.integers(1, 60))):
        count = int(rng.integers(3, 17))
        angles = np.sort(rng.uniform(0, 2 * np.pi, count))
        cx, cy = rng.uniform(50, 900, 2)
        cells.append(shapely.Polygon(np.c_[cx + 20 * np.cos(angles), cy + 20 * np.sin(angles)]))
    cells.append(shapely.Polygon())  # empty geometries are dropped
    [batch] = from_shapely(SLIDE, cells)
    assert isinstance(batch.polygons, PackedRings)
    assert len(batch.polygons) == len(cells) - 1
    plain = PrimitiveBatch(polygons=[ring.copy() for ring in batch.polygons], style=batch.style)
    assert orjson.loads(to_result("s", [batch]).to_bytes()) == orjson.loads(
        fast_primitive_result("s", [plain]).to_bytes()
    )


def test_a_non_geometry_among_many_is_a_typed_error() -> None:
    cells: list[object] = [shapely.box(i, i, i + 5, i + 5) for i in range(10)]
    cells.insert(4, [(0, 0), (1, 0), (1, 1)])
    with pytest.raises(DPATGeometryError, match="expected a shapely geometry, got list"):
        from_shapely(SLIDE, cells)  # type: ignore[arg-type]


def test_extreme_coordinates_encode_right() -> None:
    huge = float(np.finfo(np.float64).max)
    rings = [np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]), np.array([[huge, huge], [2.0, 0.5], [0.25, 3.0]])]
    for polygons in (rings, PackedRings(np.concatenate(rings), np.array([3, 3], dtype=np.int64))):
        body = to_result("s", [PrimitiveBatch(polygons=polygons)]).to_bytes()
        assert orjson.loads(body) == orjson.loads(
            fast_primitive_result("s", [PrimitiveBatch(polygons=rings)]).to_bytes()
        )


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 7, 64])
def test_chunked_encoding_equals_the_per_shape_fast_path_byte_for_byte(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunk boundaries inside a shape, at a shape's end and a last chunk of one point change no byte."""
    monkeypatch.setattr(_pointtext, "_CHUNK_POINTS", chunk)
    rng = np.random.default_rng(chunk)
    counts = rng.integers(3, 9, 40)
    points = rng.uniform(-2, 2, (int(counts.sum()), 2)) * 10.0 ** rng.integers(-300, 300, (int(counts.sum()), 2))
    points[3] = (0.0, -0.0)
    rings = np.split(points, np.cumsum(counts)[:-1])
    lines = [rng.uniform(0, 1, (n, 2)) for n in (2, 50, 3)]
    reference = fast_primitive_result("s", [PrimitiveBatch(polygons=rings, polylines=lines)]).to_bytes()
    for polygons in (rings, PackedRings(points, counts.astype(np.int64))):
        body = to_result("s", [PrimitiveBatch(polygons=polygons, polylines=lines)]).to_bytes()
        assert body == reference


def test_packed_rings_not_covering_their_points_encode_as_their_views_say() -> None:
    points = np.arange(24, dtype=np.float64).reshape(12, 2)
    short = PackedRings(points, np.array([3, 4], dtype=np.int64))  # the last 5 points belong to no ring
    expected = fast_primitive_result("s", [PrimitiveBatch(polygons=[points[:3], points[3:7]])]).to_bytes()
    assert to_result("s", [PrimitiveBatch(polygons=short)]).to_bytes() == expected
    wide = PackedRings(np.arange(18, dtype=np.float64).reshape(6, 3), np.array([3, 3], dtype=np.int64))
    with pytest.raises(DPATGeometryError, match=r"polygons\[0\]\.points: expected an \(n, 2\) array"):
        to_result("s", [PrimitiveBatch(polygons=wide)])


@pytest.mark.parametrize("chunk", [1, 16384])
def test_the_longest_numbers_encode_right(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pointtext, "_CHUNK_POINTS", chunk)
    longest = -2.2250738585072014e-308  # 24 characters, the most a float64 takes
    rings = [np.full((3, 2), longest) for _ in range(20)]
    body = to_result("s", [PrimitiveBatch(polygons=rings)]).to_bytes()
    assert body == fast_primitive_result("s", [PrimitiveBatch(polygons=rings)]).to_bytes()


def test_packed_cells_at_a_lower_level_scale_like_the_general_path() -> None:
    level = SLIDE.top_level - 2
    cells = [shapely.box(i, i, i + 5, i + 3) for i in range(0, 60, 6)]
    [batch] = from_shapely(SLIDE, cells, level=level)
    assert isinstance(batch.polygons, PackedRings)
    [general] = from_shapely(SLIDE, [*cells, shapely.box(0, 0, 9, 9).difference(shapely.box(3, 3, 5, 5))], level=level)
    assert not isinstance(general.polygons, PackedRings)
    assert all(np.array_equal(a, b) for a, b in zip(batch.polygons, general.polygons[: len(cells)], strict=True))
