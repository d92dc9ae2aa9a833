"""Fault injection over real HTTP: statuses with Retry-After, latency, dropped connections, bad bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest

from sectra_dpat_client.simulator import DPATSimulator, FaultKind


def test_n_times_503_with_retry_after_seconds(sim: DPATSimulator, http: httpx.Client) -> None:
    sim.faults.fail("getImageInfo", 503, times=2, retry_after=3)
    path = f"/slides/{sim.slide_ids[0]}/info"
    first, second, third = (http.get(path) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
    assert first.headers["Retry-After"] == "3"
    assert sim.request_count("getImageInfo") == 3
    assert sim.request_count("/slides/{slideId}/info", "GET") == 3
    assert [r.status for r in sim.requests] == [503, 503, 200]
    assert sim.faults.armed == []


def test_429_with_http_date_only_hits_its_route_and_method(sim: DPATSimulator, http: httpx.Client) -> None:
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    sim.faults.fail("/applications/{appId}/results", 429, retry_after=when, method="POST")
    assert http.get("/info").status_code == 200
    busy = http.post(f"/applications/{sim.app_id}/results", json={"slideId": sim.slide_ids[0]})
    assert busy.status_code == 429
    assert parsedate_to_datetime(busy.headers["Retry-After"]) == when
    assert http.post(f"/applications/{sim.app_id}/results", json={"slideId": sim.slide_ids[0]}).status_code == 201


def test_faults_without_times_stay_until_cleared(sim: DPATSimulator, http: httpx.Client) -> None:
    sim.faults.fail("*", 503, times=None)
    assert {http.get("/info").status_code for _ in range(3)} == {503}
    sim.faults.clear()
    assert http.get("/info").status_code == 200


def test_latency_makes_a_short_read_timeout_fire(sim: DPATSimulator) -> None:
    sim.faults.latency("getServerInfo", 1.0, times=1)
    headers = {"Authorization": f"Bearer {sim.token}"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{sim.url}/info", headers=headers, timeout=httpx.Timeout(5.0, read=0.2))
    assert httpx.get(f"{sim.url}/info", headers=headers).status_code == 200


def test_dropped_connection_mid_body(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.slide_ids[1]  # one ~1 MiB file with a Content-Length
    sim.faults.drop_connection("getSlideFiles", after_bytes=100_000)
    received = bytearray()

    def download() -> None:
        with http.stream("GET", f"/slides/{slide_id}/files") as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received.extend(chunk)

    with pytest.raises(httpx.RemoteProtocolError):
        download()
    assert len(received) == 100_000
    whole = http.get(f"/slides/{slide_id}/files")
    assert whole.content[:100_000] == bytes(received)


def test_dropped_connection_is_always_short_of_the_body(sim: DPATSimulator, http: httpx.Client) -> None:
    sim.faults.drop_connection("getImageInfo", after_bytes=1_000_000)  # more than the whole JSON body
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(f"/slides/{sim.slide_ids[0]}/info")
    assert http.get(f"/slides/{sim.slide_ids[0]}/info").status_code == 200


def test_truncated_multipart_ends_cleanly_without_closing_delimiter(sim: DPATSimulator, http: httpx.Client) -> None:
    slide_id = sim.slide_ids[0]
    sim.faults.truncate_multipart(after_bytes=5000)
    response = http.get(f"/slides/{slide_id}/files")
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    boundary = response.headers["Content-Type"].split("boundary=")[1]
    assert response.content.startswith(f"--{boundary}\r\n".encode())
    assert f"--{boundary}--".encode() not in response.content
    whole = http.get(f"/slides/{slide_id}/files")  # the fault fired once: the next answer is whole
    whole_boundary = whole.headers["Content-Type"].split("boundary=")[1]
    assert whole.content.endswith(f"\r\n--{whole_boundary}--\r\n".encode())


def test_truncated_single_file_slide_switches_to_multipart(sim: DPATSimulator, http: httpx.Client) -> None:
    sim.faults.truncate_multipart(after_bytes=10)
    response = http.get(f"/slides/{sim.slide_ids[1]}/files")
    assert response.headers["Content-Type"].startswith("multipart/related")


def test_malformed_json(sim: DPATSimulator, http: httpx.Client) -> None:
    sim.faults.malformed_json("getImageInfo")
    response = http.get(f"/slides/{sim.slide_ids[0]}/info")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert http.get(f"/slides/{sim.slide_ids[0]}/info").json()["id"] == sim.slide_ids[0]


def test_fault_arguments_are_checked(sim: DPATSimulator) -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        sim.faults.fail("*", 200)
    with pytest.raises(ValueError, match="times"):
        sim.faults.fail("*", 503, times=0)
    fault = sim.faults.latency("getTile", 0.5, method="get")
    assert (fault.kind, fault.method, fault.times) == (FaultKind.LATENCY, "GET", None)


def test_request_log_keeps_no_secrets(sim: DPATSimulator, http: httpx.Client) -> None:
    http.get(f"/slides/{sim.slide_ids[0]}/info", params={"includePHI": "true"}, headers={"X-Sectra-ApiVersion": "1.10"})
    (record,) = sim.requests
    assert record.query == {"includePHI": "true"}
    assert record.sectra_headers == {"x-sectra-apiversion": "1.10"}
    assert sim.token not in repr(record)
    sim.log.clear()
    assert sim.requests == []
