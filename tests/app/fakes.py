"""An in-memory stand-in for AsyncDPATAIClient's result calls, and invocation payload builders."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Callable
from typing import Any

from sectra_dpat_client.errors import DPATConflictError, DPATNotFoundError
from sectra_dpat_client.models import Result, ResultResponse


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait (bounded) until ``condition()`` holds; TimeoutError otherwise."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - polls state that other tasks and threads change
            await asyncio.sleep(0.01)


TOKEN = "secret-callback-token-do-not-log"
APP_ID = "unit-app"


class FakeResults:
    """Results as DPAT would store them; one instance shared by every client the factory makes."""

    def __init__(self, *, lenient: bool = False) -> None:
        self.lenient = lenient  # updates of unknown results (any version) succeed, as a blank DPAT would not
        self.stored: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, int | None]] = []
        self.clients_made = 0
        self.clients_closed = 0
        self.tokens: list[str] = []
        self._ids = itertools.count(1)

    def factory(self, url: str, *, token: str, app_id: str) -> FakeClient:
        self.clients_made += 1
        self.tokens.append(token)
        return FakeClient(self)


class FakeClient:
    def __init__(self, results: FakeResults):
        self.results = results

    async def create_results(self, result: Result) -> ResultResponse:
        body = result.to_dict()
        result_id = next(self.results._ids)
        body.update(id=result_id, versionId="1")
        self.results.stored[result_id] = body
        self.results.calls.append(("create", result_id))
        return ResultResponse.from_dict(copy.deepcopy(body))

    async def update_results(self, result_id: int, update: Result, version_id: str) -> ResultResponse:
        self.results.calls.append(("update", result_id))
        current = self.results.stored.get(result_id)
        if current is None and self.results.lenient:
            current = {"versionId": version_id}
        if current is None:
            raise DPATNotFoundError(404, "", "/applications/{appId}/results/{resultId}", method="PUT")
        if version_id != current["versionId"]:
            raise DPATConflictError(409, "", "/applications/{appId}/results/{resultId}", method="PUT")
        body = update.to_dict()
        body.update(id=result_id, versionId=str(int(current["versionId"]) + 1))
        self.results.stored[result_id] = body
        return ResultResponse.from_dict(copy.deepcopy(body))

    async def get_results(self, result_id: int) -> ResultResponse:
        self.results.calls.append(("get", result_id))
        return ResultResponse.from_dict(copy.deepcopy(self.results.stored[result_id]))

    async def close(self) -> None:
        self.results.clients_closed += 1


def callback(url: str = "http://127.0.0.1:9/SectraPathologyServer/external/imageanalysis/v1") -> dict[str, str]:
    return {"url": url, "token": TOKEN}


def create(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": "create",
        "applicationId": APP_ID,
        "slideId": "slide-1",
        "callbackInfo": callback(),
        "context": {"mode": "unit"},
        "cancellationToken": "ct-1",
        "input": {"type": "wholeSlide"},
    }
    body.update(overrides)
    return body


def stored_result(result_id: int = 7, version: str = "1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slideId": "slide-1",
        "id": result_id,
        "versionId": version,
        "displayResult": "Tumour area 12 %",
        "data": {"context": {}, "result": {"type": "primitive", "content": []}},
    }
    body.update(overrides)
    return body


def modify(**overrides: Any) -> dict[str, Any]:
    return create(**{"action": "modify", "input": stored_result(), **overrides})


def delete(**overrides: Any) -> dict[str, Any]:
    return create(**{"action": "delete", "input": stored_result(), **overrides})


def cancel(token: str = "ct-1", **overrides: Any) -> dict[str, Any]:
    body = create(action="cancel", cancellationToken=token, **overrides)
    del body["input"]
    return body


def image_info(slide_id: str = "slide-1") -> dict[str, Any]:
    return {
        "id": slide_id,
        "isStreamable": True,
        "imageSize": {"width": 4096, "height": 3072},
        "tileSize": {"width": 256, "height": 256},
        "micronsPerPixel": 0.25,
        "focalPlanes": [{"id": "0", "offsetUm": 0.0}],
        "opticalPaths": [{"id": "0", "description": "Brightfield"}],
        "storedTileFormat": {"mimeType": "image/jpeg", "extension": "jpg"},
        "availableTileFormats": [{"mimeType": "image/jpeg", "extension": "jpg"}],
        "fileFormat": {"mimeType": "application/dicom"},
        "staining": {"displayName": "HE"},
        "block": {"displayName": "A1"},
    }


def notification(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "applicationId": APP_ID,
        "slideId": "slide-1",
        "callbackInfo": callback(),
        "imageInfo": image_info(),
    }
    body.update(overrides)
    return body


def whole_slide_app(display_name: str, **options: Any) -> Any:
    """An `AnalysisApp` for `APP_ID` on whole slides, storing through `FakeResults`, bodies up to 16 MiB."""
    from sectra_dpat_client.app import AnalysisApp
    from sectra_dpat_client.models import InputTemplate, InputType

    return AnalysisApp(
        application_id=APP_ID,
        display_name=display_name,
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.WHOLE_SLIDE),
        client_factory=FakeResults().factory,
        max_body_bytes=16 * 1024 * 1024,
        **options,
    )
