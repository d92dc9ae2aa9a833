"""Malformed and hostile invocations over real HTTP: each gets the right 4xx and never reaches a handler."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.models import InputTemplate, InputType, Result, UnknownInput
from sectra_dpat_client.validate import iter_faults

from . import fakes

LIMIT = 64 * 1024
SECRET = "shared-secret-value"


class Spy:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.inputs: list[Any] = []

    def record(self, ctx: InvocationContext) -> Result:
        self.calls.append(ctx.action)
        self.inputs.append(ctx.create_input)
        return Result(slideId=ctx.slide_id, displayResult="handled")


@pytest.fixture(scope="module")
def spy() -> Spy:
    return Spy()


@pytest.fixture(scope="module")
def results() -> fakes.FakeResults:
    return fakes.FakeResults()


@pytest.fixture(scope="module")
def server(spy: Spy, results: fakes.FakeResults) -> Iterator[str]:
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Hostile input target",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON),
        max_body_bytes=LIMIT,
        client_factory=results.factory,
    )
    for register in (app.on_create, app.on_modify, app.on_delete, app.on_cancel, app.on_image_notification):
        register(spy.record)
    with BackgroundServer(app) as running:
        yield running.url


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client


def without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    body = copy.deepcopy(body)
    holder = body
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return body


def tagged(**content: Any) -> dict[str, Any]:
    polygon = {"points": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.1}, {"x": 0.2, "y": 0.2}]}
    return fakes.create(input={"type": "taggedPolygon", "content": {"polygon": polygon, **content}})


def deep_json(depth: int) -> bytes:
    return b'{"action":' + b"[" * depth + b"]" * depth + b"}"


def chunks(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * 4096
        sent += 4096


# (name, route, how to send, expected status, a fault path the answer must name or None)
Send = Callable[[httpx.Client, str], httpx.Response]


def post_json(body: Any) -> Send:
    return lambda http, route: http.post(route, json=body)


def post_raw(content: bytes | Iterator[bytes], content_type: str = "application/json") -> Send:
    return lambda http, route: http.post(route, content=content, headers={"Content-Type": content_type})


CASES: list[tuple[str, str, Send, int, str | None]] = [
    ("text body", "/", post_raw(b"hello", "text/plain"), 415, None),
    ("form body", "/", post_raw(b"action=create", "application/x-www-form-urlencoded"), 415, None),
    ("broken JSON", "/", post_raw(b'{"action": "create",'), 400, None),
    ("empty body", "/", post_raw(b""), 400, None),
    ("NaN literal", "/", post_raw(b'{"action": "create", "x": NaN}'), 400, None),
    ("invalid UTF-8", "/", post_raw(b'{"action": "\xff\xfe"}'), 400, None),
    ("nesting bomb", "/", post_raw(deep_json(5000)), 400, None),
    ("JSON array", "/", post_json([fakes.create()]), 400, "$"),
    ("JSON string", "/", post_json("create"), 400, "$"),
    ("unknown action", "/", post_json(fakes.create(action="explode")), 400, "$.action"),
    ("notification action on invocation URL", "/", post_json(fakes.create(action="newImageFiles")), 400, "$.action"),
    ("missing action", "/", post_json(without(fakes.create(), "action")), 400, None),
    ("missing slideId", "/", post_json(without(fakes.create(), "slideId")), 400, "$"),
    ("slideId is a number", "/", post_json(fakes.create(slideId=42)), 400, "$.slideId"),
    ("empty slideId", "/", post_json(fakes.create(slideId="")), 400, "$.slideId"),
    ("missing callbackInfo", "/", post_json(without(fakes.create(), "callbackInfo")), 400, "$"),
    ("missing callback token", "/", post_json(without(fakes.create(), "callbackInfo", "token")), 400, "$.callbackInfo"),
    ("cancellationToken is a number", "/", post_json(fakes.create(cancellationToken=7)), 400, "$.cancellationToken"),
    ("context is a string", "/", post_json(fakes.create(context="admin")), 400, "$.context"),
    ("create without input", "/", post_json(without(fakes.create(), "input")), 400, "$"),
    ("input type is a number", "/", post_json(fakes.create(input={"type": 7})), 400, "$.input.type"),
    ("known input type without content", "/", post_json(fakes.create(input={"type": "taggedPolygon"})), 400, "$.input"),
    ("tagged polygon without polygon", "/", post_json(fakes.create(input={"type": "taggedPolygon", "content": {}})),
     400, "$.input.content"),
    ("tagIndex outside tags", "/", post_json(tagged(tags=["Tumour"], tagIndex=3)), 400, "$.input.content.tagIndex"),
    ("point coordinate is text", "/", post_json(
        fakes.create(input={"type": "multiArea", "content": {"polygons": [{"points": [{"x": "0.1", "y": 0}]}]}})),
     400, "$.input.content.polygons[0].points[0].x"),
    ("modify without versionId", "/", post_json(fakes.modify(input=without(fakes.stored_result(), "versionId"))),
     400, "$.input"),
    ("modify with negative id", "/", post_json(fakes.modify(input=fakes.stored_result(result_id=-1))), 400, "$.input.id"),
    ("another app's invocation", "/", post_json(fakes.create(applicationId="other-app")), 400, "$.applicationId"),
    ("callback to a foreign host", "/", post_json(fakes.create(callbackInfo=fakes.callback("https://203.0.113.5/v1"))),
     403, "$.callbackInfo.url"),
    ("callback with credentials", "/", post_json(fakes.create(callbackInfo=fakes.callback("http://u:p@127.0.0.1:9/"))),
     403, "$.callbackInfo.url"),
    ("callback to a file URL", "/", post_json(fakes.create(callbackInfo=fakes.callback("file:///etc/passwd"))),
     403, "$.callbackInfo.url"),
    ("callback over FTP", "/", post_json(fakes.create(callbackInfo=fakes.callback("ftp://127.0.0.1/"))),
     403, "$.callbackInfo.url"),
    ("callback without host", "/", post_json(fakes.create(callbackInfo=fakes.callback("http:///v1"))),
     403, "$.callbackInfo.url"),
    ("callback with a bad port", "/", post_json(fakes.create(callbackInfo=fakes.callback("http://127.0.0.1:99999/"))),
     403, "$.callbackInfo.url"),
    ("callback with a query string", "/", post_json(fakes.create(callbackInfo=fakes.callback("http://127.0.0.1:9/b?x=1"))),
     403, "$.callbackInfo.url"),
    ("callback with full-width digits", "/",
     post_json(fakes.create(callbackInfo=fakes.callback("http://127.0.0.1:\uff19\uff10/v1"))), 403, "$.callbackInfo.url"),
    ("callback with a raw CRLF", "/",
     post_json(fakes.create(callbackInfo=fakes.callback("http://127.0.0.1:9/v1\r\nX-Evil: 1"))), 403, "$.callbackInfo.url"),
    ("body over the limit (Content-Length)", "/", post_raw(b" " * (LIMIT + 1)), 413, None),
    ("body over the limit (chunked)", "/", post_raw(chunks(LIMIT * 2)), 413, None),
    ("notification without imageInfo", "/imagenotification",
     post_json(without(fakes.notification(), "imageInfo")), 400, "$"),
    ("notification with a create action", "/imagenotification",
     post_json(fakes.notification(action="create")), 400, "$.action"),
    ("notification calling back elsewhere", "/imagenotification",
     post_json(fakes.notification(callbackInfo=fakes.callback("http://198.51.100.7/"))), 403, "$.callbackInfo.url"),
    ("notification as text", "/imagenotification", post_raw(b"new image", "text/plain"), 415, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "route", "send", "status", "fault_path"), CASES, ids=[case[0] for case in CASES])
def test_refused_before_any_handler(
    http: httpx.Client,
    spy: Spy,
    results: fakes.FakeResults,
    caplog: pytest.LogCaptureFixture,
    name: str,
    route: str,
    send: Send,
    status: int,
    fault_path: str | None,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="sectra_dpat_client.app"):
        response = send(http, route)
    assert response.status_code == status, response.text
    body = response.json()
    assert iter_faults(body, "AppError") == []
    if fault_path is not None:
        assert fault_path in [fault["path"] for fault in body["faults"]], body
    assert response.headers["X-Sectra-ApiVersion"] == "1.10"
    assert fakes.TOKEN not in response.text
    assert all(fakes.TOKEN not in record.getMessage() for record in caplog.records)
    assert spy.calls == []
    assert results.clients_made == 0


def test_case_count_meets_the_requirement() -> None:
    assert len(CASES) >= 20


def test_a_valid_invocation_does_reach_the_handler(http: httpx.Client, spy: Spy, results: fakes.FakeResults) -> None:
    """The control case: the same server accepts what the spec allows (and the loopback name)."""
    try:
        ok = http.post("/", json=tagged(tags=["Tumour"], tagIndex=0))
        by_name = http.post("/", json=fakes.create(callbackInfo=fakes.callback("http://localhost:9/v1")))
        assert (ok.status_code, by_name.status_code) == (200, 200)
        assert spy.calls == ["create", "create"]
    finally:
        spy.calls.clear()
        spy.inputs.clear()
        results.clients_made = 0


def test_an_unknown_input_type_reaches_the_handler_raw(
    http: httpx.Client, spy: Spy, results: fakes.FakeResults
) -> None:
    """A newer DPAT's input type is no fault: the handler gets it as UnknownInput and decides."""
    newer = {"type": "freehand", "content": {"strokes": [[0.1, 0.2], [0.3, 0.4]]}, "brush": 3}
    try:
        answer = http.post("/", json=fakes.create(input=newer))
        assert answer.status_code == 200, answer.text
        assert spy.calls == ["create"]
        (seen,) = spy.inputs
        assert isinstance(seen, UnknownInput)
        assert (seen.type_, seen.content, seen["brush"]) == ("freehand", newer["content"], 3)
        assert seen.to_dict() == newer
    finally:
        spy.calls.clear()
        spy.inputs.clear()
        results.clients_made = 0


def test_shared_secret_is_required_when_configured() -> None:
    spy = Spy()
    results = fakes.FakeResults()
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Secret",
        manufacturer="Acme",
        shared_secret=SECRET,
        client_factory=results.factory,
    )
    app.on_create(spy.record)
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        missing = http.post("/", json=fakes.create())
        wrong = http.post("/", json=fakes.create(), headers={"X-DPAT-App-Secret": "guess"})
        assert (missing.status_code, wrong.status_code) == (401, 401)
        assert SECRET not in missing.text + wrong.text
        assert spy.calls == []
        right = http.post("/", json=fakes.create(), headers={"X-DPAT-App-Secret": SECRET})
        assert right.status_code == 200
        assert spy.calls == ["create"]
        assert http.get("/").status_code == 200  # registration stays readable for DPAT's admin page
