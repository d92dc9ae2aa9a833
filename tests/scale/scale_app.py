"""The app the scale tests run on Celery workers: a short fixed-cost handler that reports where it runs.

Workers import ``tests.scale.scale_app:app`` (built from the DPAT_* environment and SCALE_APP_ID);
the test process builds its receiver with `build_app`. The invocation's registration context sets
the cost: ``steps`` progress calls ``step_s`` seconds apart. With ``SCALE_BLOCKING=1`` the create
handler is a sync one that ignores cancellation: ``block_s`` seconds in one ``time.sleep`` (a long C
call) with ``block: "c"``, else in a loop of short sleeps (Python code). The async handler with
``block_loop_s`` blocks its event loop that long (``time.sleep`` in ``async def``).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time

from sectra_dpat_client.app import AnalysisApp, InvocationContext
from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
from sectra_dpat_client.models import Result

__all__ = ["app", "build_app"]


def build_app(backend: CeleryBackend | None, app_id: str, *, blocking: bool = False) -> AnalysisApp:
    """The scale-test app on ``backend`` (None: in-process)."""
    app = AnalysisApp(
        application_id=app_id,
        display_name="Scale test",
        manufacturer="sectra_dpat_client tests",
        backend=backend,
        shutdown_grace=1.0,
    )

    def analyse_blocking(ctx: InvocationContext) -> Result:
        total = float(ctx.app_context.get("block_s", 0.1))
        ctx.sync.respond_pending(f"Blocking analysis running (pid {os.getpid()} tid {threading.get_native_id()})")
        if ctx.app_context.get("block") == "c":
            time.sleep(total)
        else:
            deadline = time.monotonic() + total
            while time.monotonic() < deadline:  # never looks at ctx.cancelled
                time.sleep(0.01)
        return Result(slideId=ctx.slide_id, displayResult=f"done by pid {os.getpid()}")

    async def analyse(ctx: InvocationContext) -> Result:
        steps = int(ctx.app_context.get("steps", 3))
        step = float(ctx.app_context.get("step_s", 0.05))
        if block_loop := float(ctx.app_context.get("block_loop_s", 0)):  # an async handler that blocks its loop
            await ctx.respond_pending(f"Blocking analysis running (pid {os.getpid()} tid {threading.get_native_id()})")
            time.sleep(block_loop)  # noqa: ASYNC251 - on purpose: the hard stop must end this too
            return Result(slideId=ctx.slide_id, displayResult=f"done by pid {os.getpid()}")
        await ctx.respond_pending("Scale analysis running")
        for index in range(steps):
            await asyncio.sleep(step)
            await ctx.progress((index + 1) / (steps + 1), f"pid {os.getpid()} step {index + 1}")
        return Result(slideId=ctx.slide_id, displayResult=f"done by pid {os.getpid()}")

    app.on_create(analyse_blocking if blocking else analyse)

    @app.on_image_notification
    async def pre_analyse(ctx: InvocationContext) -> Result:
        await asyncio.sleep(float(ctx.app_context.get("step_s", 0.05)))
        return Result(slideId=ctx.slide_id, displayResult=f"notified, done by pid {os.getpid()}")

    return app


app = (
    build_app(CeleryBackend.from_env(), os.environ["SCALE_APP_ID"], blocking=os.environ.get("SCALE_BLOCKING") == "1")
    if os.environ.get("DPAT_BROKER_URL")
    else None
)
