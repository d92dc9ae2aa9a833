"""AnalysisApp under uvicorn, driven by the DPAT simulator over real HTTP, storing through AsyncDPATAIClient."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import anyio.to_thread
import numpy as np
import pytest

from sectra_dpat_client.ai import FastResult, PrimitiveBatch, fast_primitive_result
from sectra_dpat_client.app import AnalysisApp, BackgroundServer, InvocationContext, JobState
from sectra_dpat_client.models import DisplayProperties, InputTemplate, InputTemplateContent, InputType, Result
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.validate import iter_faults

WAIT = 20.0


@dataclass
class Gates:
    """Lets a test hold a background job at a known point, and see where it got to."""

    release: threading.Event = field(default_factory=threading.Event)
    reached_progress: threading.Event = field(default_factory=threading.Event)
    notified: list[str] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)


def build_app(dpat: DPATSimulator, gates: Gates) -> AnalysisApp:
    app = AnalysisApp(
        application_id=dpat.app_id,
        display_name="Simulator test app",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON, content=InputTemplateContent(tags=["Tumour"])),
        context={"threshold": 0.5},
        software_version="3.0.1",
        shutdown_grace=0.5,
    )

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        info = await ctx.client.get_image_info(ctx.slide_id)
        if ctx.app_context.get("mode") == "phi":
            extended = await ctx.client.get_image_info(ctx.slide_id, extended=True, phi=True)
            assert isinstance(extended.accession_number, str)
            case = await ctx.client.get_image_infos_in_case(extended.accession_number, phi=True)
            raise RuntimeError(f"refusing case {extended.accession_number} with {len(case)} images")
        if ctx.app_context.get("mode") != "long":
            return Result(slideId=ctx.slide_id, displayResult=f"{info.image_size.width} px wide")
        await ctx.respond_pending("Analysis running")
        await ctx.progress(0.4, "40 %")
        gates.reached_progress.set()
        released = await anyio.to_thread.run_sync(gates.release.wait, WAIT)
        assert released
        return Result(
            slideId=ctx.slide_id,
            displayResult="Tissue 61.5 %",
            displayProperties=DisplayProperties.from_dict({"Tissue": "61.5 %"}),
        )

    @app.on_modify
    async def edit(ctx: InvocationContext) -> Result:
        assert ctx.result_input is not None
        return Result(slideId=ctx.slide_id, displayResult=f"{ctx.result_input.display_result} (reviewed)")

    @app.on_delete
    def forget(ctx: InvocationContext) -> None:
        assert ctx.result_input is not None
        gates.deleted.append(ctx.result_input.id)

    @app.on_image_notification
    async def on_image(ctx: InvocationContext) -> Result:
        assert ctx.image_info is not None
        gates.notified.append(ctx.slide_id)
        return Result(slideId=ctx.slide_id, displayResult=f"pre-analysed {ctx.image_info.staining.display_name}")

    return app


@pytest.fixture
def gates() -> Gates:
    return Gates()


@pytest.fixture
def dpat(nulls: bool) -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=2, nulls=nulls) as simulator:
        yield simulator


@pytest.fixture
def app(dpat: DPATSimulator, gates: Gates) -> AnalysisApp:
    return build_app(dpat, gates)


@pytest.fixture
def app_url(app: AnalysisApp, gates: Gates) -> Iterator[str]:
    try:
        with BackgroundServer(app) as server:
            yield server.url + "/"
    finally:
        gates.release.set()


def tagged_input() -> dict[str, object]:
    polygon = {"points": [{"x": 0.1, "y": 0.1}, {"x": 0.3, "y": 0.1}, {"x": 0.2, "y": 0.3}]}
    return {"type": "taggedPolygon", "content": {"polygon": polygon, "tags": ["Tumour"], "tagIndex": 0}}


def test_registration_as_dpat_reads_it(dpat: DPATSimulator, app_url: str) -> None:
    registration = dpat.fetch_registration(app_url)
    assert iter_faults(registration, "Registration") == []
    assert registration["url"] == app_url
    assert registration["applicationId"] == dpat.app_id
    assert registration["inputTemplate"] == {"type": "taggedPolygon", "content": {"tags": ["Tumour"]}}


def test_create_answers_with_the_result_stored_in_dpat(dpat: DPATSimulator, app_url: str) -> None:
    slide = dpat.slide_ids[0]
    response = dpat.invoke(app_url, action="create", slide_id=slide, input=tagged_input())
    assert response.status_code == 200, response.text
    assert response.headers["X-Sectra-SoftwareVersion"] == "3.0.1"
    answer = response.json()
    assert iter_faults(answer, "ResultResponse") == []
    assert dpat.result(answer["id"]) == answer
    assert answer["displayResult"] == f"{dpat.slide(slide).width} px wide"
    assert answer["applicationVersion"] == "3.0.1"


def test_long_create_reports_progress_then_replaces_the_placeholder(
    dpat: DPATSimulator, app: AnalysisApp, app_url: str, gates: Gates
) -> None:
    response = dpat.invoke(app_url, action="create", input=tagged_input(), context={"mode": "long"})
    assert response.status_code == 200, response.text
    placeholder = response.json()
    assert placeholder["displayResult"] == "Analysis running"
    assert gates.reached_progress.wait(WAIT)
    during = dpat.result(placeholder["id"])
    assert during["displayResult"] == "Analysis running (40 %)"
    assert during["displayProperties"] == {"Status": "running", "Progress": "40 %"}
    gates.release.set()
    assert app.jobs.wait_idle(WAIT)
    final = dpat.result(placeholder["id"])
    assert final["displayResult"] == "Tissue 61.5 %"
    assert final["versionId"] != during["versionId"]
    assert len(dpat.results) == 1
    assert app.jobs.snapshot()[-1].state is JobState.DONE


def test_cancel_mid_run_stops_the_job_and_marks_the_result(
    dpat: DPATSimulator, app: AnalysisApp, app_url: str, gates: Gates
) -> None:
    response = dpat.invoke(
        app_url, action="create", input=tagged_input(), context={"mode": "long"}, cancellation_token="long-run"
    )
    placeholder = response.json()
    assert gates.reached_progress.wait(WAIT)
    cancel = dpat.invoke(app_url, action="cancel", cancellation_token="long-run")
    assert (cancel.status_code, cancel.json()) == (200, [])
    assert app.jobs.wait_idle(WAIT)
    assert dpat.result(placeholder["id"])["displayResult"] == "Analysis cancelled"
    assert dpat.result(placeholder["id"])["displayProperties"]["Status"] == "cancelled"
    (job,) = app.jobs.snapshot()
    assert (job.state, job.cancellation_token, job.progress) == (JobState.CANCELLED, "long-run", 0.4)


def test_modify_and_delete(dpat: DPATSimulator, app_url: str, gates: Gates) -> None:
    created = dpat.invoke(app_url, action="create", input=tagged_input()).json()
    modified = dpat.invoke(app_url, action="modify", result_id=created["id"])
    assert modified.status_code == 200, modified.text
    assert modified.json()["displayResult"] == f"{created['displayResult']} (reviewed)"
    assert dpat.result(created["id"])["versionId"] == modified.json()["versionId"] != created["versionId"]
    deleted = dpat.invoke(app_url, action="delete", result_id=created["id"])
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert gates.deleted == [created["id"]]


def test_image_notification_runs_in_the_background(
    dpat: DPATSimulator, app: AnalysisApp, app_url: str, gates: Gates
) -> None:
    slide = dpat.slide_ids[1]
    response = dpat.notify_new_image(app_url, slide)
    assert (response.status_code, response.json()) == (200, {})
    assert app.jobs.wait_idle(WAIT)
    assert gates.notified == [slide]
    (stored,) = dpat.results
    assert stored["slideId"] == slide
    assert stored["displayResult"].startswith("pre-analysed ")


def test_no_token_in_any_log_line(dpat: DPATSimulator, app: AnalysisApp, app_url: str, gates: Gates) -> None:
    gates.release.set()
    with CaptureAppLogs() as records:
        failed = dpat.invoke(app_url, action="create", input=tagged_input(), context={"mode": "phi"})
        assert failed.status_code == 500
        dpat.invoke(app_url, action="create", input=tagged_input(), context={"mode": "long"})
        dpat.invoke(app_url, action="create", input=tagged_input(), slide_id="missing-slide")
        dpat.invoke(app_url, action="cancel")
        dpat.notify_new_image(app_url, dpat.slide_ids[0])
        assert app.jobs.wait_idle(WAIT)
    text = "\n".join(record.getMessage() + (record.exc_text or "") for record in records)
    assert "job-" in text  # the app did log
    assert dpat.token not in text
    assert not any(token in text for token in dpat.store.tokens)
    assert "httpx" in {record.name for record in records}  # the client's request lines were seen too
    for slide_id in dpat.slide_ids:
        slide = dpat.slide(slide_id)
        for phi in (slide.accession_number, slide.patient_name, slide.patient_id, slide.exam_id):
            assert phi
            assert phi not in text
    assert failed.text == '{"error":"the analysis failed"}'


class CaptureAppLogs:
    """Every log record at DEBUG (the app's and the HTTP client's), from every thread."""

    def __enter__(self) -> list[logging.LogRecord]:
        self.records: list[logging.LogRecord] = []
        self.handler = logging.Handler(logging.DEBUG)
        self.handler.emit = self.records.append  # type: ignore[method-assign]
        self.logger = logging.getLogger()
        self.level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self.handler)
        return self.records

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.level)


def test_fast_results_are_stored_and_replace_the_placeholder(dpat: DPATSimulator) -> None:
    app = AnalysisApp(application_id=dpat.app_id, display_name="Fast", manufacturer="Acme")

    @app.on_create
    async def analyse(ctx: InvocationContext) -> FastResult:
        await ctx.respond_pending()
        squares = np.array([[[0, 0], [0.1, 0], [0.1, 0.1], [0, 0.1]]] * 1000) + np.arange(1000)[:, None, None] * 1e-4
        return fast_primitive_result(ctx.slide_id, PrimitiveBatch(polygons=squares), display_result="1000 squares")

    with BackgroundServer(app) as server:
        placeholder = dpat.invoke(server.url + "/", action="create").json()
        assert app.jobs.wait_idle(WAIT)
    stored = dpat.result(placeholder["id"])
    assert stored["displayResult"] == "1000 squares"
    assert len(stored["data"]["result"]["content"][0]["polygons"]) == 1000
    assert iter_faults(stored, "ResultResponse") == []


def test_server_shutdown_cancels_a_running_job_after_the_grace_period(dpat: DPATSimulator, gates: Gates) -> None:
    app = build_app(dpat, gates)  # shutdown_grace=0.5 s; the job waits for a release that never comes
    with BackgroundServer(app) as server:
        placeholder = dpat.invoke(server.url + "/", action="create", input=tagged_input(), context={"mode": "long"})
        assert gates.reached_progress.wait(WAIT)
    assert not app.jobs.running()
    assert app.jobs.snapshot()[-1].state is JobState.CANCELLED
    assert dpat.result(placeholder.json()["id"])["displayResult"] == "Analysis cancelled"


def test_ipv6_loopback_end_to_end(nulls: bool) -> None:
    with DPATSimulator(host="::1", slides=1, nulls=nulls) as dpat:
        app = AnalysisApp(application_id=dpat.app_id, display_name="IPv6", manufacturer="Acme")

        @app.on_create
        async def analyse(ctx: InvocationContext) -> Result:
            return Result(slideId=ctx.slide_id, displayResult="over ::1")

        with BackgroundServer(app, host="::1") as server:
            assert server.url.startswith("http://[::1]:")
            answer = dpat.invoke(server.url + "/", action="create")
            assert answer.status_code == 200, answer.text
            assert dpat.result(answer.json()["id"])["displayResult"] == "over ::1"
            assert dpat.fetch_registration(server.url + "/")["url"] == server.url + "/"
