"""Driving an app as DPAT does: invocations, image notifications and registration, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sectra_dpat_client.app.serving import BackgroundServer
from sectra_dpat_client.errors import DPATConnectionError, DPATRequestError, DPATValidationError
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.validate import iter_faults


class Recorder:
    """A minimal app: stores a result through the callback on create, answers {} / [] otherwise."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.registration: dict[str, Any] = {
            "applicationId": "sim-app",
            "displayName": "Recorder",
            "manufacturer": "tests",
            "url": "http://127.0.0.1/",
            "inputTemplate": {"type": "wholeSlide"},
        }

    async def invocation(self, request: Request) -> Response:
        payload = await request.json()
        self.received.append(("invocation", payload))
        callback = payload["callbackInfo"]
        headers = {"Authorization": f"Bearer {callback['token']}"}
        async with httpx.AsyncClient(base_url=callback["url"], headers=headers) as dpat:
            if payload["action"] == "create":
                info = (await dpat.get(f"/slides/{payload['slideId']}/info")).json()
                body = {"slideId": info["id"], "displayResult": f"{info['staining']['displayName']} done"}
                stored = await dpat.post(f"/applications/{payload['applicationId']}/results", json=body)
                return JSONResponse(stored.json())
            if payload["action"] == "modify":
                edited = {**payload["input"], "displayResult": "modified"}
                stored = await dpat.put(f"/applications/{payload['applicationId']}/results/{edited['id']}", json=edited)
                return JSONResponse(stored.json())
        return JSONResponse({} if payload["action"] == "delete" else [])

    async def notification(self, request: Request) -> Response:
        self.received.append(("notification", await request.json()))
        return JSONResponse({})

    async def register(self, request: Request) -> Response:
        return JSONResponse(self.registration)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.invocation, methods=["POST"]),
                Route("/", self.register, methods=["GET"]),
                Route("/imagenotification", self.notification, methods=["POST"]),
            ]
        )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app_url(recorder: Recorder) -> Iterator[str]:
    with BackgroundServer(recorder.app()) as server:
        yield server.url + "/"


def test_create_modify_delete_cancel(sim: DPATSimulator, recorder: Recorder, app_url: str) -> None:
    slide = sim.slide_ids[1]
    created = sim.invoke(app_url, action="create", slide_id=slide, context={"mode": "fast"})
    assert created.status_code == 200
    stored = created.json()
    assert stored["displayResult"] == "Ki67 done"
    assert sim.results == [stored]

    modified = sim.invoke(app_url, action="modify", result_id=stored["id"])
    assert modified.json()["displayResult"] == "modified"
    assert sim.result(stored["id"])["displayResult"] == "modified"

    assert sim.invoke(app_url, action="delete", result_id=stored["id"]).json() == {}
    assert sim.invoke(app_url, action="cancel", slide_id=slide).json() == []

    actions = [p["action"] for kind, p in recorder.received]
    assert actions == ["create", "modify", "delete", "cancel"]
    for _, payload in recorder.received:
        assert iter_faults(payload, "Invocation") == []
        assert payload["callbackInfo"]["url"] == sim.url
        assert payload["applicationId"] == sim.app_id
    create, modify, delete, cancel = (p for _, p in recorder.received)
    assert create["input"] == {"type": "wholeSlide"}
    assert create["context"] == {"mode": "fast"}
    assert modify["input"]["id"] == stored["id"]
    assert modify["input"]["versionId"] == stored["versionId"]
    assert delete["slideId"] == slide
    assert "input" in delete
    assert "input" not in cancel


def test_invocation_inputs_are_validated_before_sending(sim: DPATSimulator, recorder: Recorder, app_url: str) -> None:
    polygon = {"points": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.1}, {"x": 0.2, "y": 0.2}]}
    tagged = {"type": "taggedPolygon", "content": {"polygon": polygon, "tags": ["a", "b"], "tagIndex": 1}}
    assert sim.invoke(app_url, input=tagged).status_code == 200
    assert recorder.received[-1][1]["input"] == tagged
    with pytest.raises(DPATValidationError):
        sim.invoke(app_url, input={"type": "taggedPolygon", "content": {"tags": ["a"]}})
    with pytest.raises(ValueError, match="result_id"):
        sim.invoke(app_url, action="modify")
    with pytest.raises(ValueError, match="action"):
        sim.invoke(app_url, action="explode")
    assert len(recorder.received) == 1


def test_callback_tokens_expire_like_the_configured_ttl(sim: DPATSimulator) -> None:
    payload = sim.driver.invocation(token_ttl=30)
    headers = {"Authorization": f"Bearer {payload['callbackInfo']['token']}"}
    assert httpx.get(f"{sim.url}/info", headers=headers).status_code == 200
    sim.advance_clock(31)
    assert httpx.get(f"{sim.url}/info", headers=headers).status_code == 401


@pytest.mark.parametrize("with_action", [False, True])
def test_image_notification(sim: DPATSimulator, recorder: Recorder, app_url: str, with_action: bool) -> None:
    slide = sim.slide_ids[0]
    answer = sim.notify_new_image(app_url, slide, with_action=with_action)
    assert (answer.status_code, answer.json()) == (200, {})
    kind, payload = recorder.received[-1]
    assert kind == "notification"
    assert iter_faults(payload, "ImageNotification") == []
    assert payload["slideId"] == slide
    assert payload["imageInfo"]["id"] == slide
    assert "accessionNumber" not in payload["imageInfo"]
    assert ("action" in payload) is with_action


def test_fetch_registration(sim: DPATSimulator, recorder: Recorder, app_url: str) -> None:
    assert sim.fetch_registration(app_url)["displayName"] == "Recorder"
    del recorder.registration["inputTemplate"]
    with pytest.raises(DPATValidationError):
        sim.fetch_registration(app_url)
    with pytest.raises(DPATRequestError):
        sim.fetch_registration(app_url + "missing")


async def test_async_driving_does_not_block_the_loop(sim: DPATSimulator, recorder: Recorder, app_url: str) -> None:
    created = await sim.ainvoke(app_url, slide_id=sim.slide_ids[0])
    assert created.json()["id"] == sim.results[0]["id"]
    notified = await sim.anotify_new_image(app_url, sim.slide_ids[0])
    assert notified.json() == {}
    assert [kind for kind, _ in recorder.received] == ["invocation", "notification"]


def test_unreachable_app_is_a_connection_error(sim: DPATSimulator) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    with pytest.raises(DPATConnectionError):
        sim.invoke(closed)
    with pytest.raises(DPATConnectionError):
        sim.fetch_registration(closed)
