"""Review 13 gap 10: a handler that swallows its cancellation does not hold shutdown past ``shutdown_grace``.

Over real uvicorn (`BackgroundServer`); the bound asserted is generous (grace + 5 s) so it cannot flake,
while the defect it guards against held shutdown for the handler's whole run (20 s here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from typing import Any

import httpx
import orjson
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.models import InputTemplate, InputType, Result

from . import fakes

GRACE = 1.0
STUBBORN_FOR = 20.0  # how long the handler keeps ignoring cancels


async def stubborn(ctx: InvocationContext) -> Result:
    """Ignores every cancel until STUBBORN_FOR has passed."""
    end = time.monotonic() + STUBBORN_FOR
    while time.monotonic() < end:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)
    return Result(slideId=ctx.slide_id, displayResult="late")


@pytest.mark.parametrize("route", ["/", "/imagenotification"])
def test_a_handler_swallowing_cancellation_is_abandoned_within_the_grace(
    route: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Shutdown",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.WHOLE_SLIDE),
        client_factory=fakes.FakeResults().factory,
        shutdown_grace=GRACE,
    )
    app.on_create(stubborn)
    app.on_image_notification(stubborn)
    body = fakes.create() if route == "/" else fakes.notification()
    answers: list[Any] = []
    server = BackgroundServer(app, shutdown_timeout=STUBBORN_FOR + 10)
    with caplog.at_level(logging.INFO, logger="sectra_dpat_client.app"):
        server.__enter__()
        try:
            poster = threading.Thread(target=lambda: answers.append(_post(server.url + route, body)))
            poster.start()
            deadline = time.monotonic() + 10
            while not app.jobs.running() and time.monotonic() < deadline:
                time.sleep(0.02)
            [job] = app.jobs.running()
        finally:
            started = time.monotonic()
            server.stop()
            took = time.monotonic() - started
        poster.join(10)
    assert took < GRACE + 5, f"shutdown took {took:.1f} s"
    assert app.jobs.running() == []
    assert answers, "the request got no answer"
    abandoned = [record.getMessage() for record in caplog.records if "abandoning" in record.getMessage()]
    assert abandoned == [f"abandoning {job.job_id} ({job.action}): it ignored its cancellation at shutdown"]


def _post(url: str, body: dict[str, Any]) -> int | str:
    try:
        return httpx.post(
            url, content=orjson.dumps(body), headers={"Content-Type": "application/json"}, timeout=40
        ).status_code
    except httpx.HTTPError as error:  # the server closed the connection at shutdown: answered by closing
        return type(error).__name__
