"""P1: ``get_image_info`` calls per second: our sync client against raw httpx and a requests+pydantic client.

All three call the same simulator (a child process on 127.0.0.1) in one run:

* ours: ``DPATAIClient.get_image_info`` (generated call, retries, auth flow, typed `ImageInfo`);
* raw httpx: one keep-alive ``httpx.Client`` with the same headers, ``.get(...).json()``;
* old-style: ``requests.get`` per call (a new connection each time) and a pydantic model, as the old
  contrib client did.

Also reported: the generated ``get_image_info.sync_detailed`` on a bare ``httpx.Client``, the floor any
client built on the generated code stands on, to separate our wrapper's cost from the generated code's.
Target: ours >= 0.95x raw httpx.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
import requests
from pydantic import BaseModel, ConfigDict, Field

from bench._common import WARMUP, report
from bench._simulator import simulator_process
from sectra_dpat_client._generated.dpat_api import AuthenticatedClient
from sectra_dpat_client._generated.dpat_api.api.slides import get_image_info
from sectra_dpat_client.ai import DPATAIClient

CALLS = 300
RUNS = 15
TARGET = 0.95


class _Size(BaseModel):
    width: int
    height: int


class _PydanticImageInfo(BaseModel):
    """The old client's way: a hand-written pydantic model of the answer."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    id: str
    is_streamable: bool = Field(alias="isStreamable")
    image_size: _Size = Field(alias="imageSize")
    tile_size: _Size = Field(alias="tileSize")
    microns_per_pixel: float = Field(alias="micronsPerPixel")


def _rates(calls: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Median calls/s of each client; the clients take turns within every run so load drift hits all alike."""
    for call in calls.values():
        for _ in range(WARMUP * 50):
            call()
    rates: dict[str, list[float]] = {name: [] for name in calls}
    for run_index in range(RUNS):
        names = list(calls)
        names = names[run_index % len(names) :] + names[: run_index % len(names)]
        for name in names:
            call = calls[name]
            start = time.perf_counter()
            for _ in range(CALLS):
                call()
            rates[name].append(CALLS / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def run() -> dict[str, Any]:
    """Measure the four clients against one simulator; ratio = ours / raw httpx."""
    with simulator_process() as served:
        headers = {"Authorization": f"Bearer {served.token}", "X-Sectra-ApiVersion": "1.10"}
        path = f"/slides/{served.slide_id}/info"
        with (
            DPATAIClient(served.url, token=served.token) as ours,
            httpx.Client(base_url=served.url, headers=headers) as raw,
            httpx.Client(base_url=served.url, headers=headers) as bare,
        ):
            generated = AuthenticatedClient(base_url=served.url, token="").set_httpx_client(bare)

            def old_style() -> _PydanticImageInfo:
                answer = requests.get(served.url + path, headers=headers, timeout=30)
                return _PydanticImageInfo.model_validate(answer.json())

            rates = _rates(
                {
                    "ours": lambda: ours.get_image_info(served.slide_id),
                    "raw": lambda: raw.get(path).json(),
                    "generated": lambda: get_image_info.sync_detailed(served.slide_id, client=generated),
                    "requests": old_style,
                }
            )
    return report(
        "P1 get_image_info calls/s, ours vs raw httpx",
        ours=rates["ours"],
        baseline=rates["raw"],
        unit="calls/s",
        higher_is_better=True,
        target=TARGET,
        generated_bare_calls_per_s=rates["generated"],
        requests_calls_per_s=rates["requests"],
        ours_vs_generated_bare=rates["ours"] / rates["generated"],
        requests_vs_raw=rates["requests"] / rates["raw"],
    )


if __name__ == "__main__":
    row = run()
    print(
        f"P1: ours {row['ours']:.0f}/s, raw httpx {row['baseline']:.0f}/s, ratio {row['ratio']:.2f}x "
        f"(target >= {TARGET}x); generated bare {row['generated_bare_calls_per_s']:.0f}/s "
        f"(ours/generated {row['ours_vs_generated_bare']:.2f}x); requests {row['requests_calls_per_s']:.0f}/s "
        f"(requests/raw {row['requests_vs_raw']:.2f}x)"
    )
