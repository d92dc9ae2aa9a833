"""Keyhole rings of large polygons: bounded memory (no shell x hole distance matrix), same bridges."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from shapely.geometry import Point, Polygon
from shapely.geometry.polygon import orient

from sectra_dpat_client.geometry import keyhole_ring


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _brute_force_bridge(shell: np.ndarray, hole: np.ndarray) -> tuple[int, int]:
    """The bridge the full distance matrix picks: the closest pair, first shell then first hole index."""
    distances = ((shell[:, None, :] - hole[None, :, :]) ** 2).sum(axis=2)
    s, h = np.unravel_index(int(np.argmin(distances)), distances.shape)
    return int(s), int(h)


def _large_polygon() -> Polygon:
    """An 8,000-vertex shell with three 2,000-vertex holes."""
    shell = Point(0, 0).buffer(10_000, quad_segs=2_000)  # 8,000 vertices
    holes = [
        Point(x, y).buffer(1_500, quad_segs=500).exterior.coords for x, y in ((-5000, 0), (3000, 4000), (3000, -4000))
    ]
    return Polygon(shell.exterior.coords, holes)


def test_a_large_shell_with_several_holes_stays_small_in_memory_and_draws_right() -> None:
    """Before: the full 8,000 x 2,000 distance matrix per hole (peak ~490 MiB traced, seconds per polygon)."""
    polygon = _large_polygon()
    tracemalloc.start()
    try:
        ring = keyhole_ring(polygon)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert len(ring) == 8_000 + 3 * (2_000 + 2)
    assert _signed_area(ring) == pytest.approx(polygon.area, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_bridges_join_the_closest_shell_and_hole_vertices(seed: int) -> None:
    """Each hole is joined at the pair the brute-force search picks."""
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 300))
    radii = rng.uniform(900, 1000, 300)
    shell = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    holes = [
        Point(x, y).buffer(r, quad_segs=int(rng.integers(2, 30)))
        for x, y, r in ((-400, 0, 150), (350, 300, 120), (300, -350, 90))
    ]
    polygon = orient(Polygon(shell, [h.exterior.coords for h in holes]), sign=1.0)
    oriented_shell = np.asarray(polygon.exterior.coords)[:-1]
    ring = keyhole_ring(polygon)
    assert _signed_area(ring) == pytest.approx(polygon.area, rel=1e-12)
    for interior in polygon.interiors:
        hole = np.asarray(interior.coords)[:-1]
        s, h = _brute_force_bridge(oriented_shell, hole)
        # the ring runs shell[s] -> hole[h] ... hole[h] -> shell[s]
        at = [
            i for i in range(len(ring) - 1) if (ring[i] == oriented_shell[s]).all() and (ring[i + 1] == hole[h]).all()
        ]
        assert len(at) == 1
        start = at[0] + 1
        assert (ring[start : start + len(hole) + 1] == np.vstack([np.roll(hole, -h, axis=0), hole[h : h + 1]])).all()
        assert (ring[start + len(hole) + 1] == oriented_shell[s]).all()
