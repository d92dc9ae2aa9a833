"""Review 13 gap 10: the callback token is checked at admission (400 naming it, never echoing it), over loopback."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.models import Result

from . import fakes

JSON = {"Content-Type": "application/json"}
SECRET = "Zq7-secret-part"
BAD_TOKENS = {
    "trailing newline": SECRET + "\n",
    "CRLF header injection": SECRET + "\r\nX-Evil: 1",
    "empty": "",
    "leading space": " " + SECRET,
    "inner space": SECRET + " x",
    "non-ASCII": SECRET + "ö",
    "NUL": SECRET + "\x00",
}


def make_app(ran: list[str], **options: Any) -> AnalysisApp:
    app: AnalysisApp = fakes.whole_slide_app("Tokens", **options)

    @app.on_create
    async def create(ctx: InvocationContext) -> Result:
        ran.append(ctx.slide_id)
        return Result(slideId=ctx.slide_id, displayResult="done")

    app.on_image_notification(lambda ctx: ran.append(ctx.slide_id))
    return app


def with_token(body: dict[str, Any], token: str) -> dict[str, Any]:
    return {**body, "callbackInfo": {**fakes.callback(), "token": token}}


@pytest.mark.parametrize("offload_above", [None, 0], ids=["in-thread", "worker"])
def test_unusable_tokens_are_refused_at_admission_without_echo(
    offload_above: int | None, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []
    app = make_app(ran, offload_above=offload_above)
    answers = {}
    with caplog.at_level(logging.DEBUG), BackgroundServer(app) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for name, token in BAD_TOKENS.items():
                for path, body in (("/", fakes.create(slideId=name)), ("/imagenotification", fakes.notification())):
                    answer = http.post(path, content=orjson.dumps(with_token(body, token)), headers=JSON)
                    answers[name, path] = (answer.status_code, answer.json())
                    assert SECRET not in answer.text
            good = http.post("/", content=orjson.dumps(fakes.create(slideId="good")), headers=JSON)
    for (name, path), (status, reply) in answers.items():
        assert status == 400, (name, path, reply)
        assert [fault["path"] for fault in reply["faults"]] == ["$.callbackInfo.token"], (name, path)
    assert answers["empty", "/"][1]["faults"][0]["message"] == "is empty"
    assert good.status_code == 200, good.text
    assert ran == ["good"]  # no job started for any bad token
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert SECRET not in logged
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_large_offloaded_create_with_a_newline_token_gets_the_same_400() -> None:
    ran: list[str] = []
    app = make_app(ran, offload_above=1024 * 1024)
    body = with_token(fakes.create(context={"pad": "x" * 2 * 1024 * 1024}), SECRET + "\n")
    with BackgroundServer(app) as server:
        answer = httpx.post(server.url + "/", content=orjson.dumps(body), headers=JSON, timeout=60)
        assert len(app.offload) == 1  # the worker examined it
    assert answer.status_code == 400, answer.text[:300]
    assert answer.json()["faults"][0]["path"] == "$.callbackInfo.token"
    assert SECRET not in answer.text
    assert ran == []
