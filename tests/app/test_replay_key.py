"""The replay key of large bodies (#13 item 2): digested from the raw bytes with the callback token blanked,
so identical invocations (a fresh token included) replay and invocations differing anywhere do not."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.app.replays import RAW_KEY_BYTES, replay_key
from sectra_dpat_client.models import InputTemplate, InputType, Result

from . import fakes

POINTS = 20_000  # ~0.6 MB: over RAW_KEY_BYTES


def big(*, token: str = fakes.TOKEN, last_x: float = 0.999, **overrides: Any) -> dict[str, Any]:
    pts = [{"x": round(i / POINTS, 6), "y": 0.5} for i in range(POINTS - 1)] + [{"x": last_x, "y": 0.5}]
    body = fakes.create(input={"type": "taggedPolygon", "content": {"polygon": {"points": pts}}}, **overrides)
    body["callbackInfo"] = {**body["callbackInfo"], "token": token}
    return body


def key(payload: dict[str, Any], body: bytes | None = None) -> str:
    raw = orjson.dumps(payload) if body is None else body
    assert len(raw) > RAW_KEY_BYTES
    return replay_key(payload, raw)


def test_raw_key_ignores_the_token_and_sees_every_other_byte() -> None:
    first = key(big())
    assert key(big()) == first
    assert key(big(token="another-token")) == first  # a retry may carry a fresh token
    assert key(big(last_x=0.998)) != first  # one point differs
    assert key(big(cancellationToken="ct-2")) != first
    assert key(big(context={"mode": "other"})) != first
    assert fakes.TOKEN not in first


def test_raw_key_falls_back_to_the_canonical_digest_when_the_token_member_is_ambiguous() -> None:
    # the token's value also sits in the context under "token": the canonical digest decides
    payload = big(context={"token": fakes.TOKEN})
    assert key(payload) == replay_key(payload)
    other = big(context={"token": "x"}, token="x")
    assert key(other) != key(payload)  # the context differs: no replay
    # spaced JSON: the compact member is not found, the canonical digest decides (token still ignored)
    spaced = big()
    assert key(spaced, orjson.dumps(spaced).replace(b'"token":', b'"token": ')) == replay_key(spaced)


def test_identical_big_creates_replay_over_loopback_and_a_one_point_difference_runs_again() -> None:
    results = fakes.FakeResults()
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Replays",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON),
        client_factory=results.factory,
    )
    runs: list[str] = []

    @app.on_create
    async def handle(ctx: InvocationContext) -> Result:
        runs.append(ctx.slide_id)
        await asyncio.sleep(0.2)
        return Result(slideId=ctx.slide_id, displayResult="done")

    def post(http: httpx.Client, payload: dict[str, Any]) -> httpx.Response:
        return http.post("/", content=orjson.dumps(payload), headers={"Content-Type": "application/json"})

    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        first = post(http, big())
        again = post(http, big(token="a-fresh-token"))
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert runs == ["slide-1"]
        differing = post(http, big(last_x=0.998))
        assert differing.status_code == 200
        assert runs == ["slide-1", "slide-1"]
