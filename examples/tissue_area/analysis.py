"""Tissue detection on a slide thumbnail, in plain numpy: mask, regions, convex hulls, area."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["TissueMeasurement", "convex_hull", "measure_tissue", "tissue_mask", "tissue_regions"]

RGB = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
Points = npt.NDArray[np.float64]

# A pixel is tissue when it is coloured (stain) and not white (glass) or black (outside the image).
MIN_SATURATION = 0.08
MAX_BRIGHTNESS = 235.0
MIN_BRIGHTNESS = 20.0
# Regions are found on a coarse grid; a cell counts as tissue when this share of its pixels is.
GRID_CELLS = 64
CELL_TISSUE_SHARE = 0.3


@dataclass(frozen=True)
class TissueMeasurement:
    """What the analysis found; polygons are in thumbnail pixels, ``(n, 2)`` arrays of x, y."""

    fraction: float
    area_mm2: float
    regions: list[Points]
    thumbnail_size: tuple[int, int]

    def normalized_regions(self, image_width: int, image_height: int) -> list[list[tuple[float, float]]]:
        """The regions in IA-API coordinates: x in 0..1 across the width, y in width units too."""
        thumb_w, thumb_h = self.thumbnail_size
        sx = 1.0 / thumb_w
        sy = (image_height / thumb_h) / image_width
        return [[(float(x) * sx, float(y) * sy) for x, y in region] for region in self.regions]


def tissue_mask(rgb: RGB) -> Mask:
    """True where a pixel looks like stained tissue."""
    pixels = rgb.astype(np.float64)
    high = pixels.max(axis=2)
    low = pixels.min(axis=2)
    saturation = np.divide(high - low, high, out=np.zeros_like(high), where=high > 0)
    brightness = pixels.mean(axis=2)
    mask: Mask = (saturation >= MIN_SATURATION) & (brightness <= MAX_BRIGHTNESS) & (brightness >= MIN_BRIGHTNESS)
    return mask


def tissue_regions(mask: Mask, cells: int = GRID_CELLS) -> list[Points]:
    """The convex hull of each connected tissue region, found on a ``cells``-wide grid."""
    height, width = mask.shape
    cell = max(1, int(np.ceil(max(width, height) / cells)))
    rows, cols = -(-height // cell), -(-width // cell)
    padded = np.zeros((rows * cell, cols * cell), dtype=bool)
    padded[:height, :width] = mask
    share = padded.reshape(rows, cell, cols, cell).mean(axis=(1, 3))
    grid = share >= CELL_TISSUE_SHARE
    seen = np.zeros_like(grid)
    regions: list[Points] = []
    for start in zip(*np.nonzero(grid), strict=True):
        if seen[start]:
            continue
        component = _flood(grid, seen, (int(start[0]), int(start[1])))
        corners = [
            (min(c * cell + dx, width), min(r * cell + dy, height))
            for r, c in component
            for dx in (0, cell)
            for dy in (0, cell)
        ]
        hull = convex_hull(np.array(corners, dtype=np.float64))
        if len(hull) >= 3:
            regions.append(hull)
    return regions


def _flood(grid: Mask, seen: Mask, start: tuple[int, int]) -> list[tuple[int, int]]:
    rows, cols = grid.shape
    queue = deque([start])
    seen[start] = True
    component = []
    while queue:
        r, c = queue.popleft()
        component.append((r, c))
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= nr < rows and 0 <= nc < cols and grid[nr, nc] and not seen[nr, nc]:
                seen[nr, nc] = True
                queue.append((nr, nc))
    return component


def convex_hull(points: Points) -> Points:
    """The convex hull (counter-clockwise, first point not repeated) of ``(n, 2)`` points."""
    unique = sorted({(float(x), float(y)) for x, y in points})
    if len(unique) <= 2:
        return np.array(unique, dtype=np.float64).reshape(-1, 2)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=np.float64)


def measure_tissue(rgb: RGB, *, image_size: tuple[int, int], microns_per_pixel: float) -> TissueMeasurement:
    """Tissue share, area (mm²) and region outlines of a whole-slide thumbnail."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
        raise ValueError("the thumbnail must be a non-empty RGB array")
    mask = tissue_mask(rgb)
    thumb_h, thumb_w = mask.shape
    fraction = float(mask.mean())
    full_w, full_h = image_size
    area_mm2 = fraction * full_w * full_h * (microns_per_pixel / 1000.0) ** 2
    return TissueMeasurement(fraction, area_mm2, tissue_regions(mask), (thumb_w, thumb_h))
