"""Issue 13 item 2 (memory): a receiver-wide budget on the bytes of request bodies being read at once.

Each body may be up to ``max_body_bytes``; without a budget, ``limit_concurrency`` slow uploads could
hold that many times over. Over real loopback sockets (uvicorn on port 0): beyond the budget a body
waits briefly for room, then gets 503 with ``Retry-After`` (its sender still reads the answer); the
room comes back however a read ends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer
from sectra_dpat_client.app.inbound import DEFAULT_BODY_BUDGET, BodyBudget
from sectra_dpat_client.models import InputTemplate, InputType, Result
from tests.app import fakes

JSON = {"Content-Type": "application/json"}
BODY_BYTES = 300_000  # each test body: about that many bytes


def make_app(**options: Any) -> AnalysisApp:
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Budget",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON),
        client_factory=fakes.FakeResults().factory,
        **{"max_body_bytes": 1024 * 1024, **options},
    )
    app.on_create(lambda ctx: Result(slideId=ctx.slide_id, displayResult="done"))
    return app


def body(token: str) -> bytes:
    """A valid create of about `BODY_BYTES` (its own cancellation token: no replay)."""
    count = BODY_BYTES // 22
    points = [{"x": round(i / count, 6), "y": 0.5} for i in range(count)]
    content = {"polygon": {"points": points}}
    return orjson.dumps(fakes.create(cancellationToken=token, input={"type": "taggedPolygon", "content": content}))


def wait_for(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.01)


class Upload:
    """A raw-socket POST whose body is sent in two halves, the second when the test says so."""

    def __init__(self, url: str, data: bytes):
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.data = data
        head = f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        self.sock.sendall(head.encode() + data[: len(data) // 2])

    def finish(self) -> int:
        """Send the rest; the answer's status code."""
        self.sock.sendall(self.data[len(self.data) // 2 :])
        return self.status()

    def status(self) -> int:
        """The answer's status code (without sending more)."""
        answer = b""
        while b"\r\n" not in answer:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        self.sock.close()
        return int(answer.split(b" ", 2)[1])

    def abandon(self) -> None:
        self.sock.close()


@contextmanager
def served(app: AnalysisApp) -> Iterator[httpx.Client]:
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def half_of(data: bytes) -> int:
    """The bytes an `Upload` of ``data`` sends before `finish`."""
    return len(data) // 2


def test_a_body_beyond_the_budget_gets_503_with_retry_after_and_room_comes_back() -> None:
    first = body("ct-held")
    app = make_app(max_buffered_bytes=half_of(first) + 1000, retry_after=7)
    assert app.body_budget is not None
    app.body_budget.wait = 0.1
    with served(app) as http:
        held = Upload(str(http.base_url).rstrip("/"), first)
        wait_for(lambda: app.body_budget is not None and app.body_budget.held == half_of(first))
        refused = http.post("/", content=body("ct-declared"), headers=JSON)
        chunked = http.post("/", content=iter([body("ct-chunked")]), headers=JSON)  # no Content-Length
        assert held.finish() == 200
        assert app.body_budget.held == 0
        after = http.post("/", content=body("ct-after"), headers=JSON)
    for answer in (refused, chunked):
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "7"
        assert "request bodies" in answer.json()["error"]
    assert "content-length" not in chunked.request.headers
    assert after.status_code == 200


def test_a_body_waiting_for_room_is_admitted_when_the_one_ahead_ends() -> None:
    first = body("ct-held")
    app = make_app(max_buffered_bytes=half_of(first) + 1000)
    assert app.body_budget is not None
    app.body_budget.wait = 60.0
    answers: list[int] = []
    with served(app) as http:
        held = Upload(str(http.base_url).rstrip("/"), first)
        wait_for(lambda: app.body_budget is not None and app.body_budget.held == half_of(first))
        waiting = threading.Thread(
            target=lambda: answers.append(http.post("/", content=body("ct-waits"), headers=JSON).status_code)
        )
        waiting.start()
        wait_for(lambda: app.body_budget is not None and len(app.body_budget) == 1)  # it waits for room
        assert held.finish() == 200
        waiting.join(30)
    assert answers == [200]
    assert app.body_budget.held == 0


def test_a_length_only_declared_holds_no_room() -> None:
    """Peers that send headers declaring the largest body and then nothing hold no budget: other
    bodies are read meanwhile (they got 503 when the declared length was reserved up front)."""
    app = make_app(max_buffered_bytes=BODY_BYTES // 2)
    assert app.body_budget is not None
    app.body_budget.wait = 0.2
    with served(app) as http:
        host, port = str(http.base_url).removeprefix("http://").rstrip("/").rsplit(":", 1)
        idle = [socket.create_connection((host, int(port)), timeout=30) for _ in range(3)]
        try:
            for sock in idle:
                sock.sendall(
                    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"
                )
            time.sleep(0.3)  # let the receiver take the three requests in
            answer = http.post("/", content=body("ct-small"), headers=JSON)
            assert app.body_budget.held == 0  # the three idle peers hold nothing
        finally:
            for sock in idle:
                sock.close()
    assert answer.status_code == 200


def test_one_body_larger_than_the_budget_is_read_when_nothing_else_is() -> None:
    app = make_app(max_buffered_bytes=1000)
    with served(app) as http:
        assert http.post("/", content=body("ct-big"), headers=JSON).status_code == 200
        assert http.post("/", content=iter([body("ct-big-chunked")]), headers=JSON).status_code == 200
    assert app.body_budget is not None
    assert app.body_budget.held == 0


def test_room_comes_back_after_408_413_and_a_client_gone_mid_body() -> None:
    app = make_app(max_buffered_bytes=BODY_BYTES * 3 // 2, body_timeout=0.5, max_body_bytes=BODY_BYTES * 2)
    assert app.body_budget is not None
    with served(app) as http:
        url = str(http.base_url).rstrip("/")
        late = Upload(url, body("ct-late"))
        wait_for(lambda: app.body_budget is not None and app.body_budget.held > 0)
        wait_for(lambda: app.body_budget is not None and app.body_budget.held == 0)  # 408 after 0.5 s
        assert late.status() == 408
        too_big = http.post("/", content=iter([body("a"), body("b"), body("c")]), headers=JSON)
        assert too_big.status_code == 413
        assert app.body_budget.held == 0
        gone = Upload(url, body("ct-gone"))
        wait_for(lambda: app.body_budget is not None and app.body_budget.held > 0)
        gone.abandon()
        wait_for(lambda: app.body_budget is not None and app.body_budget.held == 0)
        assert http.post("/", content=body("ct-after"), headers=JSON).status_code == 200


def test_the_budget_is_configurable_and_can_be_turned_off() -> None:
    assert make_app().body_budget is not None
    assert make_app().body_budget.limit == DEFAULT_BODY_BUDGET  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="at least 1"):
        make_app(max_buffered_bytes=0)
    with pytest.raises(ValueError, match="at least 1"):
        BodyBudget(-5)
    app = make_app(max_buffered_bytes=None)
    assert app.body_budget is None
    with served(app) as http:
        assert http.post("/", content=body("ct-off"), headers=JSON).status_code == 200
