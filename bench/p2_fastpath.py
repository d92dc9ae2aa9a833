"""P2: build and serialize a 1,000 x 1,000-point primitive result: fast path vs the generated models.

Both start from the same 1,000 numpy arrays of 1,000 ``(x, y)`` points each:

* baseline: generated attrs objects (``Polygon(points=[Point(...)])``, ``PrimitiveItem``, ``ResultContent``,
  ``Result``), ``to_dict()`` and ``json.dumps`` with the separators httpx uses for ``json=``;
* ours: ``fast_primitive_result(...).to_bytes()`` (orjson over the arrays, no per-point object).

The two outputs are checked to decode to the same JSON. Target: >= 10x faster.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt

from bench._common import median_seconds, peak_rss_mib, report
from sectra_dpat_client.ai import (
    Point,
    Polygon,
    PrimitiveBatch,
    PrimitiveItem,
    Result,
    ResultContent,
    ResultData,
    ResultType,
    Style,
    fast_primitive_result,
)

POLYGONS = 1000
POINTS = 1000
TARGET = 10.0


def _arrays() -> list[npt.NDArray[np.float64]]:
    rng = np.random.default_rng(2026)
    return list(rng.uniform(0, 100_000, size=(POLYGONS, POINTS, 2)))


def generated_bytes(arrays: list[npt.NDArray[np.float64]]) -> bytes:
    """The generated models' way, as the generated endpoint functions send a body."""
    polygons = [Polygon(points=[Point(x=x, y=y) for x, y in array.tolist()]) for array in arrays]
    item = PrimitiveItem(style=Style(strokeStyle="#00ff00"), polygons=polygons)
    content = ResultContent(type=ResultType.PRIMITIVES, content=[item])
    result = Result(
        slideId="slide-1", displayResult="1000 cells", applicationVersion="1.0", data=ResultData(result=content)
    )
    return json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def fast_bytes(arrays: list[npt.NDArray[np.float64]]) -> bytes:
    """The fast path from the same arrays."""
    batch = PrimitiveBatch(polygons=arrays, style=Style(strokeStyle="#00ff00"))
    payload = fast_primitive_result("slide-1", batch, display_result="1000 cells", application_version="1.0")
    return payload.to_bytes()


def run() -> dict[str, Any]:
    """Median seconds of both ways; ratio = generated / fast."""
    arrays = _arrays()
    if json.loads(fast_bytes(arrays)) != json.loads(generated_bytes(arrays)):
        raise AssertionError("the fast path and the generated models disagree")
    ours = median_seconds(lambda: fast_bytes(arrays))
    baseline = median_seconds(lambda: generated_bytes(arrays))
    return report(
        "P2 build+serialize 1M-point result, fast path vs generated to_dict+json",
        ours=ours,
        baseline=baseline,
        unit="s",
        higher_is_better=False,
        target=TARGET,
        body_mib=len(fast_bytes(arrays)) / 2**20,
        peak_rss_mib=peak_rss_mib(),
    )


if __name__ == "__main__":
    row = run()
    print(
        f"P2: fast path {row['ours'] * 1000:.0f} ms, generated {row['baseline'] * 1000:.0f} ms, "
        f"ratio {row['ratio']:.1f}x (target >= {TARGET}x)"
    )
