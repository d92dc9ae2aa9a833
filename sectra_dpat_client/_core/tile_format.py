"""The one rule for which tile format to ask DPAT for, shared by the IA-API client and region reading."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["DEFAULT_TILE_EXTENSION", "TileFormatLike", "TileFormatsLike", "tile_extension"]

DEFAULT_TILE_EXTENSION = "jpg"


class TileFormatLike(Protocol):
    """A tile format as `ImageInfo.availableTileFormats` lists it (the generated `TileFormat`)."""

    @property
    def extension(self) -> str: ...


class TileFormatsLike(Protocol):
    """Anything listing the available tile formats (the generated `ImageInfo`)."""

    @property
    def available_tile_formats(self) -> Sequence[TileFormatLike]: ...


def tile_extension(image_info: TileFormatsLike) -> str:
    """The first available format's extension without leading dots (empty ones skipped), else ``jpg``."""
    for tile_format in image_info.available_tile_formats or ():
        extension = (tile_format.extension or "").strip().lstrip(".")
        if extension:
            return extension
    return DEFAULT_TILE_EXTENSION
