"""The app the scale tests run on Celery workers: a short fixed-cost handler that reports where it runs.

Workers import ``tests.scale.scale_app:app`` (built from the DPAT_* environment and SCALE_APP_ID);
the test process builds its receiver with `build_app`. The invocation's registration context sets
the cost: ``steps`` progress calls ``step_s`` seconds apart.
"""

from __future__ import annotations

import asyncio
import os

from sectra_dpat_client.app import AnalysisApp, InvocationContext
from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
from sectra_dpat_client.models import Result

__all__ = ["app", "build_app"]


def build_app(backend: CeleryBackend | None, app_id: str) -> AnalysisApp:
    """The scale-test app on ``backend`` (None: in-process)."""
    app = AnalysisApp(
        application_id=app_id,
        display_name="Scale test",
        manufacturer="sectra_dpat_client tests",
        backend=backend,
        shutdown_grace=1.0,
    )

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        steps = int(ctx.app_context.get("steps", 3))
        step = float(ctx.app_context.get("step_s", 0.05))
        await ctx.respond_pending("Scale analysis running")
        for index in range(steps):
            await asyncio.sleep(step)
            await ctx.progress((index + 1) / (steps + 1), f"pid {os.getpid()} step {index + 1}")
        return Result(slideId=ctx.slide_id, displayResult=f"done by pid {os.getpid()}")

    @app.on_image_notification
    async def pre_analyse(ctx: InvocationContext) -> Result:
        await asyncio.sleep(float(ctx.app_context.get("step_s", 0.05)))
        return Result(slideId=ctx.slide_id, displayResult=f"notified, done by pid {os.getpid()}")

    return app


app = build_app(CeleryBackend.from_env(), os.environ["SCALE_APP_ID"]) if os.environ.get("DPAT_BROKER_URL") else None
