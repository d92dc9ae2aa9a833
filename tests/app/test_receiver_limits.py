"""Issue 13, receiver: hostile and unlucky peers over real loopback sockets (uvicorn on port 0)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import Any

import httpx
import orjson

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.app.jobs import JobInfo
from sectra_dpat_client.models import InputTemplate, InputType, Result

from . import fakes


def make_app(results: fakes.FakeResults, **options: Any) -> AnalysisApp:
    return AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Limits",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON),
        client_factory=results.factory,
        **options,
    )


def raw_request(url: str, head: bytes, body_parts: list[bytes], pause: float) -> tuple[bytes, float]:
    """Send ``head`` then each body part ``pause`` s apart; the answer (or b"" if closed) and the time taken."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head)
        try:
            for part in body_parts:
                time.sleep(pause)
                sock.sendall(part)
        except OSError:
            pass  # the server closed the connection
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
        except OSError:
            pass
    return answer, time.monotonic() - started


# --- 1. a cancel landing before the job's first step -----------------------------------------


class CancelAtOnce(AnalysisApp):
    """Cancels every job right after it is started, before its coroutine runs a single step."""

    def _start(self, ctx: InvocationContext, handler: Any) -> JobInfo:
        job = super()._start(ctx, handler)
        self.jobs.cancel_job(job.job_id)
        return job


def test_cancel_before_the_job_starts_still_answers_and_shutdown_is_prompt() -> None:
    results = fakes.FakeResults()
    app = CancelAtOnce(
        application_id=fakes.APP_ID, display_name="x", manufacturer="Acme", client_factory=results.factory,
        shutdown_grace=2.0,
    )  # fmt: skip
    app.on_create(lambda ctx: Result(slideId=ctx.slide_id, displayResult="done"))
    server = BackgroundServer(app, shutdown_timeout=2.0 + 3.0)
    with server, httpx.Client(base_url=server.url, timeout=5) as http:
        answer = http.post("/", json=fakes.create())
        assert answer.status_code == 409, answer.text
        assert "cancelled" in answer.json()["error"]
    # leaving the block stops the server: it raises if that took longer than shutdown_timeout


def test_create_and_cancel_sent_together_always_answer() -> None:
    results = fakes.FakeResults()
    app = make_app(results, shutdown_grace=2.0, max_concurrent_jobs=64)

    @app.on_create
    async def slow(ctx: InvocationContext) -> Result:
        await asyncio.sleep(0.05)
        return Result(slideId=ctx.slide_id, displayResult="done")

    async def pairs(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:

            async def pair(i: int) -> int:
                body = fakes.create(cancellationToken=f"ct-{i}", slideId=f"s-{i}")
                create, cancel = await asyncio.gather(
                    http.post("/", json=body), http.post("/", json=fakes.cancel(token=f"ct-{i}"))
                )
                assert cancel.status_code == 200
                return create.status_code

            return list(await asyncio.gather(*(pair(i) for i in range(40))))

    with BackgroundServer(app, shutdown_timeout=5.0) as server:
        statuses = asyncio.run(pairs(server.url))
        assert set(statuses) <= {200, 409}, statuses
        assert app.jobs.running() == []


# --- 2. validation off the event loop, and fast ----------------------------------------------


def polygon_body(points: int, *, valid: bool = True, slide: str = "big") -> bytes:
    value: Any = 0.5 if valid else "0.5"
    pts = [{"x": round(i / points, 6), "y": value} for i in range(points)]
    body = fakes.create(slideId=slide, input={"type": "taggedPolygon", "content": {"polygon": {"points": pts}}})
    return orjson.dumps(body)


def test_large_invalid_body_does_not_block_info() -> None:
    results = fakes.FakeResults()
    app = make_app(results, max_body_bytes=64 * 1024 * 1024)
    app.on_create(lambda ctx: Result(slideId=ctx.slide_id, displayResult="done"))
    body = polygon_body(400_000, valid=False)
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        done: dict[str, Any] = {}

        def post() -> None:
            done["answer"] = http.post("/", content=body, headers={"Content-Type": "application/json"})
            done["at"] = time.monotonic()

        sender = threading.Thread(target=post)
        sender.start()
        info_times = []
        while sender.is_alive():
            started = time.monotonic()
            assert http.get("/info").status_code == 200
            info_times.append(time.monotonic() - started)
        sender.join()
        answer = done["answer"]
        assert answer.status_code == 400
        faults = answer.json()["faults"]
        assert faults
        assert all(f["path"].startswith("$.input.content.polygon.points[") for f in faults)
        assert len(faults) <= 50
        assert results.clients_made == 0
        assert max(info_times) < 5.0  # the loop stayed responsive (the speed targets live in bench/)


def test_large_valid_body_is_accepted() -> None:
    results = fakes.FakeResults()
    app = make_app(results, max_body_bytes=64 * 1024 * 1024)
    seen: list[int] = []

    @app.on_create
    async def count(ctx: InvocationContext) -> Result:
        content = ctx.create_input.content  # type: ignore[union-attr]
        seen.append(len(content.polygon.points))  # type: ignore[union-attr]
        return Result(slideId=ctx.slide_id, displayResult="done")

    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        answer = http.post("/", content=polygon_body(200_000), headers={"Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text[:300]
        assert seen == [200_000]


# --- 3. replays and the notification queue ---------------------------------------------------


def test_identical_create_runs_once_and_is_answered_like_the_first() -> None:
    results = fakes.FakeResults()
    app = make_app(results)
    runs: list[str] = []

    @app.on_create
    async def handle(ctx: InvocationContext) -> Result:
        runs.append(ctx.slide_id)
        await asyncio.sleep(0.2)
        return Result(slideId=ctx.slide_id, displayResult="done")

    async def three(url: str, body: dict[str, Any]) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            concurrent = await asyncio.gather(http.post("/", json=body), http.post("/", json=body))
            later = await http.post("/", json=body)  # after the first finished
            return [*concurrent, later]

    with BackgroundServer(app) as server:
        answers = asyncio.run(three(server.url, fakes.create()))
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert len({a.content for a in answers}) == 1
        assert runs == ["slide-1"]
        assert len(results.stored) == 1
        with httpx.Client(base_url=server.url, timeout=10) as http:
            other = http.post("/", json=fakes.create(cancellationToken="ct-2"))  # a different invocation
        assert other.status_code == 200
        assert runs == ["slide-1", "slide-1"]


def test_identical_notifications_coalesce_and_the_queue_is_bounded() -> None:
    results = fakes.FakeResults()
    app = make_app(results, max_queued_notifications=5, notification_concurrency=1, retry_after=7)
    release = threading.Event()
    runs: list[str] = []

    @app.on_image_notification
    def handle(ctx: InvocationContext) -> None:
        runs.append(ctx.slide_id)
        release.wait(10)

    async def flood(url: str) -> tuple[list[int], list[httpx.Response]]:
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=20)) as http:
            same: list[httpx.Response] = []
            for _ in range(6):  # 300 identical, 50 at a time (httpx's pool is slow with hundreds waiting)
                batch = (http.post("/imagenotification", json=fakes.notification()) for _ in range(50))
                same += await asyncio.gather(*batch)
            distinct = [
                await http.post("/imagenotification", json=fakes.notification(slideId=f"s-{i}")) for i in range(8)
            ]
            return [r.status_code for r in same], distinct

    try:
        with BackgroundServer(app) as server:
            same, distinct = asyncio.run(flood(server.url))
            assert set(same) == {200}
            assert [r.status_code for r in distinct] == [200] * 4 + [503] * 4  # 1 + 4 fill the 5 slots
            assert distinct[-1].headers["Retry-After"] == "7"
            assert distinct[-1].json()["error"]
            release.set()
    finally:
        release.set()
    assert runs.count("slide-1") == 1
    assert len(runs) == 5


# --- 4. slow clients -------------------------------------------------------------------------


def test_a_body_sent_a_byte_at_a_time_gets_408() -> None:
    results = fakes.FakeResults()
    app = make_app(results, body_timeout=0.5)
    app.on_create(lambda ctx: Result(slideId=ctx.slide_id, displayResult="done"))
    body = orjson.dumps(fakes.create())
    head = (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    with BackgroundServer(app) as server:
        answer, took = raw_request(server.url, head, [body[i : i + 1] for i in range(40)], 0.05)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert took < 5.0
    assert results.clients_made == 0


def test_headers_sent_a_byte_at_a_time_are_cut_off() -> None:
    app = make_app(fakes.FakeResults())
    head = b"GET /info HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    with BackgroundServer(app, header_timeout=0.5) as server:
        answer, took = raw_request(server.url, b"", [head[i : i + 1] for i in range(len(head))], 0.05)
    assert answer == b""
    assert took < 5.0  # 150 bytes at 0.05 s would take 7.5 s


# --- 5. a client leaving mid-body ------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_client_disconnecting_mid_body_is_an_info_line() -> None:
    app = make_app(fakes.FakeResults())
    app.on_create(lambda ctx: Result(slideId=ctx.slide_id, displayResult="done"))
    records = Records()
    loggers = [logging.getLogger(name) for name in ("sectra_dpat_client.app", "uvicorn.error", "uvicorn")]
    for logger in loggers:
        logger.addHandler(records)
    app_logger = logging.getLogger("sectra_dpat_client.app")
    level = app_logger.level
    app_logger.setLevel(logging.INFO)
    try:
        with BackgroundServer(app) as server:
            head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
            host, port = server.url.removeprefix("http://").rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                sock.sendall(head + b'{"action": "cre')
                time.sleep(0.2)
            time.sleep(0.5)
    finally:
        for logger in loggers:
            logger.removeHandler(records)
        app_logger.setLevel(level)
    assert not [r for r in records.records if r.levelno >= logging.ERROR], [r.getMessage() for r in records.records]
    assert any(r.levelno == logging.INFO and "disconnected" in r.getMessage() for r in records.records)


# --- 6. concurrent create jobs ---------------------------------------------------------------


def test_create_jobs_beyond_max_concurrent_jobs_get_503() -> None:
    results = fakes.FakeResults()
    app = make_app(results, max_concurrent_jobs=2, retry_after=3, respond_pending_after=0.05)
    release = asyncio.Event()

    @app.on_create
    async def wait(ctx: InvocationContext) -> Result:
        await release.wait()
        return Result(slideId=ctx.slide_id, displayResult="done")

    with BackgroundServer(app, shutdown_timeout=40) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        answers = [http.post("/", json=fakes.create(slideId=f"s-{i}", cancellationToken=f"c-{i}")) for i in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 503]
        assert answers[2].headers["Retry-After"] == "3"
        for i in range(2):
            assert http.post("/", json=fakes.cancel(token=f"c-{i}")).status_code == 200
