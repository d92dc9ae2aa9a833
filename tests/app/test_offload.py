"""Issue 13 item 2: large bodies checked in a worker process (`app.offload`), over loopback uvicorn."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import httpx
import orjson
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, CallbackPolicy, InvocationContext
from sectra_dpat_client.app.offload import OffloadPool, RawInvocation
from sectra_dpat_client.models import InputTemplate, InputType, Result

from . import fakes

JSON = {"Content-Type": "application/json"}


def make_app(results: fakes.FakeResults, **options: Any) -> AnalysisApp:
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Offload",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON),
        client_factory=results.factory,
        callback_policy=CallbackPolicy(hosts=["127.0.0.1", "localhost", "dpat.example"]),
        **options,
    )
    app.on_create(lambda ctx: Result(slideId=ctx.slide_id, displayResult="done"))
    app.on_image_notification(lambda ctx: None)
    return app


def polygon(points: int, value: Any = 0.5) -> dict[str, Any]:
    pts = [{"x": round(i / points, 6), "y": value} for i in range(points)]
    return {"type": "taggedPolygon", "content": {"polygon": {"points": pts}}}


def cases() -> list[tuple[str, bytes]]:
    """Bodies covering every verdict of `_admit`: valid, each refusal, and the non-object forms."""
    create = fakes.create(input=polygon(5))
    bodies: dict[str, Any] = {
        "valid create": create,
        "invalid point": fakes.create(input=polygon(5, value="0.5")),
        "other application": {**create, "applicationId": "someone-else", "input": polygon(3, value="x")},
        "callback refused": {**create, "callbackInfo": {"url": "http://evil.example/v1", "token": "t"}},
        "missing slideId": {k: v for k, v in create.items() if k != "slideId"},
        "unknown action": {**create, "action": "explode"},
        "cancel": fakes.cancel(token="ct-x"),
        "modify": fakes.modify(),
        "notification": fakes.notification(),
        "array": [create],
        "string": "create",
    }
    encoded = [(name, orjson.dumps(body)) for name, body in bodies.items()]
    return [*encoded, ("not JSON", b'{"action": "create",'), ("whitespace", b"   \n  ")]


def answers(app: AnalysisApp, path: str = "/") -> dict[str, tuple[int, Any]]:
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        out = {}
        for name, body in cases():
            answer = http.post(path, content=body, headers=JSON)
            out[name] = (answer.status_code, answer.json() if answer.content else None)
        return out


@pytest.mark.parametrize("path", ["/", "/imagenotification"])
def test_worker_process_gives_the_in_thread_verdict_for_every_case(path: str) -> None:
    offloaded = make_app(fakes.FakeResults(), offload_above=0)  # every non-empty body goes to the worker
    in_thread = make_app(fakes.FakeResults(), offload_above=None)
    ours = answers(offloaded, path)
    assert len(offloaded.offload) == 0  # stopped at shutdown
    assert ours == answers(in_thread, path)
    assert {200, 400, 403} <= {status for status, _ in ours.values()}


def test_large_create_is_checked_in_a_worker_and_its_input_parsed_when_read() -> None:
    results = fakes.FakeResults()
    app = make_app(results, max_body_bytes=64 * 1024 * 1024, offload_above=1024 * 1024)
    app.offload.fast = False  # the in-place check would take this compact body (test_fastcheck_points)
    seen: list[Any] = []

    @app.on_create
    async def count(ctx: InvocationContext) -> Result:
        payload = ctx._payload
        unparsed = isinstance(payload, RawInvocation) and payload._body is not None
        points = ctx.create_input.content.polygon.points  # type: ignore[union-attr]
        seen.append((unparsed, len(points), points[-1].x))
        return Result(slideId=ctx.slide_id, displayResult="done")

    body = orjson.dumps(fakes.create(slideId="big", input=polygon(100_000)))
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        answer = http.post("/", content=body, headers=JSON)
        assert answer.status_code == 200, answer.text[:300]
        assert len(app.offload) == 1  # one worker started, kept for the next body
        worker = next(iter(app.offload._all)).process
        small_body = orjson.dumps(fakes.create(cancellationToken="small", input=polygon(3)))
        small = http.post("/", content=small_body, headers=JSON)
        assert small.status_code == 200
    assert len(seen) == 2
    assert seen[0] == (True, 100_000, round(99_999 / 100_000, 6))  # unparsed until the handler read it
    assert seen[1][0] is False  # a small body: parsed in process
    assert worker.poll() is not None  # ended with the app
    assert len(app.offload) == 0


def test_large_invalid_body_from_the_worker_names_the_fault() -> None:
    app = make_app(fakes.FakeResults(), max_body_bytes=64 * 1024 * 1024, offload_above=1024 * 1024)
    body = orjson.dumps(fakes.create(input=polygon(100_000, value="0.5")))
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        answer = http.post("/", content=body, headers=JSON)
        assert len(app.offload) == 1
    assert answer.status_code == 400
    faults = answer.json()["faults"]
    assert 0 < len(faults) <= 50
    assert all(f["path"].startswith("$.input.content.polygon.points[") for f in faults)


def test_a_dead_worker_costs_only_time_and_is_replaced_after_the_cool_down() -> None:
    app = make_app(fakes.FakeResults(), max_body_bytes=64 * 1024 * 1024, offload_above=64 * 1024)
    app.offload.cool_down = 0.5
    bodies = [orjson.dumps(fakes.create(cancellationToken=f"ct-{i}", input=polygon(10_000))) for i in range(4)]
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post("/", content=bodies[0], headers=JSON).status_code == 200
        first = next(iter(app.offload._all)).process
        first.kill()
        first.wait()
        assert http.post("/", content=bodies[1], headers=JSON).status_code == 200  # in-thread fallback
        assert http.post("/", content=bodies[2], headers=JSON).status_code == 200  # cooling down: in-thread
        assert len(app.offload) == 0
        time.sleep(0.6)
        assert http.post("/", content=bodies[3], headers=JSON).status_code == 200
        assert len(app.offload) == 1  # a new worker
        assert next(iter(app.offload._all)).process.pid != first.pid


def test_offload_above_none_keeps_every_body_in_process() -> None:
    app = make_app(fakes.FakeResults(), max_body_bytes=64 * 1024 * 1024, offload_above=None)
    body = orjson.dumps(fakes.create(input=polygon(100_000)))
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post("/", content=body, headers=JSON).status_code == 200
        assert len(app.offload) == 0


def test_workers_end_when_the_receiver_process_dies() -> None:
    script = textwrap.dedent(
        """
        import os, sys
        from sectra_dpat_client.app.offload import OffloadPool
        pool = OffloadPool(1)
        assert pool.run(b'{"action": "cancel"}', "Invocation", "x") is not None
        print(next(iter(pool._all)).process.pid, flush=True)
        os._exit(0)  # no cleanup at all: as if killed
        """
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    pid = int(child.stdout.strip())
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the worker outlived its receiver"


def test_pool_close_ends_workers_and_a_closed_pool_restarts_on_demand() -> None:
    pool = OffloadPool(2, fast=False)
    pool.prestart()
    pool.prestart()  # one idle worker is enough: no second start
    assert len(pool) == 1
    verdict = pool.run(orjson.dumps(fakes.create()), "Invocation", fakes.APP_ID)
    assert verdict is not None
    assert verdict.faults == []
    assert verdict.key is not None
    processes = [worker.process for worker in pool._all]
    pool.close()
    assert all(process.poll() is not None for process in processes)
    assert pool.run(b"[1]", "Invocation", fakes.APP_ID) is not None
    pool.close()
    with pytest.raises(ValueError, match="at least 1"):
        OffloadPool(0)


def test_raw_invocation_reads_input_once_and_hides_the_token() -> None:
    body = orjson.dumps(fakes.create(input=polygon(3)))
    fields = {k: v for k, v in orjson.loads(body).items() if k != "input"}
    raw = RawInvocation(fields, body, has_input=True)
    assert set(raw) == {*fields, "input"}
    assert len(raw) == len(fields) + 1
    assert raw["input"]["type"] == "taggedPolygon"
    assert raw["input"] is raw["input"]
    assert raw._body is None  # dropped once parsed
    assert fakes.TOKEN not in repr(raw)
    assert dict(RawInvocation(fields, body, has_input=False)) == fields


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_worker_that_cannot_be_started_leaves_the_in_thread_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    app = make_app(fakes.FakeResults(), max_body_bytes=64 * 1024 * 1024, offload_above=64 * 1024)
    body = orjson.dumps(fakes.create(input=polygon(10_000)))
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post("/", content=body, headers=JSON).status_code == 200
        assert len(app.offload) == 0


def test_an_async_handler_loads_a_big_input_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """`await ctx.load_invocation()` builds the model in a worker thread, not on the loop serving requests."""
    from sectra_dpat_client.app import context as context_module

    threads: dict[str, int] = {}
    model = context_module._INVOCATION_MODELS["create"]
    original = model.from_dict

    def recording_from_dict(payload: Any) -> Any:
        threads["parsed"] = threading.get_ident()
        return original(payload)

    monkeypatch.setitem(
        context_module._INVOCATION_MODELS,
        "create",
        type("Recording", (), {"from_dict": staticmethod(recording_from_dict)}),
    )
    results = fakes.FakeResults()
    app = make_app(results)
    points: list[int] = []

    async def handler(ctx: InvocationContext) -> Result:
        threads["loop"] = threading.get_ident()
        await ctx.load_invocation()
        given = ctx.create_input
        assert given is not None
        points.append(len(given.content.polygon.points))  # type: ignore[union-attr]
        return Result(slideId=ctx.slide_id, displayResult="done")

    app.on_create(handler)
    body = orjson.dumps(fakes.create(input=polygon(20_000)))
    with BackgroundServer(app) as server:
        answer = httpx.post(server.url + "/", content=body, headers=JSON, timeout=30)
    assert answer.status_code == 200, answer.text
    assert points == [20_000]
    assert threads["parsed"] != threads["loop"]
