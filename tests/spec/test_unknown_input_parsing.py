"""CreateInput's catch-all member UnknownInput takes only input types outside InputType.

The spec says so with `not: {enum: [...]}` on UnknownInput's `type`; the generator ignores `not`, so
the templates enforce it in from_dict (codegen/patch_templates.py): a known type whose body is broken
raises instead of reading as UnknownInput.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
from sectra_dpat_client.models import (
    CreateInvocation,
    ImageNotification,
    InputTemplate,
    InputType,
    Result,
    TaggedPolygonInput,
    UnknownInput,
)
from sectra_dpat_client.simulator import DPATSimulator

from .examples import VALID

CREATE = next(payload for name, payload in VALID["Invocation"] if name.startswith("create"))
NOTIFICATION = VALID["ImageNotification"][0][1]
SQUARE = {"points": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.1}, {"x": 0.2, "y": 0.2}]}

BROKEN_KNOWN = [
    pytest.param({"type": "taggedPolygon"}, id="taggedPolygon without content"),
    pytest.param({"type": "taggedPolygon", "content": {"polygon": {}}}, id="taggedPolygon without points"),
    pytest.param({"type": "multiArea", "content": "not this"}, id="multiArea with a string content"),
]


@pytest.mark.parametrize("broken", BROKEN_KNOWN)
def test_a_broken_known_input_type_raises_in_from_dict(broken: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="type must not be one of"):
        CreateInvocation.from_dict({**CREATE, "input": broken})
    with pytest.raises(ValueError, match="type must not be one of"):
        ImageNotification.from_dict({**NOTIFICATION, "input": broken})


@pytest.mark.parametrize("known", [t.value for t in InputType])
def test_unknown_input_refuses_every_known_type(known: str) -> None:
    with pytest.raises(ValueError, match=f"got '{known}'"):
        UnknownInput.from_dict({"type": known})


def test_an_unknown_type_still_parses_as_unknown_input() -> None:
    newer = {"type": "freehand", "content": {"strokes": [[0.1, 0.2]]}, "brush": 3}
    parsed = CreateInvocation.from_dict({**CREATE, "input": newer})
    assert isinstance(parsed.input_, UnknownInput)
    assert parsed.input_.to_dict() == newer
    assert isinstance(ImageNotification.from_dict({**NOTIFICATION, "input": newer}).input_, UnknownInput)


def test_a_valid_known_type_parses_as_its_member() -> None:
    tagged = {"type": "taggedPolygon", "content": {"polygon": SQUARE}}
    assert isinstance(CreateInvocation.from_dict({**CREATE, "input": tagged}).input_, TaggedPolygonInput)


@pytest.mark.parametrize("broken", BROKEN_KNOWN)
def test_the_receiver_answers_400_naming_the_input(broken: dict[str, Any]) -> None:
    app = AnalysisApp(
        application_id="input-app",
        display_name="Inputs",
        manufacturer="Test",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON),
    )
    calls: list[str] = []

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        calls.append(ctx.action)
        return Result(slideId=ctx.slide_id, displayResult="handled")

    with DPATSimulator(slides=1, app_id="input-app") as dpat, BackgroundServer(app) as server:
        invocation = {**dpat.driver.invocation(action="create"), "input": broken}
        answer = httpx.post(server.url + "/", json=invocation)
    assert answer.status_code == 400, answer.text
    assert any(fault["path"].startswith("$.input") for fault in answer.json()["faults"]), answer.text
    assert not calls
