"""Which tile extension to ask for: the rule (`tile_extension`) and a bounded per-slide memory of it."""

from __future__ import annotations

import threading
from collections import OrderedDict

from .._core.tile_format import tile_extension

__all__ = ["TileFormatCache", "tile_extension"]


class TileFormatCache:
    """Remembers the tile extension per slide so `get_tile` asks ``/info`` once per slide (bounded, thread-safe)."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, slide_id: str) -> str | None:
        """The remembered extension, or None."""
        return self._entries.get(slide_id)

    def put(self, slide_id: str, extension: str) -> str:
        """Remember ``extension`` for ``slide_id`` and return it."""
        with self._lock:
            self._entries[slide_id] = extension
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return extension
