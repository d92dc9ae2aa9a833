"""Review 13 gaps 3-4: JSON nested deeper than orjson writes (255-1024 levels), over loopback uvicorn.

orjson reads 1024 levels but writes 254: a top-level field nested deeper used to kill the offload
worker (its reply could not be written) and, in a small body, end in a 500 from the replay key.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.app.inbound import NESTING_LIMIT
from sectra_dpat_client.app.offload import OffloadPool, RawInvocation
from sectra_dpat_client.models import Result

from . import fakes

JSON = {"Content-Type": "application/json"}
OFFLOAD_ABOVE = 1024 * 1024
TOO_DEEP = [{"path": "$.context", "message": f"is nested more than {NESTING_LIMIT} levels deep"}]


def make_app(seen: list[Any], **options: Any) -> AnalysisApp:
    app: AnalysisApp = fakes.whole_slide_app("Deep", **options)

    @app.on_create
    async def create(ctx: InvocationContext) -> Result:
        payload = ctx._payload
        seen.append((ctx.slide_id, isinstance(payload, RawInvocation) and payload._body is not None))
        return Result(slideId=ctx.slide_id, displayResult="done")

    return app


def nested(levels: int) -> bytes:
    return b"[" * levels + b"1" + b"]" * levels


def deep_create(levels: int, *, where: str = "context", pad: int = 0, **overrides: Any) -> bytes:
    """A create whose ``where`` field (``context``, ``input``, ``callbackInfo``) has a member ``levels`` deep."""
    body = fakes.create(**overrides)
    body[where] = {**body[where], "deep": "@DEEP@", "pad": "x" * pad}
    return orjson.dumps(body).replace(b'"@DEEP@"', nested(levels))


def test_orjson_writes_exactly_the_nesting_limit() -> None:
    fields = {"context": orjson.loads(b"{" + b'"d":' + nested(NESTING_LIMIT - 1) + b"}")}
    assert orjson.dumps([fields])  # the field's own object counts: NESTING_LIMIT levels in all
    fields["context"]["d"] = [fields["context"]["d"]]
    with pytest.raises(TypeError):
        orjson.dumps([fields])


@pytest.mark.parametrize("levels", [NESTING_LIMIT - 1, NESTING_LIMIT, 300, 1000])
def test_small_create_with_a_deep_context_is_a_400_naming_it_not_a_500(
    levels: int, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Any] = []
    app = make_app(seen)
    with caplog.at_level(logging.WARNING), BackgroundServer(app) as server:
        answer = httpx.post(server.url + "/", content=deep_create(levels), headers=JSON, timeout=30)
    if levels < NESTING_LIMIT:  # the context's own object is one level: still writable
        assert answer.status_code == 200, answer.text
        assert seen == [("slide-1", False)]
        return
    assert answer.status_code == 400, answer.text
    assert answer.json()["faults"] == TOO_DEEP
    assert seen == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_deep_free_form_input_member_is_accepted_and_keyed_by_its_bytes() -> None:
    seen: list[Any] = []
    app = make_app(seen)
    body = deep_create(300, where="input")
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        first = http.post("/", content=body, headers=JSON)
        replay = http.post("/", content=body, headers=JSON)
    assert first.status_code == 200, first.text
    assert replay.json() == first.json()
    assert len(seen) == 1  # the replay got the first answer, no second job


def test_large_deep_create_gets_the_same_400_from_the_worker_and_the_worker_lives_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[Any] = []
    app = make_app(seen, offload_above=OFFLOAD_ABOVE)
    deep = deep_create(300, pad=2 * OFFLOAD_ABOVE)
    valid = orjson.dumps(fakes.create(slideId="after", context={"pad": "x" * 2 * OFFLOAD_ABOVE}))
    with caplog.at_level(logging.WARNING), BackgroundServer(app) as server:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            refused = http.post("/", content=deep, headers=JSON)
            assert len(app.offload) == 1
            worker = next(iter(app.offload._all)).process
            assert worker.poll() is None  # still running
            accepted = http.post("/", content=valid, headers=JSON)
            assert next(iter(app.offload._all)).process is worker  # the same worker answered
    assert refused.status_code == 400, refused.text
    assert refused.json()["faults"] == TOO_DEEP
    assert accepted.status_code == 200, accepted.text
    assert seen == [("after", True)]  # offloaded: the input still unparsed when the handler ran
    assert not [record for record in caplog.records if "no offload worker answered" in record.getMessage()]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(deep_create(300), id="deep context"),
        pytest.param(deep_create(300, where="input"), id="deep input"),
        pytest.param(deep_create(300, where="callbackInfo"), id="deep callbackInfo"),
        pytest.param(
            deep_create(300, where="callbackInfo", callbackInfo={"url": "http://evil.example/v1", "token": "t"}),
            id="deep callbackInfo, refused host",
        ),
        pytest.param(deep_create(300, applicationId="someone-else"), id="deep context, other application"),
        pytest.param(deep_create(300, slideId=5), id="deep context, bad slideId"),
    ],
)
def test_worker_and_in_thread_agree_on_deep_bodies(body: bytes) -> None:
    verdicts = []
    for offload_above in (0, None):
        app = make_app([], offload_above=offload_above)
        with BackgroundServer(app) as server:
            answer = httpx.post(server.url + "/", content=body, headers=JSON, timeout=30)
        verdicts.append((answer.status_code, answer.json()))
        if offload_above == 0:
            assert len(app.offload) == 0  # ended at shutdown
    assert verdicts[0] == verdicts[1]
    assert verdicts[0][0] in (200, 400, 403)


def test_a_body_the_worker_cannot_examine_leaves_the_worker_in_the_pool() -> None:
    pool = OffloadPool(1)
    try:
        assert pool.run(b'{"a": 1}', "NoSuchSchema", fakes.APP_ID) is None  # examine raised: in-thread path
        assert len(pool) == 1
        worker = next(iter(pool._all)).process
        assert worker.poll() is None
        verdict = pool.run(orjson.dumps(fakes.create()), "Invocation", fakes.APP_ID)
        assert verdict is not None  # no cool-down: the same worker answers the next body
        assert verdict.faults == []
        assert next(iter(pool._all)).process is worker
    finally:
        pool.close()
