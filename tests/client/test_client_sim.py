"""Every client method against the simulator over real sockets: answers, errors, retries, versions, encoding."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.ai import (
    AsyncDPATAIClient,
    CaseImageInfo,
    DPATAIClient,
    QualityControl,
    QualityControlData,
    QualityControlStatus,
    Result,
    ResultResponse,
)
from sectra_dpat_client.errors import (
    DPATAuthenticationError,
    DPATConflictError,
    DPATConnectionError,
    DPATNotFoundError,
    DPATQueryError,
    DPATRateLimitError,
    DPATResponseError,
    DPATServerError,
    DPATVersionError,
)
from sectra_dpat_client.simulator import DPATSimulator

from .conftest import FAST_RETRY


def _result(slide_id: str, text: str = "ok") -> Result:
    return Result(slideId=slide_id, displayResult=text, applicationVersion="1.0.0")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- plain answers --------------------------------------------------------------------------------


def test_info_is_read_lazily_once(dpat: DPATSimulator, client: DPATAIClient) -> None:
    assert dpat.request_count() == 0  # the constructor sent nothing
    assert client.server_api_version is None
    for slide_id in dpat.slide_ids:
        client.get_image_info(slide_id)
    assert dpat.request_count("getServerInfo") == 1
    assert client.server_api_version == "1.10"


def test_constructor_does_no_io() -> None:
    DPATAIClient(f"http://127.0.0.1:{_closed_port()}/v1", token="t").close()


def test_version_header_is_sent(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_image_info(dpat.slide_ids[0])
    assert {r.sectra_headers.get("x-sectra-apiversion") for r in dpat.requests} == {"1.10"}


def test_image_info_scope_and_phi(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.slide_ids[0]
    basic = client.get_image_info(slide_id)
    assert basic.accession_number is None or not basic.accession_number  # no PHI unless asked
    full = client.get_image_info(slide_id, extended=True, phi=True)
    assert full.accession_number == dpat.slide(slide_id).accession_number
    assert full.station_name
    queries = [r.query for r in dpat.requests if r.operation_id == "getImageInfo"]
    assert queries == [{}, {"scope": "extended", "includePHI": "true"}]


def test_case_images_send_the_issuer_under_both_names(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide = dpat.slide(dpat.slide_ids[0])
    infos = client.get_image_infos_in_case(slide.accession_number, issuer=slide.accession_number_issuer, phi=True)
    assert all(isinstance(info, CaseImageInfo) for info in infos)
    assert slide.id in {info.id for info in infos}
    query = next(r.query for r in dpat.requests if r.operation_id == "getCaseImages")
    assert query["accessionNumberIssuer"] == query["accessionNumberIssuerId"] == slide.accession_number_issuer
    by_slide = client.get_image_infos_in_case_by_slide_id(slide.id)
    assert {info.id for info in by_slide} == {info.id for info in infos}


def test_label_bytes_or_none(dpat: DPATSimulator, client: DPATAIClient) -> None:
    with_label = next(s for s in dpat.slide_ids if dpat.slide(s).has_label)
    without = next(s for s in dpat.slide_ids if not dpat.slide(s).has_label)
    label = client.get_label(with_label)
    assert label is not None
    assert label[:2] == b"\xff\xd8" or len(label) > 0
    assert client.get_label(without) is None


def test_tile_format_comes_from_image_info_once(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.slide_ids[0]
    first = client.get_tile(slide_id, 8, 0, 0)
    second = client.get_tile(slide_id, 8, 0, 0)
    assert first == second
    assert len(first) > 0
    assert dpat.request_count("getImageInfo") == 1
    ext = client.get_image_info(slide_id).available_tile_formats[0].extension
    assert all(r.path.endswith(f".{ext}") for r in dpat.requests if r.operation_id == "getTile")


def test_tile_with_focal_plane_and_optical_path(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = next(s for s in dpat.slide_ids if len(dpat.slide(s).focal_planes) > 1)
    tile = client.get_tile(slide_id, 8, 0, 0, focal_plane="1", optical_path="1", fmt="jpg")
    assert len(tile) > 0
    record = next(r for r in dpat.requests if r.operation_id == "getTileInFocalPlane")
    assert record.path.endswith("/8/0_0_1.jpg")
    assert record.query == {"opticalPath": "1"}


def test_results_create_get_list_update(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.slide_ids[0]
    created = client.create_results(_result(slide_id, "first"))
    assert isinstance(created, ResultResponse)
    assert client.get_results(created.id) == created
    updated = client.update_results(created.id, created)  # a ResultResponse carries its versionId
    assert updated.version_id != created.version_id
    again = client.update_results(created.id, _result(slide_id, "third"), version_id=updated.version_id)
    assert again.display_result == "third"
    assert [r.id for r in client.list_results_for_slide(slide_id)] == [created.id]
    with pytest.raises(DPATConflictError) as info:
        client.update_results(created.id, created)  # stale versionId
    assert info.value.path == "/applications/{appId}/results/{resultId}"


def test_update_without_version_is_refused_before_sending(dpat: DPATSimulator, client: DPATAIClient) -> None:
    created = client.create_results(_result(dpat.slide_ids[0]))
    before = dpat.request_count()
    with pytest.raises(DPATQueryError, match="versionId"):
        client.update_results(created.id, _result(dpat.slide_ids[0]))
    assert dpat.request_count() == before


def test_upsert_creates_then_updates(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.slide_ids[0]
    first = client.upsert_results(_result(slide_id, "one"))
    second = client.upsert_results(_result(slide_id, "two"))
    assert second.id == first.id
    assert second.display_result == "two"
    assert len(dpat.results) == 1


def test_upsert_rereads_once_after_a_conflict(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.slide_ids[0]
    first = client.create_results(_result(slide_id, "one"))
    dpat.faults.fail("updateResult", 409, times=1)
    second = client.upsert_results(_result(slide_id, "two"))
    assert second.id == first.id
    assert dpat.request_count("updateResult") == 2
    assert dpat.request_count("getResult") == 1


def test_result_calls_need_an_app_id(dpat: DPATSimulator) -> None:
    with DPATAIClient(dpat.url, token=dpat.token) as client, pytest.raises(DPATQueryError, match="app_id"):
        client.create_results(_result(dpat.slide_ids[0]))
    assert dpat.request_count() == 0


def test_application_and_launch_data(dpat: DPATSimulator, client: DPATAIClient) -> None:
    assert client.get_application().application_id == dpat.app_id
    accession = dpat.slide(dpat.slide_ids[0]).accession_number
    with DPATAIClient(dpat.url, app_id=dpat.app_id) as anonymous:  # launch data needs no bearer token
        launch = anonymous.get_launch_data(accession, dpat.session_token)
    assert launch.callback_info.url
    assert dpat.slide_ids[0] in {slide.id for block in launch.blocks for slide in block.slides}


def test_attachment_whole_and_ranges(dpat: DPATSimulator, client: DPATAIClient) -> None:
    created = client.create_results(_result(dpat.slide_ids[0]))
    payload = bytes(range(256)) * 4
    dpat.add_attachment(created.id, "report name.pdf", payload)
    assert client.download_attachment(created.id, "report name.pdf") == payload
    assert client.download_attachment(created.id, "report name.pdf", byte_range=(10, 19)) == payload[10:20]
    assert client.download_attachment(created.id, "report name.pdf", byte_range=(1000, None)) == payload[1000:]
    with pytest.raises(DPATNotFoundError):
        client.download_attachment(created.id, "missing")


def test_quality_control_conflict(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.slide_ids[0]
    stale = QualityControlData(status=QualityControlStatus.REJECTED, versionId="999")
    with pytest.raises(DPATConflictError):
        client.set_quality_control(slide_id, QualityControl(applicationVersion="1.0", qualityControl=stale))


# -- percent-encoding -----------------------------------------------------------------------------

HOSTILE_IDS = ["a/b", "../info", "x/../../y", "q?x=1", "h#frag", "50%", "%2F", "with space", "..x", "ü€", "a\\b"]


@pytest.mark.parametrize("slide_id", HOSTILE_IDS)
def test_hostile_slide_ids_stay_one_path_segment(dpat: DPATSimulator, client: DPATAIClient, slide_id: str) -> None:
    dpat.add_slide(slide_id)
    assert client.get_image_info(slide_id).id == slide_id
    assert client.list_results_for_slide(slide_id) == []
    assert client.get_tile(slide_id, 0, 0, 0, fmt="jpg")
    templates = {r.template for r in dpat.requests}
    assert templates == {
        "/info",
        "/slides/{slideId}/info",
        "/applications/{appId}/results/slide/{slideId}",
        "/images/{slideId}_files/{level}/{col}_{row}.{ext}",
    }


@pytest.mark.parametrize("slide_id", ["", ".", ".."])
def test_dot_segments_are_refused_before_sending(dpat: DPATSimulator, client: DPATAIClient, slide_id: str) -> None:
    with pytest.raises(DPATQueryError, match="slide_id"):
        client.get_image_info(slide_id)
    assert dpat.request_count() == 0


def test_hostile_accession_number(dpat: DPATSimulator, client: DPATAIClient) -> None:
    dpat.add_slide("s-hostile", accession_number="ACC/1?#%")
    assert [info.id for info in client.get_image_infos_in_case("ACC/1?#%")] == ["s-hostile"]


# -- versions -------------------------------------------------------------------------------------


def test_newer_operation_than_the_server_is_refused_before_sending() -> None:
    with DPATSimulator(api_version="1.9", slides=1) as old:
        slide_id = old.slide_ids[0]
        with DPATAIClient(old.url, token=old.token, app_id=old.app_id) as client:
            qc = QualityControl(
                applicationVersion="1",
                qualityControl=QualityControlData(status=QualityControlStatus.NOT_SET, versionId="1"),
            )
            with pytest.raises(DPATVersionError) as info:
                client.set_quality_control(slide_id, qc)
            assert (info.value.required, info.value.server) == ("1.10", "1.9")
            assert "setQualityControl" in str(info.value)
            assert old.request_count("setQualityControl") == 0
            assert client.get_image_infos_in_case(old.slide(slide_id).accession_number)  # 1.9 is enough
            assert {r.sectra_headers.get("x-sectra-apiversion") for r in old.requests} == {"1.10", "1.9"}


# -- retries and failures -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_on_retryable_statuses(dpat: DPATSimulator, client: DPATAIClient, status: int) -> None:
    slide_id = dpat.slide_ids[0]
    client.get_info()
    dpat.faults.fail("getImageInfo", status, times=2, retry_after=0)
    assert client.get_image_info(slide_id).id == slide_id
    assert dpat.request_count("getImageInfo") == 3


def test_retry_after_is_honoured(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_info()
    dpat.faults.fail("getImageInfo", 503, times=1, retry_after=1)
    client.get_image_info(dpat.slide_ids[0])
    assert dpat.request_count("getImageInfo") == 2


def test_retries_are_bounded_then_the_status_is_raised(dpat: DPATSimulator) -> None:
    policy = RetryPolicy(attempts=3, backoff_factor=0.0)
    with DPATAIClient(dpat.url, token=dpat.token, retry=policy) as client:
        client.get_info()
        dpat.faults.fail("getImageInfo", 503, times=None)
        with pytest.raises(DPATServerError) as info:
            client.get_image_info(dpat.slide_ids[0])
    assert dpat.request_count("getImageInfo") == 3
    assert info.value.status_code == 503


def test_rate_limit_after_retries(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_info()
    dpat.faults.fail("getImageInfo", 429, times=None, retry_after=0)
    with pytest.raises(DPATRateLimitError):
        client.get_image_info(dpat.slide_ids[0])
    assert dpat.request_count("getImageInfo") == 5


def test_post_is_never_resent_after_a_status(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_info()
    dpat.faults.fail("createResult", 503, times=1)
    with pytest.raises(DPATServerError):
        client.create_results(_result(dpat.slide_ids[0]))
    assert dpat.request_count("createResult") == 1
    assert dpat.results == []


def test_post_is_never_resent_after_a_dropped_connection(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_info()
    dpat.faults.drop_connection("createResult", after_bytes=5, times=1)
    with pytest.raises(DPATConnectionError):
        client.create_results(_result(dpat.slide_ids[0]))
    assert dpat.request_count("createResult") == 1


def test_get_is_resent_after_a_dropped_connection(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_info()
    dpat.faults.drop_connection("getImageInfo", after_bytes=5, times=1)
    assert client.get_image_info(dpat.slide_ids[0])
    assert dpat.request_count("getImageInfo") == 2


def test_unreachable_server_gives_a_connection_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    with DPATAIClient(url, token="t", retry=FAST_RETRY) as client, pytest.raises(DPATConnectionError) as info:
        client.get_info()
    assert "GET /info" in str(info.value)


def test_malformed_json_is_a_response_error(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_info()
    dpat.faults.malformed_json("getImageInfo", times=1)
    with pytest.raises(DPATResponseError) as info:
        client.get_image_info(dpat.slide_ids[0])
    assert info.value.path == "/slides/{slideId}/info"


def test_not_found_names_the_template(client: DPATAIClient) -> None:
    with pytest.raises(DPATNotFoundError) as info:
        client.get_image_info("no-such-slide")
    assert info.value.path == "/slides/{slideId}/info"
    assert "no-such-slide" not in str(info.value) + repr(info.value)


def test_revoked_callback_token_is_an_authentication_error(dpat: DPATSimulator, client: DPATAIClient) -> None:
    client.get_info()
    dpat.revoke_token(dpat.token)
    with pytest.raises(DPATAuthenticationError):
        client.get_image_info(dpat.slide_ids[0])


def test_request_building_errors_are_not_blamed_on_the_server(dpat: DPATSimulator, client: DPATAIClient) -> None:
    bad = Result(slideId=dpat.slide_ids[0], displayResult=object())  # type: ignore[arg-type]
    client.get_info()
    with pytest.raises(TypeError):
        client.create_results(bad)
    assert dpat.request_count("createResult") == 0


# -- credentials ----------------------------------------------------------------------------------


def test_credentials_mode_gets_and_renews_the_token(dpat: DPATSimulator) -> None:
    with DPATAIClient.from_credentials(dpat.url, dpat.app_id, dpat.username, dpat.password, retry=FAST_RETRY) as client:
        client.get_image_info(dpat.slide_ids[0])
        assert dpat.request_count("createToken") == 1
        dpat.advance_clock(10_000)  # every token the server issued has expired
        client.get_image_info(dpat.slide_ids[0])
    assert dpat.request_count("createToken") == 2
    assert [r.status for r in dpat.requests if r.operation_id == "getImageInfo"] == [200, 401, 200]


def test_wrong_password_is_an_authentication_error_on_token(dpat: DPATSimulator) -> None:
    with (
        DPATAIClient.from_credentials(dpat.url, dpat.app_id, dpat.username, "wrong-pw-123") as client,
        pytest.raises(DPATAuthenticationError) as info,
    ):
        client.get_info()
    assert info.value.path == "/token"
    assert "wrong-pw-123" not in str(info.value) + repr(info.value) + repr(client)


def test_concurrent_threads_share_one_renewal(dpat: DPATSimulator) -> None:
    import threading

    with DPATAIClient.from_credentials(dpat.url, dpat.app_id, dpat.username, dpat.password, retry=FAST_RETRY) as client:
        client.get_info()
        dpat.advance_clock(10_000)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for slide_id in dpat.slide_ids:
                    client.get_image_info(slide_id)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert dpat.request_count("createToken") == 2


async def test_concurrent_tasks_share_one_renewal(dpat: DPATSimulator) -> None:
    import asyncio

    async with AsyncDPATAIClient.from_credentials(
        dpat.url, dpat.app_id, dpat.username, dpat.password, retry=FAST_RETRY
    ) as client:
        await client.get_info()
        dpat.advance_clock(10_000)
        infos = await asyncio.gather(*(client.get_image_info(s) for s in dpat.slide_ids * 10))
    assert len(infos) == 30
    assert dpat.request_count("createToken") == 2


# -- secrets and patient data stay out of messages and logs ---------------------------------------


def test_no_secret_or_phi_in_repr_errors_or_logs(dpat: DPATSimulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slide = dpat.slide(dpat.slide_ids[0])
    secrets = [dpat.token, dpat.password, slide.accession_number, slide.patient_name, slide.patient_id]
    with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST_RETRY) as client:
        texts = [repr(client)]
        client.get_image_infos_in_case(slide.accession_number)
        dpat.faults.fail("getCaseImages", 404, times=1)
        with pytest.raises(DPATNotFoundError) as info:
            client.get_image_infos_in_case(slide.accession_number)
        texts += [str(info.value), repr(info.value)]
    with DPATAIClient.from_credentials(dpat.url, dpat.app_id, dpat.username, dpat.password) as creds:
        creds.get_info()
        texts += [repr(creds), repr(creds._http.auth)]
    with DPATAIClient(dpat.url, app_id=dpat.app_id) as anonymous:
        anonymous.get_launch_data(slide.accession_number, dpat.session_token)
    secrets.append(dpat.session_token)
    ours = ("sectra_dpat_client.ai", "sectra_dpat_client._core.http", "httpx", "httpx_retries")
    logged = [record.getMessage() for record in caplog.records if record.name.startswith(ours)]
    assert any("HTTP Request: GET" in message for message in logged)  # httpx did log the requests
    texts += logged
    for text in texts:
        for secret in secrets:
            assert secret not in text


async def test_async_errors_match_sync(dpat: DPATSimulator, aclient: AsyncDPATAIClient) -> None:
    with pytest.raises(DPATNotFoundError):
        await aclient.get_image_info("missing")
    await aclient.get_info()
    dpat.faults.fail("createResult", 503, times=1)
    with pytest.raises(DPATServerError):
        await aclient.create_results(_result(dpat.slide_ids[0]))
    assert dpat.request_count("createResult") == 1
    dpat.faults.fail("getImageInfo", 503, times=2)
    assert (await aclient.get_image_info(dpat.slide_ids[0])).id == dpat.slide_ids[0]


def test_injected_http_client_is_used_and_not_changed_nor_closed(dpat: DPATSimulator) -> None:
    http = httpx.Client()
    before = (http.auth, str(http.base_url), dict(http.headers), {k: list(v) for k, v in http.event_hooks.items()})
    with pytest.deprecated_call(), DPATAIClient(dpat.url, token=dpat.token, http_client=http) as client:
        assert client.get_info().api_version == dpat.api_version
        assert client.get_image_info(dpat.slide_ids[0]).id == dpat.slide_ids[0]
    assert not http.is_closed
    after = (http.auth, str(http.base_url), dict(http.headers), {k: list(v) for k, v in http.event_hooks.items()})
    assert after == before  # auth, base URL, headers and hooks are sent per request, never set on it
    assert http.get(dpat.url + "/info").status_code == 401
    http.close()
