"""DPATSimulator(nulls=True) answers like a .NET DPAT: every optional property present, as null if unset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from sectra_dpat_client._generated import dpat_spec
from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.cli import main
from sectra_dpat_client.models import Result
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.validate import validate

SCHEMAS = dpat_spec.ia_api()["components"]["schemas"]


@pytest.fixture(scope="module")
def dotnet() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=2, nulls=True) as simulator:
        yield simulator


def _get(dpat: DPATSimulator, path: str) -> Any:
    answer = httpx.get(dpat.url + path, headers={"Authorization": f"Bearer {dpat.token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_image_info_carries_every_property(dotnet: DPATSimulator) -> None:
    info = _get(dotnet, f"/slides/{dotnet.slide_ids[0]}/info")
    assert set(info) == set(SCHEMAS["ImageInfo"]["properties"])
    assert info["bodyPart"] is None
    validate(info, "ImageInfo")


def test_the_plain_simulator_leaves_them_out() -> None:
    with DPATSimulator(slides=1) as plain:
        info = _get(plain, f"/slides/{plain.slide_ids[0]}/info")
    assert "bodyPart" not in info


def test_results_and_invocations_carry_nulls(dotnet: DPATSimulator) -> None:
    slide_id = dotnet.slide_ids[1]
    with DPATAIClient(dotnet.url, token=dotnet.token, app_id=dotnet.app_id) as client:
        stored = client.create_results(Result(slideId=slide_id, displayResult="x"))
        assert stored.display_properties is None
        assert client.get_image_info(slide_id).quality_control is not None
    wire = _get(dotnet, f"/applications/{dotnet.app_id}/results/{stored.id}")
    assert "displayProperties" in wire
    assert wire["displayProperties"] is None
    invocation = dotnet.driver.invocation(action="create", slide_id=slide_id)
    assert invocation["input"] == {"type": "wholeSlide", "content": None}
    validate(invocation, "Invocation")


def test_cli_simulate_has_the_switch() -> None:
    help_text = CliRunner().invoke(main, ["simulate", "--help"]).output
    assert "--nulls" in help_text


def test_the_receiver_takes_invocations_and_notifications_with_nulls() -> None:
    from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext
    from sectra_dpat_client.models import InputTemplate, InputType

    app = AnalysisApp(
        application_id="nulls-app",
        display_name="Nulls",
        manufacturer="Test",
        input_template=InputTemplate(type=InputType.WHOLE_SLIDE),
    )
    seen: list[tuple[str | None, Any]] = []

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        seen.append((ctx.cancellation_token, ctx.app_context))
        info = await ctx.client.get_image_info(ctx.slide_id)  # the .NET answer, nulls included
        return Result(slideId=ctx.slide_id, displayResult=f"qc {info.quality_control is not None}")

    with DPATSimulator(slides=1, nulls=True, app_id="nulls-app") as dpat, BackgroundServer(app) as server:
        invocation = dpat.driver.invocation(action="create")
        assert invocation["context"] is None
        answer = dpat.invoke(server.url + "/", action="create")
        assert answer.status_code == 200, answer.text
        assert app.jobs.wait_idle(30)
        [stored] = dpat.results
    assert stored["displayResult"] == "qc True"
    assert seen
    assert seen[0][1] == {}
