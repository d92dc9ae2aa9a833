"""Deep Zoom pyramid math for an `ImageInfo`, and pixel ↔ IA-API coordinate conversion.

Levels follow the IA-API tile endpoint (ia-api.md §6.10): level ``top = ceil(log2(max(W, H)))`` is the
full-resolution image; level ``L`` is ``max(1, floor(size / 2**(top - L)))`` pixels per side; tiles of
``tileSize`` without overlap, edge tiles smaller. IA-API coordinates (ia-api.md §7.1) are normalised by
the image *width*: ``x`` runs 0…1 and ``y`` 0…height/width.

Bad arguments raise `DPATQueryError` (a ``ValueError``); an `ImageInfo` from which no pyramid can be
built (sizes below 1, a NaN or negative ``micronsPerPixel``) raises `DPATResponseError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from .._core.errors import unusable_answer
from ..errors import DPATQueryError
from .paths import operation_named

__all__ = ["IMAGE_INFO", "DeepZoomGeometry", "ImageInfoLike", "PixelBox", "SizeLike"]

IMAGE_INFO = operation_named("getImageInfo")
"""``GET /slides/{slideId}/info``, which errors about an unusable image info name."""


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
        if not (_is_whole(self.width) and _is_whole(self.height) and self.width >= 1 and self.height >= 1):
            raise DPATQueryError(f"image size must be positive integers, got {self.width!r}x{self.height!r}")
        if (
            not (_is_whole(self.tile_width) and _is_whole(self.tile_height))
            or min(self.tile_width, self.tile_height) < 1
        ):
            raise DPATQueryError(f"tile size must be positive integers, got {self.tile_width!r}x{self.tile_height!r}")
        mpp = self.microns_per_pixel
        if mpp is not None and not (_is_number(mpp) and math.isfinite(mpp) and mpp > 0):
            raise DPATQueryError(f"microns per pixel must be a positive number, got {mpp!r}")

    @classmethod
    def from_image_info(cls, info: ImageInfoLike) -> DeepZoomGeometry:
        """The pyramid described by an `ImageInfo` (``imageSize``, ``tileSize``, ``micronsPerPixel``).

        A missing or zero ``micronsPerPixel`` means unknown. Raises `DPATResponseError` when the server's
        values describe no pyramid.
        """
        try:
            mpp = info.microns_per_pixel
            return cls(
                width=info.image_size.width,
                height=info.image_size.height,
                tile_width=info.tile_size.width,
                tile_height=info.tile_size.height,
                microns_per_pixel=float(mpp) if mpp else None,
            )
        except (DPATQueryError, AttributeError, TypeError, ValueError) as exc:
            raise unusable_answer(IMAGE_INFO, f"the slide's image info describes no usable pyramid: {exc}") from exc

    @property
    def top_level(self) -> int:
        """The full-resolution level: ``ceil(log2(max(width, height)))``."""
        return (max(self.width, self.height) - 1).bit_length()

    @property
    def level_count(self) -> int:
        """Number of levels, 0 … `top_level`."""
        return self.top_level + 1

    def _check_level(self, level: int) -> None:
        if not _is_whole(level) or not 0 <= level <= self.top_level:
            raise DPATQueryError(f"level {level!r} does not exist (levels 0..{self.top_level})")

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
            raise DPATQueryError(f"tile ({col}, {row}) does not exist at level {level} ({cols}x{rows} tiles)")
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
            raise DPATQueryError("the image has no micronsPerPixel")
        return self.microns_per_pixel * self.downsample(level)

    def level_for_mpp(self, mpp: float) -> int:
        """The smallest level whose resolution is at least as fine as ``mpp`` (never upsamples).

        Asking for a resolution finer than the full-resolution level gives `top_level`.
        """
        if not (_is_number(mpp) and math.isfinite(mpp) and mpp > 0):
            raise DPATQueryError(f"mpp must be a positive number, got {mpp!r}")
        tolerance = 1.0 + 1e-6
        for level in range(self.top_level + 1):
            if self.mpp(level) <= mpp * tolerance:
                return level
        return self.top_level

    def level_for_size(self, max_size: int) -> int:
        """The smallest level at least ``max_size`` pixels on its longer side (else `top_level`)."""
        if not _is_whole(max_size) or max_size < 1:
            raise DPATQueryError(f"max_size must be an integer of at least 1, got {max_size!r}")
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


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
