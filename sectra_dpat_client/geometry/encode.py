"""Primitive content -> a `FastResult` body, through the fast path's chunked encoder.

`fast_primitive_result` checks the points of all shapes of a batch at once and encodes them a chunk of
points at a time (`sectra_dpat_client.ai._pointtext`, shared: pure numpy, no ``[geo]`` extra); simple
polygons from `from_shapely` come as `PackedRings`, taken whole. Here its faults become
`DPATGeometryError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..ai._pointtext import PackedRings
from ..ai.fastpath import FastResult, PrimitiveBatch, fast_primitive_result
from ..errors import DPATValidationError
from .errors import DPATGeometryError

__all__ = ["PackedRings", "to_result"]


def to_result(
    slide_id: str,
    content: Sequence[PrimitiveBatch],
    *,
    display_result: str | None = None,
    application_version: str | None = None,
    **options: Any,
) -> FastResult:
    """The `FastResult` (ready for ``create_results``) of primitive content from `from_mask` & co.

    ``options`` go to `fast_primitive_result` (``display_properties``, ``context``, ``version_id``); a
    shape it refuses is a `DPATGeometryError` naming the shape's JSON path.
    """
    try:
        return fast_primitive_result(
            slide_id, content, display_result=display_result, application_version=application_version, **options
        )
    except DPATValidationError as exc:
        fault = exc.faults[0]
        raise DPATGeometryError(f"{fault.path}: {fault.message}") from exc
