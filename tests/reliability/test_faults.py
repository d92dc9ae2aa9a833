"""The fault suite: every failure a flaky hospital network produces, over real loopback HTTP.

Each scenario ends in success after retry or in the documented typed error, and asserts how many
requests the server saw (a POST the server may have received is never sent again).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient, Result
from sectra_dpat_client.errors import (
    DPATAuthenticationError,
    DPATConflictError,
    DPATConnectionError,
    DPATDownloadError,
    DPATRateLimitError,
    DPATResponseError,
    DPATServerError,
    DPATTimeoutError,
)
from sectra_dpat_client.simulator import DPATSimulator
from tests.client.conftest import seen

from .conftest import FAST, SHORT_READ, SLIDE_INFO, AsyncCountingTransport, CountingTransport, UnresolvableTransport
from .rawserver import Behaviour, raw_server, self_signed_context

INFO = json.dumps({"apiVersion": "1.10", "softwareVersion": "4.2"}).encode()


def _client(dpat: DPATSimulator, **kwargs: object) -> DPATAIClient:
    return DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST, **kwargs)  # type: ignore[arg-type]


def _raw_client(url: str, *, timeout: httpx.Timeout = SHORT_READ) -> DPATAIClient:
    # api_version given: no /info round trip, so the script only sees the call under test.
    return DPATAIClient(url, token="t0k3n", app_id="app", api_version="1.10", retry=FAST, timeout=timeout)


def _result(slide_id: str) -> Result:
    return Result(slideId=slide_id, displayResult="fault suite", applicationVersion="1.0")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- transport failures ---------------------------------------------------------------------------------


def test_connection_refused_is_retried_then_raises() -> None:
    counting = CountingTransport(httpx.HTTPTransport())
    url = f"http://127.0.0.1:{_closed_port()}"
    client = DPATAIClient(url, token="s3cr3t-t0ken", api_version="1.10", transport=counting, retry=FAST)
    with pytest.raises(DPATConnectionError) as caught:
        client.get_image_info("s1")
    assert counting.count == FAST.attempts
    assert "s3cr3t-t0ken" not in str(caught.value)
    assert "s3cr3t-t0ken" not in repr(client)


async def test_connection_refused_async() -> None:
    counting = AsyncCountingTransport(httpx.AsyncHTTPTransport())
    url = f"http://127.0.0.1:{_closed_port()}"
    async with AsyncDPATAIClient(url, token="t", api_version="1.10", transport=counting, retry=FAST) as client:
        with pytest.raises(DPATConnectionError):
            await client.get_image_info("s1")
    assert counting.count == FAST.attempts


def test_connection_refused_post_is_retried_because_nothing_was_sent() -> None:
    counting = CountingTransport(httpx.HTTPTransport())
    url = f"http://127.0.0.1:{_closed_port()}"
    client = DPATAIClient(url, token="t", app_id="a", api_version="1.10", transport=counting, retry=FAST)
    with pytest.raises(DPATConnectionError):
        client.create_results(_result("s1"))
    assert counting.count == FAST.attempts


def test_name_resolution_failure_injected_at_the_transport() -> None:
    transport = UnresolvableTransport()
    client = DPATAIClient("http://dpat.invalid", token="t", api_version="1.10", transport=transport, retry=FAST)
    with pytest.raises(DPATConnectionError, match="could not be reached"):
        client.get_image_info("s1")
    assert transport.count == FAST.attempts


def test_reset_before_response_get_is_retried() -> None:
    body = json.dumps(SLIDE_INFO).encode()
    with raw_server([Behaviour("reset_before_response"), Behaviour("respond", body=body)]) as server:
        info = _raw_client(server.url).get_image_info("s1")
    assert info.id == "s1"
    assert len(server.wait_for(2)) == 2


def test_reset_before_response_post_is_not_sent_again() -> None:
    with raw_server([Behaviour("reset_before_response")]) as server, pytest.raises(DPATConnectionError):
        _raw_client(server.url).create_results(_result("s1"))
    server.wait_for(1)
    assert server.request_lines() == ["POST /applications/app/results HTTP/1.1"]


def test_reset_before_response_put_is_not_sent_again() -> None:
    with raw_server([Behaviour("reset_before_response")]) as server, pytest.raises(DPATConnectionError):
        _raw_client(server.url).update_results(7, _result("s1"), version_id="v1")
    assert len(server.wait_for(1)) == 1


def test_reset_mid_json_body_get_is_retried() -> None:
    body = json.dumps(SLIDE_INFO).encode()
    script = [Behaviour("reset_mid_body", body=body, cut_at=20), Behaviour("respond", body=body)]
    with raw_server(script) as server:
        assert _raw_client(server.url).get_image_info("s1").image_size.width == 1000
    assert len(server.wait_for(2)) == 2


def test_reset_mid_json_body_every_time_raises_connection_error() -> None:
    body = json.dumps(SLIDE_INFO).encode()
    with raw_server([Behaviour("reset_mid_body", body=body, cut_at=20)]) as server:
        with pytest.raises(DPATConnectionError):
            _raw_client(server.url).get_image_info("s1")
    assert len(server.wait_for(FAST.attempts)) == FAST.attempts


def test_slow_first_byte_past_the_read_timeout_get() -> None:
    body = json.dumps(SLIDE_INFO).encode()
    with raw_server([Behaviour("slow_first_byte", body=body, delay=1.0)]) as server:
        with pytest.raises(DPATTimeoutError):
            _raw_client(server.url).get_image_info("s1")
    assert len(server.wait_for(FAST.attempts)) == FAST.attempts


def test_slow_first_byte_past_the_read_timeout_post_is_sent_once() -> None:
    with raw_server([Behaviour("slow_first_byte", status=201, delay=1.0)]) as server:
        with pytest.raises(DPATTimeoutError):
            _raw_client(server.url).create_results(_result("s1"))
    assert len(server.wait_for(1)) == 1


def test_slow_first_byte_then_fast_answer_succeeds() -> None:
    body = json.dumps(SLIDE_INFO).encode()
    with raw_server([Behaviour("slow_first_byte", body=body, delay=1.0), Behaviour("respond", body=body)]) as server:
        assert _raw_client(server.url).get_image_info("s1").id == "s1"
    assert len(server.wait_for(2)) == 2


def test_slow_body_past_the_read_timeout() -> None:
    body = json.dumps(SLIDE_INFO).encode()
    with raw_server([Behaviour("slow_body", body=body, delay=0.5)]) as server, pytest.raises(DPATTimeoutError):
        _raw_client(server.url).get_image_info("s1")
    assert len(server.wait_for(FAST.attempts)) == FAST.attempts


def test_wrong_content_type_is_a_response_error() -> None:
    page = b"<html><body>Proxy login</body></html>"
    with raw_server([Behaviour("respond", body=page, headers={"Content-Type": "text/html"})]) as server:
        with pytest.raises(DPATResponseError):
            _raw_client(server.url).get_image_info("s1")
    assert len(server.wait_for(1)) == 1


def test_json_of_the_wrong_shape_is_a_response_error() -> None:
    with raw_server([Behaviour("respond", body=b'{"id": 5}')]) as server, pytest.raises(DPATResponseError):
        _raw_client(server.url).get_image_info("s1")


def test_non_standard_status_is_a_typed_error() -> None:
    with raw_server([Behaviour("respond", status=520, body=b"origin error")]) as server:
        with pytest.raises(DPATServerError) as caught:
            _raw_client(server.url).get_image_info("s1")
    assert caught.value.status_code == 520


def test_tls_handshake_failure_against_a_self_signed_server(tmp_path: Path) -> None:
    context = self_signed_context(str(tmp_path), subprocess.run)
    with raw_server([Behaviour("respond", body=INFO)], tls=context) as server:
        client = DPATAIClient(server.url, token="t", api_version="1.10", retry=FAST)
        with pytest.raises(DPATConnectionError):
            client.get_info()
    assert server.requests == []  # no request was ever sent in the clear


# --- statuses from the simulator ------------------------------------------------------------------------


def test_503_with_retry_after_seconds_is_honoured(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.fail("getImageInfo", 503, times=1, retry_after=1)
        started = time.monotonic()
        assert client.get_image_info(slide).id == slide
        waited = time.monotonic() - started
    assert seen(dpat, "getImageInfo") == 2
    assert waited >= 0.9  # the server asked for one second


def test_429_with_retry_after_http_date_is_honoured(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.fail("getImageInfo", 429, times=2, retry_after=datetime.now(UTC) + timedelta(seconds=1))
        assert client.get_image_info(slide).id == slide
    assert seen(dpat, "getImageInfo") == 3


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried(dpat: DPATSimulator, status: int) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        dpat.faults.fail("getImageInfo", status, times=2)
        assert client.get_image_info(slide).id == slide
    assert seen(dpat, "getImageInfo") == 3


def test_503_until_the_attempts_are_spent(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.fail("getImageInfo", 503, times=None)
        with pytest.raises(DPATServerError) as caught:
            client.get_image_info(slide)
    assert caught.value.status_code == 503
    assert caught.value.path == "/slides/{slideId}/info"
    assert seen(dpat, "getImageInfo") == FAST.attempts


def test_429_on_post_is_not_retried(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.fail("createResult", 429, times=1, retry_after=0)
        with pytest.raises(DPATRateLimitError):
            client.create_results(_result(slide))
    assert seen(dpat, "createResult") == 1
    assert dpat.results == []


def test_503_on_put_is_retried(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        stored = client.create_results(_result(slide))
        dpat.faults.fail("updateResult", 503, times=1, retry_after=0)
        updated = client.update_results(stored.id, stored)
    assert updated.version_id != stored.version_id
    assert seen(dpat, "updateResult") == 2


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_on_put_is_not_sent_again(dpat: DPATSimulator, status: int) -> None:
    """A 502/504 may come from a gateway after DPAT applied the update: re-sending would answer 409."""
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        stored = client.create_results(_result(slide))
        dpat.faults.fail("updateResult", status, times=1)
        with pytest.raises(DPATServerError) as caught:
            client.update_results(stored.id, stored)
    assert caught.value.status_code == status
    assert seen(dpat, "updateResult") == 1


async def test_async_gateway_error_on_put_is_not_sent_again(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST) as client:
        stored = await client.create_results(_result(slide))
        dpat.faults.fail("updateResult", 502, times=1)
        with pytest.raises(DPATServerError):
            await client.update_results(stored.id, stored)
    assert seen(dpat, "updateResult") == 1


async def test_async_503_then_success(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, retry=FAST) as client:
        await client.get_info()
        dpat.faults.fail("getImageInfo", 503, times=2, retry_after=0)
        assert (await client.get_image_info(slide)).id == slide
    assert seen(dpat, "getImageInfo") == 3


def test_connection_dropped_mid_json_body_is_retried(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.drop_connection("getImageInfo", after_bytes=10)
        assert client.get_image_info(slide).id == slide
    assert seen(dpat, "getImageInfo") == 2


def test_malformed_json_is_a_response_error(dpat: DPATSimulator) -> None:
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.malformed_json("getImageInfo")
        with pytest.raises(DPATResponseError):
            client.get_image_info(dpat.slide_ids[0])
    assert seen(dpat, "getImageInfo") == 1


def test_stale_version_id_is_a_conflict_and_not_retried(dpat: DPATSimulator) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        stored = client.create_results(_result(slide))
        client.update_results(stored.id, stored)
        with pytest.raises(DPATConflictError) as caught:
            client.update_results(stored.id, stored)  # the versionId read first is stale now
    assert caught.value.status_code == 409
    assert seen(dpat, "updateResult") == 2


def test_expired_token_in_callback_mode_raises(dpat: DPATSimulator) -> None:
    token = dpat.issue_token(ttl=60)
    with DPATAIClient(dpat.url, token=token, app_id=dpat.app_id, retry=FAST) as client:
        client.get_info()
        dpat.advance_clock(120)
        with pytest.raises(DPATAuthenticationError) as caught:
            client.get_image_info(dpat.slide_ids[0])
    assert token not in str(caught.value)
    assert token not in repr(caught.value)
    assert seen(dpat, "getImageInfo") == 1


def test_expired_token_in_credentials_mode_is_renewed(dpat: DPATSimulator) -> None:
    with DPATAIClient.from_credentials(dpat.url, dpat.app_id, dpat.username, dpat.password, retry=FAST) as client:
        client.get_info()
        dpat.advance_clock(10 * 3600)  # far past the token's lifetime
        assert client.get_image_info(dpat.slide_ids[0]).id == dpat.slide_ids[0]
    assert seen(dpat, "createToken") == 2


# --- downloads ------------------------------------------------------------------------------------------


def _no_final_files(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.rglob("*") if p.is_file() and not p.name.endswith(".part"))


def test_truncated_multipart_leaves_no_final_file(dpat: DPATSimulator, tmp_path: Path) -> None:
    slide = dpat.slide_ids[0]  # multi-file DICOM
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.truncate_multipart(after_bytes=100)
        with pytest.raises(DPATDownloadError):
            client.download_slide_files(slide, tmp_path)
    assert [n for n in _no_final_files(tmp_path) if not n.startswith(".")] == []


def test_connection_dropped_mid_file_leaves_no_final_file(dpat: DPATSimulator, tmp_path: Path) -> None:
    slide = dpat.slide_ids[1]  # single file
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.drop_connection("getSlideFiles", after_bytes=4096)
        with pytest.raises((DPATDownloadError, DPATConnectionError)):
            client.download_slide_files(slide, tmp_path)
    assert [n for n in _no_final_files(tmp_path) if not n.startswith(".")] == []
    assert seen(dpat, "getSlideFiles") == 1  # a stream is never silently restarted


def test_download_after_a_failure_completes(dpat: DPATSimulator, tmp_path: Path) -> None:
    slide = dpat.slide_ids[0]
    with _client(dpat) as client:
        client.get_info()
        dpat.faults.truncate_multipart(after_bytes=300_000)
        with pytest.raises(DPATDownloadError):
            client.download_slide_files(slide, tmp_path)
        paths = client.download_slide_files(slide, tmp_path)
    expected = {f.name: f.size for f in dpat.slide(slide).files}
    assert {p.name: p.stat().st_size for p in paths} == expected
