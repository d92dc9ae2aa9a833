"""The receiver under 200 concurrent invocations against the simulator: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter

import httpx
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.models import InputTemplate, InputType, Result
from sectra_dpat_client.simulator import DPATSimulator

CONCURRENT = 200


def build_app(app_id: str) -> AnalysisApp:
    app = AnalysisApp(
        application_id=app_id,
        display_name="Load test",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.WHOLE_SLIDE),
        software_version="1.0.0",
        max_concurrent_jobs=CONCURRENT,  # sized for the load (the default, 32, answers the rest 503 + Retry-After)
    )

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        info = await ctx.client.get_image_info(ctx.slide_id)
        return Result(slideId=ctx.slide_id, displayResult=f"{info.image_size.width} px", applicationVersion="1.0.0")

    return app


async def _fire(url: str, payloads: list[dict[str, object]]) -> list[tuple[int, float]]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as http:

        async def one(payload: dict[str, object]) -> tuple[int, float]:
            started = time.perf_counter()
            response = await http.post(url, json=payload)
            return response.status_code, time.perf_counter() - started

        return await asyncio.gather(*(one(p) for p in payloads))


def test_two_hundred_concurrent_invocations(capsys: pytest.CaptureFixture[str]) -> None:
    with DPATSimulator(slides=0) as dpat:
        slides = [dpat.add_slide(f"load-{i:03d}") for i in range(CONCURRENT)]
        payloads = [dpat.driver.invocation(action="create", slide_id=s) for s in slides]
        with BackgroundServer(build_app(dpat.app_id)) as server:
            answers = asyncio.run(_fire(server.url, payloads))
        stored = dpat.results

    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: CONCURRENT}
    per_slide = Counter(r["slideId"] for r in stored)
    assert set(per_slide) == set(slides)  # nothing lost
    assert max(per_slide.values()) == 1  # nothing stored twice
    latencies = sorted(seconds for _, seconds in answers)
    p50 = statistics.median(latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    with capsys.disabled():
        print(f"\nreceiver load: {CONCURRENT} concurrent invocations, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
