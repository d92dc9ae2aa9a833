"""Pixel coordinates at a pyramid level <-> IA-API width-normalised coordinates.

Convention (used by every function of `sectra_dpat_client.geometry`): pixel ``(col, row)`` of a level
covers the square ``[col, col + 1) x [row, row + 1)``, so its centre is ``(col + 0.5, row + 0.5)`` and
the image of a level spans ``[0, width_L] x [0, height_L]``. Levels are Deep Zoom levels
(`DeepZoomGeometry`): ``top_level`` is full resolution and each level below halves it, so a level-L
coordinate times ``2**(top - L)`` is a full-resolution coordinate. IA-API coordinates divide the
full-resolution coordinate by the image *width* (x and y alike): ``x`` runs 0..1, ``y`` 0..height/width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..wsi.deepzoom import DeepZoomGeometry, ImageInfoLike
from .errors import DPATGeometryError

__all__ = ["PixelFrame", "normalized_to_pixels", "pixels_to_normalized"]


@dataclass(frozen=True)
class PixelFrame:
    """The pixel grid of one pyramid level of a slide; converts ``(n, 2)`` arrays both ways."""

    pyramid: DeepZoomGeometry
    level: int

    @classmethod
    def of(cls, info: ImageInfoLike | DeepZoomGeometry, level: int | None = None) -> PixelFrame:
        """The frame of ``level`` (default: full resolution) of the slide described by ``info``."""
        pyramid = info if isinstance(info, DeepZoomGeometry) else DeepZoomGeometry.from_image_info(info)
        chosen = pyramid.top_level if level is None else level
        pyramid.downsample(chosen)  # DPATQueryError for a level the pyramid does not have
        return cls(pyramid, chosen)

    @property
    def scale(self) -> float:
        """Normalised units per pixel of this level: ``downsample / image width``."""
        return self.pyramid.downsample(self.level) / self.pyramid.width

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of this level in pixels."""
        return self.pyramid.level_size(self.level)

    def scaled(self, pixels: npt.NDArray[np.float64], *, in_place: bool = False) -> npt.NDArray[np.float64]:
        """Checked float64 pixel coordinates (any shape) of this level as normalised ones (not checked again).

        ``in_place`` overwrites ``pixels`` (an array of the caller's own) instead of allocating a new one.
        """
        downsample = self.pyramid.downsample(self.level)
        if not in_place:
            return (pixels * downsample if downsample != 1 else pixels) / self.pyramid.width
        if downsample != 1:
            np.multiply(pixels, downsample, out=pixels)
        return np.divide(pixels, self.pyramid.width, out=pixels)

    def to_normalized(self, points: Any) -> npt.NDArray[np.float64]:
        """``(n, 2)`` pixel coordinates of this level as IA-API normalised coordinates."""
        return self.scaled(_points(points))

    def to_pixels(self, points: Any) -> npt.NDArray[np.float64]:
        """``(n, 2)`` IA-API normalised coordinates as pixel coordinates of this level."""
        return _points(points) * self.pyramid.width / self.pyramid.downsample(self.level)


def pixels_to_normalized(
    info: ImageInfoLike | DeepZoomGeometry, points: Any, level: int | None = None
) -> npt.NDArray[np.float64]:
    """``(n, 2)`` pixel coordinates at ``level`` (default full resolution) as IA-API normalised ones."""
    return PixelFrame.of(info, level).to_normalized(points)


def normalized_to_pixels(
    info: ImageInfoLike | DeepZoomGeometry, points: Any, level: int | None = None
) -> npt.NDArray[np.float64]:
    """``(n, 2)`` IA-API normalised coordinates as pixel coordinates at ``level`` (default full resolution)."""
    return PixelFrame.of(info, level).to_pixels(points)


def _points(points: Any) -> npt.NDArray[np.float64]:
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise DPATGeometryError(f"expected an (n, 2) array of x, y coordinates, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise DPATGeometryError("coordinates must be finite")
    return array
