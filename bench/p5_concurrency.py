"""P5: 200 ``get_image_info`` calls with 20 ms server latency: concurrent async vs sequential sync.

The simulator (a child process on 127.0.0.1) delays every ``GET /slides/{slideId}/info`` by 20 ms.
Ours: ``AsyncDPATAIClient`` with ``asyncio.gather`` over 200 calls; baseline: ``DPATAIClient`` making the
same 200 calls one after another. Target: >= 20x less wall time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench._common import median_seconds, report
from bench._simulator import simulator_process
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient

CALLS = 200
LATENCY = 0.020
TARGET = 20.0


def run() -> dict[str, Any]:
    """Median wall time of both; ratio = sequential / concurrent."""
    with simulator_process(latency=LATENCY) as served:
        with DPATAIClient(served.url, token=served.token) as client:

            def sequential() -> None:
                for _ in range(CALLS):
                    client.get_image_info(served.slide_id)

            baseline = median_seconds(sequential, runs=3)

        async def concurrent_seconds() -> float:
            async with AsyncDPATAIClient(served.url, token=served.token) as aclient:
                await aclient.get_image_info(served.slide_id)  # warm-up: /info and a connection
                times = []
                for _ in range(5):
                    start = time.perf_counter()
                    infos = await asyncio.gather(*(aclient.get_image_info(served.slide_id) for _ in range(CALLS)))
                    times.append(time.perf_counter() - start)
                    if len(infos) != CALLS:
                        raise AssertionError("not every call answered")
                return sorted(times)[len(times) // 2]

        ours = asyncio.run(concurrent_seconds())
    return report(
        "P5 200 calls at 20 ms latency, async concurrent vs sync sequential",
        ours=ours,
        baseline=baseline,
        unit="s",
        higher_is_better=False,
        target=TARGET,
    )


if __name__ == "__main__":
    row = run()
    print(
        f"P5: concurrent {row['ours'] * 1000:.0f} ms, sequential {row['baseline'] * 1000:.0f} ms, "
        f"ratio {row['ratio']:.1f}x (target >= {TARGET}x)"
    )
