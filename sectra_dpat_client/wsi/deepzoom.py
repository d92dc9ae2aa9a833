"""Deep Zoom pyramid math for an `ImageInfo`, and pixel ↔ IA-API coordinate conversion.

Levels follow the IA-API tile endpoint (ia-api.md §6.10): level ``top = ceil(log2(max(W, H)))`` is the
full-resolution image; level ``L`` is ``max(1, floor(size / 2**(top - L)))`` pixels per side; tiles of
``tileSize`` without overlap, edge tiles smaller. IA-API coordinates (ia-api.md §7.1) are normalised by
the image *width*: ``x`` runs 0…1 and ``y`` 0…height/width.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

__all__ = ["DeepZoomGeometry", "ImageInfoLike", "PixelBox", "SizeLike"]


class SizeLike(Protocol):
    """Anything with integer ``width`` and ``height`` (the generated `Size`)."""

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...


class ImageInfoLike(Protocol):
    """The parts of the generated `ImageInfo` the pyramid math needs."""

    @property
    def image_size(self) -> SizeLike: ...

    @property
    def tile_size(self) -> SizeLike: ...

    @property
    def microns_per_pixel(self) -> float: ...


@dataclass(frozen=True, slots=True)
class PixelBox:
    """A rectangle in the pixels of one level: origin ``(x, y)``, size ``width`` by ``height``."""

    x: int
    y: int
    width: int
    height: int

    def intersect(self, other: PixelBox) -> PixelBox | None:
        """The overlap of two boxes, or None when they do not overlap."""
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1 = min(self.x + self.width, other.x + other.width)
        y1 = min(self.y + self.height, other.y + other.height)
        if x1 <= x0 or y1 <= y0:
            return None
        return PixelBox(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True, slots=True)
class DeepZoomGeometry:
    """The Deep Zoom pyramid of one slide."""

    width: int
    height: int
    tile_width: int
    tile_height: int
    microns_per_pixel: float | None = None

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")
        if self.tile_width < 1 or self.tile_height < 1:
            raise ValueError(f"tile size must be positive, got {self.tile_width}x{self.tile_height}")
        mpp = self.microns_per_pixel
        if mpp is not None and not (math.isfinite(mpp) and mpp > 0):
            raise ValueError(f"microns per pixel must be a positive number, got {mpp}")

    @classmethod
    def from_image_info(cls, info: ImageInfoLike) -> DeepZoomGeometry:
        """The pyramid described by an `ImageInfo` (``imageSize``, ``tileSize``, ``micronsPerPixel``)."""
        mpp = info.microns_per_pixel
        return cls(
            width=info.image_size.width,
            height=info.image_size.height,
            tile_width=info.tile_size.width,
            tile_height=info.tile_size.height,
            microns_per_pixel=float(mpp) if mpp else None,
        )

    @property
    def top_level(self) -> int:
        """The full-resolution level: ``ceil(log2(max(width, height)))``."""
        return (max(self.width, self.height) - 1).bit_length()

    @property
    def level_count(self) -> int:
        """Number of levels, 0 … `top_level`."""
        return self.top_level + 1

    def _check_level(self, level: int) -> None:
        if not 0 <= level <= self.top_level:
            raise ValueError(f"level {level} does not exist (levels 0..{self.top_level})")

    def downsample(self, level: int) -> int:
        """How many full-resolution pixels one pixel of ``level`` spans per side: ``2**(top - level)``."""
        self._check_level(level)
        return 1 << (self.top_level - level)

    def level_size(self, level: int) -> tuple[int, int]:
        """Width and height of ``level`` in pixels."""
        factor = self.downsample(level)
        return max(1, self.width // factor), max(1, self.height // factor)

    def tile_grid(self, level: int) -> tuple[int, int]:
        """Columns and rows of tiles at ``level``."""
        width, height = self.level_size(level)
        return -(-width // self.tile_width), -(-height // self.tile_height)

    def tile_box(self, level: int, col: int, row: int) -> PixelBox:
        """The pixels of tile ``(col, row)`` within ``level`` (edge tiles are smaller)."""
        cols, rows = self.tile_grid(level)
        if not (0 <= col < cols and 0 <= row < rows):
            raise ValueError(f"tile ({col}, {row}) does not exist at level {level} ({cols}x{rows} tiles)")
        width, height = self.level_size(level)
        x, y = col * self.tile_width, row * self.tile_height
        return PixelBox(x, y, min(self.tile_width, width - x), min(self.tile_height, height - y))

    def tiles_in(self, level: int, box: PixelBox) -> Iterator[tuple[int, int]]:
        """The ``(col, row)`` of every tile of ``level`` that overlaps ``box``, row by row."""
        width, height = self.level_size(level)
        clipped = box.intersect(PixelBox(0, 0, width, height))
        if clipped is None:
            return
        first_col, first_row = clipped.x // self.tile_width, clipped.y // self.tile_height
        last_col = (clipped.x + clipped.width - 1) // self.tile_width
        last_row = (clipped.y + clipped.height - 1) // self.tile_height
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                yield col, row

    def mpp(self, level: int) -> float:
        """Microns per pixel at ``level`` (needs ``microns_per_pixel``)."""
        if self.microns_per_pixel is None:
            raise ValueError("the image has no micronsPerPixel")
        return self.microns_per_pixel * self.downsample(level)

    def level_for_mpp(self, mpp: float) -> int:
        """The smallest level whose resolution is at least as fine as ``mpp`` (never upsamples).

        Asking for a resolution finer than the full-resolution level gives `top_level`.
        """
        if not (math.isfinite(mpp) and mpp > 0):
            raise ValueError(f"mpp must be a positive number, got {mpp}")
        tolerance = 1.0 + 1e-6
        for level in range(self.top_level + 1):
            if self.mpp(level) <= mpp * tolerance:
                return level
        return self.top_level

    def level_for_size(self, max_size: int) -> int:
        """The smallest level at least ``max_size`` pixels on its longer side (else `top_level`)."""
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, got {max_size}")
        for level in range(self.top_level + 1):
            if max(self.level_size(level)) >= max_size:
                return level
        return self.top_level

    def to_level(self, x: float, y: float, level: int) -> tuple[float, float]:
        """Full-resolution pixel coordinates as pixel coordinates of ``level``."""
        factor = self.downsample(level)
        return x / factor, y / factor

    def from_level(self, x: float, y: float, level: int) -> tuple[float, float]:
        """Pixel coordinates of ``level`` as full-resolution pixel coordinates."""
        factor = self.downsample(level)
        return x * factor, y * factor

    def to_normalized(self, x: float, y: float, *, level: int | None = None) -> tuple[float, float]:
        """Pixel coordinates (full resolution, or of ``level``) as IA-API width-normalised coordinates."""
        if level is not None:
            x, y = self.from_level(x, y, level)
        return x / self.width, y / self.width

    def from_normalized(self, x: float, y: float, *, level: int | None = None) -> tuple[float, float]:
        """IA-API width-normalised coordinates as pixel coordinates (full resolution, or of ``level``)."""
        px, py = x * self.width, y * self.width
        return self.to_level(px, py, level) if level is not None else (px, py)
