"""A cheap default tissue detector: Otsu's threshold on the saturation of a thumbnail."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = ["otsu_threshold", "tissue_mask"]


def otsu_threshold(values: npt.NDArray[np.uint8]) -> int:
    """The Otsu threshold of uint8 values (values above it are foreground)."""
    hist = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 0
    levels = np.arange(256, dtype=np.float64)
    weight0 = np.cumsum(hist)
    weight1 = total - weight0
    mean0 = np.cumsum(hist * levels)
    mean_total = mean0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_total * weight0 - mean0 * total) ** 2 / (weight0 * weight1)
    between = np.nan_to_num(between)
    return int(np.argmax(between))


def tissue_mask(thumbnail: Image.Image, *, min_saturation: int = 20) -> npt.NDArray[np.bool_]:
    """True where the thumbnail shows tissue: saturation above Otsu's threshold (and ``min_saturation``)."""
    saturation = np.asarray(thumbnail.convert("RGB").convert("HSV"), dtype=np.uint8)[..., 1]
    threshold = max(otsu_threshold(saturation), min_saturation)
    mask: npt.NDArray[np.bool_] = saturation > threshold
    return mask
