"""AnalysisApp in-process (httpx.ASGITransport): routing, replies, result storing, jobs, cancellation."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sectra_dpat_client.app import AnalysisApp, InvocationContext, InvocationError, JobState
from sectra_dpat_client.errors import DPATValidationError
from sectra_dpat_client.models import InputTemplate, InputType, Result, ResultResponse
from sectra_dpat_client.validate import iter_faults

from . import fakes


def make_app(results: fakes.FakeResults, **kwargs: Any) -> AnalysisApp:
    kwargs.setdefault("software_version", "2.1.0")
    return AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Unit app",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.WHOLE_SLIDE),
        context={"mode": "unit"},
        client_factory=results.factory,
        **kwargs,
    )


@pytest.fixture
def results() -> fakes.FakeResults:
    return fakes.FakeResults()


@pytest.fixture
def app(results: fakes.FakeResults) -> AnalysisApp:
    return make_app(results)


@pytest.fixture
async def http(app: AnalysisApp) -> AsyncIterator[httpx.AsyncClient]:
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as client:
        yield client


async def wait_jobs(app: AnalysisApp) -> None:
    await fakes.until(lambda: not app.jobs.running())


# --- GET routes and headers ---------------------------------------------------------------------


async def test_registration_is_valid_and_echoes_the_request_url(http: httpx.AsyncClient) -> None:
    response = await http.get("/")
    assert response.status_code == 200
    body = response.json()
    assert iter_faults(body, "Registration") == []
    assert body == {
        "applicationId": fakes.APP_ID,
        "displayName": "Unit app",
        "manufacturer": "Acme",
        "url": "http://app/",
        "inputTemplate": {"type": "wholeSlide"},
        "context": {"mode": "unit"},
    }
    assert response.headers["X-Sectra-ApiVersion"] == "1.10"
    assert response.headers["X-Sectra-SoftwareVersion"] == "2.1.0"


async def test_public_url_overrides_the_request_url(results: fakes.FakeResults) -> None:
    app = make_app(results, public_url="https://ia.example/hook")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
        assert (await http.get("/")).json()["url"] == "https://ia.example/hook"


async def test_info_reports_versions(http: httpx.AsyncClient) -> None:
    response = await http.get("/info")
    assert response.json() == {"apiVersion": "1.10", "softwareVersion": "2.1.0"}
    assert iter_faults(response.json(), "ApplicationInfo") == []


async def test_unknown_route_and_method_answer_app_errors_with_headers(http: httpx.AsyncClient) -> None:
    missing = await http.get("/nope")
    assert missing.status_code == 404
    assert iter_faults(missing.json(), "AppError") == []
    assert missing.headers["X-Sectra-ApiVersion"] == "1.10"
    wrong_method = await http.put("/", json={})
    assert wrong_method.status_code == 405
    assert iter_faults(wrong_method.json(), "AppError") == []


def test_invalid_registration_data_is_refused_at_construction(results: fakes.FakeResults) -> None:
    with pytest.raises(DPATValidationError) as caught:
        AnalysisApp(
            application_id="",
            display_name="x",
            manufacturer="m",
            input_template={"type": "taggedPolygon", "content": {"tags": ["a", "b", "c", "d", "e", "f"]}},
        )
    paths = {fault.path for fault in caught.value.faults}
    assert paths == {"$.applicationId", "$.inputTemplate.content.tags"}


# --- create ---------------------------------------------------------------------------------------


async def test_create_stores_the_returned_result_and_answers_the_stored_one(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    seen: list[InvocationContext] = []

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        seen.append(ctx)
        return Result(slideId=ctx.slide_id, displayResult=f"mode {ctx.app_context['mode']}")

    response = await http.post("/", json=fakes.create())
    assert response.status_code == 200
    body = response.json()
    assert iter_faults(body, "ResultResponse") == []
    assert body["id"] == 1
    assert body["displayResult"] == "mode unit"
    assert body["applicationVersion"] == "2.1.0"
    assert results.stored[1]["displayResult"] == "mode unit"
    assert results.tokens == [fakes.TOKEN]
    assert results.clients_closed == results.clients_made == 1
    ctx = seen[0]
    assert (ctx.action, ctx.slide_id, ctx.cancellation_token) == ("create", "slide-1", "ct-1")
    assert ctx.create_input is not None
    assert fakes.TOKEN not in repr(ctx)
    await wait_jobs(app)
    assert app.jobs.snapshot()[-1].state is JobState.DONE


async def test_sync_create_handler_runs_in_a_worker_thread(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    threads: list[threading.Thread] = []

    @app.on_create
    def analyse(ctx: InvocationContext) -> dict[str, Any]:
        threads.append(threading.current_thread())
        ctx.sync.progress(0.5)
        return {"slideId": ctx.slide_id, "displayResult": "sync"}

    response = await http.post("/", json=fakes.create())
    assert response.status_code == 200
    assert response.json()["displayResult"] == "sync"
    assert threads[0] is not threading.main_thread()


async def test_create_without_handler_is_not_implemented(http: httpx.AsyncClient, results: fakes.FakeResults) -> None:
    response = await http.post("/", json=fakes.create())
    assert response.status_code == 501
    assert results.clients_made == 0


async def test_handler_refusal_and_crash_become_app_errors_without_details(
    app: AnalysisApp, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        if ctx.slide_id == "refuse":
            raise InvocationError("slide is not an H&E stain", status_code=422)
        raise RuntimeError("patient Jane Doe, accession A123")

    refused = await http.post("/", json=fakes.create(slideId="refuse"))
    assert (refused.status_code, refused.json()) == (422, {"error": "slide is not an H&E stain"})
    with caplog.at_level(logging.DEBUG, logger="sectra_dpat_client.app"):
        crashed = await http.post("/", json=fakes.create())
    assert (crashed.status_code, crashed.json()) == (500, {"error": "the analysis failed"})
    assert "Jane Doe" not in crashed.text
    logged = "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "failed with RuntimeError at test_app_unit.py:" in logged  # type and place, not the message
    assert "Jane Doe" not in logged


async def test_handler_returning_nothing_is_an_error(app: AnalysisApp, http: httpx.AsyncClient) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> None:
        return None

    response = await http.post("/", json=fakes.create())
    assert response.status_code == 500
    assert "no result" in response.json()["error"]


async def test_invalid_result_from_handler_fails_before_anything_is_sent(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults, caplog: pytest.LogCaptureFixture
) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> dict[str, Any]:
        return {"slideId": ctx.slide_id, "displayProperties": {"area": [1, 2]}}

    with caplog.at_level(logging.ERROR, logger="sectra_dpat_client.app"):
        response = await http.post("/", json=fakes.create())
    assert response.status_code == 500
    assert results.calls == []
    # The library's own errors are log-safe, so the developer sees which field was wrong.
    assert "DPATValidationError" in caplog.text
    assert "$.displayProperties.area" in caplog.text


# --- background jobs ---------------------------------------------------------------------------


async def test_respond_pending_answers_with_the_placeholder_then_finishes_in_background(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    release = asyncio.Event()

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await ctx.respond_pending("Analysis running")
        await ctx.progress(0.4, "40 %")
        await release.wait()
        return Result(slideId=ctx.slide_id, displayResult="Tissue 55 %")

    response = await http.post("/", json=fakes.create())
    assert response.status_code == 200
    placeholder = response.json()
    assert placeholder["displayResult"] == "Analysis running"
    assert iter_faults(placeholder, "ResultResponse") == []
    await fakes.until(lambda: results.stored[placeholder["id"]]["versionId"] == "2")
    assert results.stored[placeholder["id"]]["displayResult"] == "Analysis running (40 %)"
    (running,) = app.jobs.running()
    assert (running.progress, running.message, running.result_id) == (0.4, "40 %", placeholder["id"])
    release.set()
    await wait_jobs(app)
    final = results.stored[placeholder["id"]]
    assert (final["displayResult"], final["versionId"]) == ("Tissue 55 %", "3")
    assert [kind for kind, _ in results.calls] == ["create", "update", "update"]
    assert results.clients_closed == 1


async def test_cancel_stops_the_matching_job_and_marks_its_placeholder(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    started = asyncio.Event()
    cancel_hook: list[str | None] = []

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await ctx.respond_pending()
        started.set()
        await asyncio.sleep(60)
        raise AssertionError("not cancelled")

    @app.on_cancel
    async def on_cancel(ctx: InvocationContext) -> None:
        cancel_hook.append(ctx.cancellation_token)

    first = (await http.post("/", json=fakes.create(cancellationToken="keep"))).json()
    second = (await http.post("/", json=fakes.create(cancellationToken="stop"))).json()
    await started.wait()
    response = await http.post("/", json=fakes.cancel("stop"))
    assert (response.status_code, response.json()) == (200, [])
    assert cancel_hook == ["stop"]
    await fakes.until(lambda: len(app.jobs.running()) == 1)
    assert app.jobs.running()[0].cancellation_token == "keep"
    await fakes.until(lambda: results.stored[second["id"]]["displayResult"] == "Analysis cancelled")
    assert results.stored[first["id"]]["displayResult"] == "Analysis running"
    states = {info.cancellation_token: info.state for info in app.jobs.snapshot()}
    assert states == {"keep": JobState.RUNNING, "stop": JobState.CANCELLED}
    assert app.jobs.cancel("keep")
    await wait_jobs(app)


async def test_cancel_of_a_sync_handler_is_seen_through_the_context(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    started = threading.Event()
    finished_loop: list[int] = []

    @app.on_create
    def analyse(ctx: InvocationContext) -> Result:
        ctx.sync.respond_pending("Counting")
        started.set()
        for step in range(10_000):
            finished_loop.append(step)
            ctx.sync.progress(step / 10_000)  # raises once cancelled
            threading.Event().wait(0.005)
        raise AssertionError("not cancelled")

    placeholder = (await http.post("/", json=fakes.create())).json()
    await fakes.until(started.is_set)
    assert (await http.post("/", json=fakes.cancel())).json() == []
    await wait_jobs(app)
    assert len(finished_loop) < 10_000
    assert results.stored[placeholder["id"]]["displayResult"] == "Analysis cancelled"
    assert app.jobs.snapshot()[-1].state is JobState.CANCELLED


async def test_cancel_before_the_answer_refuses_the_create(app: AnalysisApp, http: httpx.AsyncClient) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await asyncio.sleep(60)
        raise AssertionError("not cancelled")

    pending_create = asyncio.create_task(http.post("/", json=fakes.create()))
    await fakes.until(lambda: bool(app.jobs.running()))
    assert (await http.post("/", json=fakes.cancel())).status_code == 200
    response = await pending_create
    assert (response.status_code, response.json()) == (409, {"error": "the invocation was cancelled"})


async def test_cancel_with_unknown_token_is_harmless(app: AnalysisApp, http: httpx.AsyncClient) -> None:
    response = await http.post("/", json=fakes.cancel("nothing-runs"))
    assert (response.status_code, response.json()) == (200, [])


async def test_background_failure_marks_the_placeholder(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await ctx.respond_pending()
        raise ValueError("broken tile")

    placeholder = (await http.post("/", json=fakes.create())).json()
    await wait_jobs(app)
    assert results.stored[placeholder["id"]]["displayResult"] == "Analysis failed"
    assert app.jobs.snapshot()[-1].state is JobState.FAILED


async def test_progress_rejects_fractions_outside_zero_to_one(app: AnalysisApp, http: httpx.AsyncClient) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await ctx.progress(float("nan"))
        return Result(slideId=ctx.slide_id)

    assert (await http.post("/", json=fakes.create())).status_code == 500


async def test_shutdown_cancels_jobs_after_the_grace_period(results: fakes.FakeResults) -> None:
    app = make_app(results, shutdown_grace=0.05)
    quick_done = asyncio.Event()

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await ctx.respond_pending()
        if ctx.cancellation_token == "quick":
            await asyncio.sleep(0.01)
            quick_done.set()
            return Result(slideId=ctx.slide_id, displayResult="quick")
        await asyncio.sleep(60)
        raise AssertionError("not cancelled")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
        async with app.lifespan():
            slow = (await http.post("/", json=fakes.create(cancellationToken="slow"))).json()
            quick = (await http.post("/", json=fakes.create(cancellationToken="quick"))).json()
        assert not app.jobs.running()
        assert results.stored[quick["id"]]["displayResult"] == "quick"
        assert results.stored[slow["id"]]["displayResult"] == "Analysis cancelled"
        refused = await http.post("/", json=fakes.create())
        assert refused.status_code == 503
        app.on_image_notification(analyse)
        assert (await http.post("/imagenotification", json=fakes.notification())).status_code == 503


# --- modify, delete, notifications --------------------------------------------------------------


async def test_default_modify_stores_the_users_edits(http: httpx.AsyncClient, results: fakes.FakeResults) -> None:
    results.stored[7] = fakes.stored_result(7, "1", displayResult="before")
    response = await http.post("/", json=fakes.modify())
    assert response.status_code == 200
    assert response.json()["versionId"] == "2"
    assert results.stored[7]["displayResult"] == "Tumour area 12 %"


async def test_modify_handler_result_updates_the_invoked_result_even_after_a_concurrent_edit(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    results.stored[7] = fakes.stored_result(7, "5")  # DPAT holds a newer version than the invocation's "1"

    @app.on_modify
    async def edit(ctx: InvocationContext) -> Result:
        assert ctx.result_input is not None
        return Result(slideId=ctx.slide_id, displayResult=f"edited {ctx.result_input.id}")

    response = await http.post("/", json=fakes.modify())
    assert response.status_code == 200
    assert response.json()["id"] == 7
    assert results.stored[7]["displayResult"] == "edited 7"
    assert [kind for kind, _ in results.calls] == ["update", "get", "update"]


async def test_modify_handler_returning_nothing_leaves_the_result(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    @app.on_modify
    async def ignore(ctx: InvocationContext) -> None:
        return None

    response = await http.post("/", json=fakes.modify())
    assert response.json()["id"] == 7
    assert results.calls == []


async def test_handler_may_return_what_it_stored_itself(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> ResultResponse:
        return await ctx.store(Result(slideId=ctx.slide_id, displayResult="self-stored"))

    response = await http.post("/", json=fakes.create())
    assert response.json()["displayResult"] == "self-stored"
    assert [kind for kind, _ in results.calls] == ["create"]


async def test_delete_answers_empty_object_and_calls_the_handler(app: AnalysisApp, http: httpx.AsyncClient) -> None:
    deleted: list[int] = []

    @app.on_delete
    def forget(ctx: InvocationContext) -> None:
        assert ctx.result_input is not None
        deleted.append(ctx.result_input.id)

    response = await http.post("/", json=fakes.delete())
    assert (response.status_code, response.json()) == (200, {})
    assert deleted == [7]


async def test_delete_handler_failure_is_a_500(app: AnalysisApp, http: httpx.AsyncClient) -> None:
    @app.on_delete
    async def forget(ctx: InvocationContext) -> None:
        raise KeyError("x")

    response = await http.post("/", json=fakes.delete())
    assert response.status_code == 500


async def test_notification_answers_at_once_and_runs_the_handler_in_background(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    release = asyncio.Event()

    @app.on_image_notification
    async def on_image(ctx: InvocationContext) -> Result:
        await release.wait()
        assert ctx.image_info is not None
        return Result(slideId=ctx.slide_id, displayResult=f"{ctx.image_info.image_size.width} px wide")

    response = await http.post("/imagenotification", json=fakes.notification())
    assert (response.status_code, response.json()) == (200, {})
    assert response.headers["X-Sectra-ApiVersion"] == "1.10"
    assert results.stored == {}
    release.set()
    await wait_jobs(app)
    assert results.stored[1]["displayResult"] == "4096 px wide"


async def test_notification_without_handler_is_acknowledged(http: httpx.AsyncClient) -> None:
    response = await http.post("/imagenotification", json=fakes.notification())
    assert (response.status_code, response.json()) == (200, {})


# --- mounting ------------------------------------------------------------------------------------


async def test_mounted_under_a_prefix_reports_the_mounted_url(app: AnalysisApp) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        return Result(slideId=ctx.slide_id, displayResult="mounted")

    parent = Starlette(routes=[Mount("/dpat", app=app)], lifespan=app.lifespan)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(parent), base_url="http://host") as http:
        registration = (await http.get("/dpat/")).json()
        assert registration["url"] == "http://host/dpat/"
        assert (await http.post("/dpat/", json=fakes.create())).json()["displayResult"] == "mounted"
        assert (await http.post("/dpat/imagenotification", json=fakes.notification())).json() == {}


async def test_notifications_queue_beyond_the_concurrency_limit_and_queued_ones_cancel(
    results: fakes.FakeResults,
) -> None:
    app = make_app(results, notification_concurrency=2)
    release = asyncio.Event()
    running_now = 0
    peak = 0
    handled: list[str | None] = []

    @app.on_image_notification
    async def on_image(ctx: InvocationContext) -> None:
        nonlocal running_now, peak
        running_now += 1
        peak = max(peak, running_now)
        handled.append(ctx.cancellation_token)
        await release.wait()
        running_now -= 1

    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
        for index in range(5):
            reply = await http.post("/imagenotification", json=fakes.notification(cancellationToken=f"n{index}"))
            assert reply.json() == {}
        await fakes.until(lambda: len(handled) == 2)
        states = sorted(info.state for info in app.jobs.running())
        assert states == [JobState.QUEUED] * 3 + [JobState.RUNNING] * 2
        assert (await http.post("/", json=fakes.cancel("n4"))).json() == []
        release.set()
        await wait_jobs(app)
    assert peak == 2
    assert sorted(t for t in handled if t) == ["n0", "n1", "n2", "n3"]
    final = {info.cancellation_token: info.state for info in app.jobs.snapshot()}
    assert final == {"n0": JobState.DONE, "n1": JobState.DONE, "n2": JobState.DONE, "n3": JobState.DONE,
                     "n4": JobState.CANCELLED}  # fmt: skip


async def test_sync_handler_reaches_the_client_through_ctx_sync_call(
    app: AnalysisApp, http: httpx.AsyncClient, results: fakes.FakeResults
) -> None:
    results.stored[7] = fakes.stored_result(7, "1", displayResult="earlier run")

    @app.on_create
    def analyse(ctx: InvocationContext) -> Result:
        earlier = ctx.sync.call(ctx.client.get_results, 7)
        return Result(slideId=ctx.slide_id, displayResult=f"after {earlier.display_result}")

    response = await http.post("/", json=fakes.create())
    assert response.json()["displayResult"] == "after earlier run"


async def test_slow_handler_gets_a_placeholder_sent_on_its_behalf(results: fakes.FakeResults) -> None:
    app = make_app(results, respond_pending_after=0.05, pending_message="Working")
    release = asyncio.Event()
    later_pending: list[ResultResponse] = []

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await release.wait()
        later_pending.append(await ctx.respond_pending("Still working"))  # allowed after the automatic one
        await ctx.progress(0.5)
        return Result(slideId=ctx.slide_id, displayResult="slow but done")

    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
        placeholder = (await http.post("/", json=fakes.create())).json()
        assert placeholder["displayResult"] == "Working"
        release.set()
        await wait_jobs(app)
    assert later_pending[0].id == placeholder["id"]
    assert results.stored[placeholder["id"]]["displayResult"] == "slow but done"
    assert [kind for kind, _ in results.calls] == ["create", "update", "update", "update"]


async def test_fast_handler_is_not_given_a_placeholder(results: fakes.FakeResults) -> None:
    app = make_app(results, respond_pending_after=5.0)

    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        return Result(slideId=ctx.slide_id, displayResult="quick")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
        assert (await http.post("/", json=fakes.create())).json()["displayResult"] == "quick"
    assert [kind for kind, _ in results.calls] == ["create"]


async def test_respond_pending_twice_is_a_handler_bug(app: AnalysisApp, http: httpx.AsyncClient) -> None:
    @app.on_create
    async def analyse(ctx: InvocationContext) -> Result:
        await ctx.respond_pending()
        await ctx.respond_pending()
        return Result(slideId=ctx.slide_id)

    placeholder = (await http.post("/", json=fakes.create())).json()
    await wait_jobs(app)
    assert placeholder["displayResult"] == "Analysis running"
    assert app.jobs.snapshot()[-1].state is JobState.FAILED
