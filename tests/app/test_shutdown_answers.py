"""A create whose request uvicorn cancels at its graceful-shutdown timeout gets 503 + Retry-After, not 500.

Over real uvicorn on loopback (`BackgroundServer`, whose graceful-shutdown timeout is the app's
``shutdown_grace``): the handler is still running when the server stops, uvicorn cancels the waiting
request, and the app answers it as the spec's AppError instead of letting uvicorn log
"Exception in ASGI application" with a traceback and send its plain-text 500.
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
from sectra_dpat_client.models import Result

from . import fakes

GRACE = 0.5


async def waits_forever(ctx: InvocationContext) -> Result:
    """Never answers on its own; a cancel ends it."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def ignores_cancels(ctx: InvocationContext) -> Result:
    """Swallows cancels for 3 s, then answers (the app abandons it at shutdown before that)."""
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)
    return Result(slideId=ctx.slide_id, displayResult="late")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _app(handler: Any, **options: Any) -> AnalysisApp:
    """An app whose shutdown grace is `GRACE`, serving ``handler`` for creates."""
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Shutdown",
        manufacturer="Acme",
        client_factory=fakes.FakeResults().factory,
        shutdown_grace=GRACE,
        **options,
    )
    app.on_create(handler)
    return app


@pytest.mark.parametrize("handler", [waits_forever, ignores_cancels], ids=["waiting", "ignoring-cancels"])
def test_a_create_cancelled_by_the_servers_shutdown_timeout_gets_503_with_retry_after(handler: Any) -> None:
    app = _app(handler, retry_after=7)
    server = BackgroundServer(app, shutdown_timeout=30)
    uvicorn_log = _Records()  # uvicorn's loggers do not propagate to the root logger (caplog)
    logging.getLogger("uvicorn.error").addHandler(uvicorn_log)
    answers: list[httpx.Response | BaseException] = []

    def post() -> None:
        try:
            answers.append(
                httpx.post(
                    server.url + "/",
                    content=orjson.dumps(fakes.create()),
                    headers={"Content-Type": "application/json"},
                    timeout=30,
                )
            )
        except httpx.HTTPError as error:
            answers.append(error)

    try:
        with server:
            poster = threading.Thread(target=post)
            poster.start()
            deadline = time.monotonic() + 10
            while not app.jobs.running() and time.monotonic() < deadline:
                time.sleep(0.02)
            assert app.jobs.running(), "the create's job did not start"
        poster.join(30)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(uvicorn_log)

    [answer] = answers
    assert isinstance(answer, httpx.Response), f"no HTTP answer: {answer!r}"
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "7"
    assert answer.json() == {"error": "the app is shutting down; retry later"}
    tracebacks = [r.getMessage() for r in uvicorn_log.records if r.exc_info or "Exception in ASGI" in r.getMessage()]
    assert tracebacks == []
    assert app.jobs.running() == []


class _TimeoutMiddleware:
    """An ASGI middleware that gives each HTTP request 0.3 s, then answers 504 itself (its own cancel scope)."""

    def __init__(self, app: AnalysisApp) -> None:
        self.app = app
        self.shutdown_grace = app.shutdown_grace
        self.timed_out = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            async with asyncio.timeout(0.3):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            self.timed_out += 1
            if not started:
                await send({"type": "http.response.start", "status": 504, "headers": []})
                await send({"type": "http.response.body", "body": b"middleware timeout"})


def test_a_cancel_from_an_outer_scope_is_not_answered_as_shutting_down() -> None:
    """Only uvicorn's graceful-shutdown cancel is answered 503; a middleware's own timeout reaches it."""
    app = _app(waits_forever)
    wrapped = _TimeoutMiddleware(app)
    with BackgroundServer(wrapped, shutdown_timeout=30) as server:
        answer = httpx.post(
            server.url + "/",
            content=orjson.dumps(fakes.create()),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 504, answer.text
        assert answer.text == "middleware timeout"
        assert wrapped.timed_out == 1
        deadline = time.monotonic() + 10
        while app.jobs.running() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert app.jobs.running() == []  # the cancelled request's job was cancelled with it
