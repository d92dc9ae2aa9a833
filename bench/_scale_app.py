"""The fixed-cost app bench/p8_scale.py runs: on Celery workers (``bench._scale_app:app``) or in-process."""

from __future__ import annotations

import asyncio
import os

from sectra_dpat_client.app import AnalysisApp, InvocationContext
from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
from sectra_dpat_client.models import Result

__all__ = ["app", "build_app"]


def build_app(backend: CeleryBackend | None, app_id: str) -> AnalysisApp:
    """The bench app on ``backend`` (None: in-process)."""
    app = AnalysisApp(
        application_id=app_id, display_name="Bench P8", manufacturer="bench", backend=backend, shutdown_grace=0.1
    )

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await ctx.respond_pending("Bench analysis running")
        await asyncio.sleep(float(ctx.app_context.get("cost_s", 0.1)))  # the fixed cost: a GPU call, say
        return Result(slideId=ctx.slide_id, displayResult="done")

    return app


app = build_app(CeleryBackend.from_env(), os.environ["BENCH_APP_ID"]) if os.environ.get("DPAT_BROKER_URL") else None
