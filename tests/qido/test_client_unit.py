"""Client behaviour Orthanc cannot show (204, Warning, 413, servers ignoring offset/limit, bad bodies),
checked on the request actually sent; each case runs on the sync and the async client."""

from __future__ import annotations

import base64
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.errors import (
    DPATAuthenticationError,
    DPATBadRequestError,
    DPATConnectionError,
    DPATQueryError,
    DPATResponseError,
    DPATServerError,
)
from sectra_dpat_client.qido import AsyncDPATQidoClient, DicomCodes, DPATQidoClient, QidoResult

BASE = "http://qido.test/dicom-web"
NO_WAIT = RetryPolicy(attempts=3, backoff_factor=0.0, jitter=False)
JSON = {"Content-Type": "application/dicom+json"}


def study(i: int) -> dict[str, Any]:
    return {
        "00100020": {"vr": "LO", "Value": [f"PAT{i:04d}"]},
        "0020000D": {"vr": "UI", "Value": [f"1.2.3.{i}"]},
    }


class Both:
    """Runs one call on the sync client or, awaited, on the async client."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def client(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("retry", NO_WAIT)
        cls = DPATQidoClient if self.kind == "sync" else AsyncDPATQidoClient
        return cls(BASE, *args, **kwargs)

    async def call(self, client: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(client, name)(*args, **kwargs)
        return await result if inspect.isawaitable(result) else result

    async def collect(self, client: Any, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        iterator = getattr(client, name)(*args, **kwargs)
        if self.kind == "sync":
            return list(iterator)
        return [item async for item in iterator]


@pytest.fixture(params=["sync", "async"])
def both(request: pytest.FixtureRequest) -> Both:
    return Both(request.param)


def sent(httpx_mock: HTTPXMock) -> list[str]:
    return [request.url.raw_path.decode().removeprefix("/dicom-web") for request in httpx_mock.get_requests()]


async def test_query_goes_out_unencoded_where_it_must(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=[study(1)], headers=JSON)
    client = both.client("user", "pw")
    await both.call(client, "search_studies", {"00100020": "PAT*"}, StudyInstanceUID=["1.2.3", "1.2.4"], limit=5)
    assert sent(httpx_mock) == ["/studies?00100020=PAT*&StudyInstanceUID=1.2.3,1.2.4&limit=5"]
    request = httpx_mock.get_requests()[0]
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()
    assert request.headers["Accept"].startswith("application/dicom+json")


async def test_204_means_no_match(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=204)
    result = await both.call(both.client(), "search_studies", PatientID="NONE")
    assert isinstance(result, QidoResult)
    assert (list(result), result.status_code, result.warnings) == ([], 204, ())


async def test_200_empty_array_means_no_match(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=[], headers=JSON)
    result = await both.call(both.client(), "search_series", "1.2.3")
    assert (list(result), result.status_code) == ([], 200)
    assert sent(httpx_mock) == ["/studies/1.2.3/series"]


async def test_warning_header_is_exposed(both: Both, httpx_mock: HTTPXMock) -> None:
    warnings = ['299 qido.test: "The fuzzymatching parameter is not supported."', '299 qido.test: "More results"']
    httpx_mock.add_response(
        json=[study(1)], headers=[("Content-Type", "application/dicom+json"), *(("Warning", w) for w in warnings)]
    )
    result = await both.call(both.client(), "search_studies", PatientName="Doe*", fuzzymatching=True)
    assert result.warnings == tuple(warnings)
    assert len(result) == 1
    assert "fuzzymatching=true" in sent(httpx_mock)[0]


async def test_413_is_a_request_error(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=413, text="too many results for SECRET*")
    with pytest.raises(DPATBadRequestError) as caught:
        await both.call(both.client(), "search_studies", PatientID="SECRET*")
    assert caught.value.status_code == 413
    assert caught.value.path == "/studies"
    assert caught.value.text == "too many results for SECRET*"
    assert "SECRET" not in str(caught.value) + repr(caught.value)


async def test_uids_stay_out_of_error_paths(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=401)
    with pytest.raises(DPATAuthenticationError) as caught:
        await both.call(both.client(token="tok-SECRET"), "search_instances", "1.2.840.99", "1.2.840.98")
    assert caught.value.path == "/studies/{study}/series/{series}/instances"
    assert "1.2.840" not in str(caught.value)
    assert httpx_mock.get_requests()[0].headers["Authorization"] == "Bearer tok-SECRET"


async def test_server_errors_are_retried_then_raised(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=503, is_reusable=True)
    with pytest.raises(DPATServerError):
        await both.call(both.client(), "search_studies")
    assert len(httpx_mock.get_requests()) == NO_WAIT.attempts


async def test_unreachable_server_is_a_connection_error(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), is_reusable=True)
    with pytest.raises(DPATConnectionError, match="/studies"):
        await both.call(both.client(), "search_studies")


async def test_paging_stops_when_the_server_ignores_offset(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=[study(i) for i in range(3)], headers=JSON, is_reusable=True)
    items = await both.collect(both.client(), "iter_studies", page_size=3)
    assert [item.get_value_as_string(DicomCodes.PATIENT_ID) for item in items] == ["PAT0000", "PAT0001", "PAT0002"]
    assert sent(httpx_mock) == ["/studies?limit=3&offset=0", "/studies?limit=3&offset=3"]


async def test_paging_stops_when_the_server_ignores_limit_and_offset(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=[study(i) for i in range(5)], headers=JSON, is_reusable=True)
    items = await both.collect(both.client(), "iter_series", page_size=2)
    assert len(items) == 5
    assert len(httpx_mock.get_requests()) == 2


async def test_paging_walks_pages_until_a_short_one(both: Both, httpx_mock: HTTPXMock) -> None:
    for offset, count in ((0, 2), (2, 2), (4, 1)):
        httpx_mock.add_response(
            url=f"{BASE}/studies/1.2/instances?Modality=SM&limit=2&offset={offset}",
            json=[study(offset + i) for i in range(count)],
            headers=JSON,
        )
    items = await both.collect(both.client(), "iter_instances", "1.2", Modality="SM", page_size=2)
    assert len(items) == 5
    assert len(httpx_mock.get_requests()) == 3


async def test_paging_honours_max_results(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=[study(i) for i in range(4)], headers=JSON)
    items = await both.collect(both.client(), "iter_studies", page_size=10, max_results=4)
    assert len(items) == 4
    assert sent(httpx_mock) == ["/studies?limit=4&offset=0"]


async def test_a_lone_object_is_accepted(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=study(9), headers=JSON)
    result = await both.call(both.client(), "search_studies")
    assert [item.get_value_as_string("PatientID") for item in result] == ["PAT0009"]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"<html>login</html>", "text/html", "content type 'text/html'"),
        (b"[{", "application/json", "not JSON"),
        (b'"SECRETPAT"', "application/dicom+json", "neither an array nor an object"),
        (
            b'[{"00100020": {"vr": "LO"}}, ["SECRETPAT"]]',
            "application/dicom+json",
            r"\$\[1\] is not a DICOM JSON object",
        ),
        (b'[{"PatientID": {"vr": "LO", "Value": ["SECRETPAT"]}}]', "application/dicom+json", "8-hex-digit tag"),
        (b'[{"00100020": "SECRETPAT"}]', "application/dicom+json", r"\$\[0\]\.00100020 is not a DICOM JSON attribute"),
    ],
)
async def test_bad_shapes_are_response_errors(
    both: Both, httpx_mock: HTTPXMock, body: bytes, content_type: str, message: str
) -> None:
    httpx_mock.add_response(content=body, headers={"Content-Type": content_type})
    with pytest.raises(DPATResponseError, match=message) as caught:
        await both.call(both.client(), "search_studies")
    assert "SECRETPAT" not in str(caught.value)
    assert caught.value.path == "/studies"


@pytest.mark.parametrize(
    ("attribute", "message"),
    [
        ({"vr": "LO", "Value": [7]}, "PatientID is not valid DICOM JSON"),
        ({"vr": "ZZ", "Value": ["SECRETPAT"]}, "PatientID has an unknown VR"),
        ({"vr": "LO", "Value": ["SECRETPAT"], "Extra": 1}, "PatientID is not valid DICOM JSON"),
    ],
)
async def test_bad_attributes_fail_when_read(
    both: Both, httpx_mock: HTTPXMock, attribute: dict[str, Any], message: str
) -> None:
    body = [{"00100020": attribute, "0020000D": {"vr": "UI", "Value": ["1.2.3"]}}]
    httpx_mock.add_response(json=body, headers=JSON)
    (found,) = await both.call(both.client(), "search_studies")
    assert found.get_value_as_string(DicomCodes.STUDY_INSTANCE_UID) == "1.2.3"
    with pytest.raises(DPATResponseError, match=message) as caught:
        found.get_value_as_string(DicomCodes.PATIENT_ID)
    assert "SECRETPAT" not in str(caught.value)
    with pytest.raises(DPATResponseError, match=message):
        found.validate()


async def test_find_one_study_asks_for_two(both: Both, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=[study(1)], headers=JSON)
    found = await both.call(both.client(), "find_one_study", studyInstanceUid="1.2.3.1")
    assert found.get_value_as_string(DicomCodes.PATIENT_ID) == "PAT0001"
    assert sent(httpx_mock) == ["/studies?StudyInstanceUID=1.2.3.1&limit=2"]
    with pytest.raises(DPATQueryError, match="at least one filter"):
        await both.call(both.client(), "find_one_study")


async def test_patient_data_stays_out_of_logs(
    both: Both, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    httpx_mock.add_response(json=[], headers=JSON, is_reusable=True)
    with caplog.at_level(logging.DEBUG):
        client = both.client("user", "SECRETPW")
        await both.call(client, "search_studies", PatientID="SECRETPAT", limit=3)
        await both.call(client, "search_instances", "1.2.840.77", "1.2.840.78", AccessionNumber="SECRETACC")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "PatientID=<redacted>" in text  # our DEBUG line
    assert "HTTP Request: GET" in text  # httpx's INFO line, rewritten by sectra_dpat_client._core.redact
    assert any(record.name.startswith("httpx_retries") for record in caplog.records)  # rewritten too
    for secret in ("SECRETPAT", "SECRETACC", "SECRETPW", "1.2.840.7"):
        assert secret not in text


async def test_custom_auth_is_used(both: Both, httpx_mock: HTTPXMock) -> None:
    class Header(httpx.Auth):
        def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
            request.headers["X-Api-Key"] = "k"
            yield request

    httpx_mock.add_response(json=[], headers=JSON)
    await both.call(both.client(auth=Header()), "search_studies")
    assert httpx_mock.get_requests()[0].headers["X-Api-Key"] == "k"


@pytest.mark.parametrize(
    "kwargs",
    [{"username": "u", "token": "t"}, {"token": "t", "auth": httpx.BasicAuth("u", "p")}, {"password": "p"}],
)
def test_credentials_must_be_one_kind(both: Both, kwargs: dict[str, Any]) -> None:
    with pytest.raises(DPATQueryError):
        both.client(**kwargs)


def test_secrets_stay_out_of_repr(both: Both) -> None:
    client = both.client("user", "SECRETPW")
    assert "SECRETPW" not in repr(client)
    assert repr(client).endswith(f"(url='{BASE}')")


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {name: member for name, member in vars(cls).items() if not name.startswith("_") and callable(member)}


def test_sync_and_async_surfaces_match() -> None:
    sync, asynchronous = public_methods(DPATQidoClient), public_methods(AsyncDPATQidoClient)
    assert set(sync) - {"close"} == set(asynchronous) - {"aclose"}
    for name, method in sync.items():
        if name == "close":
            continue
        assert inspect.signature(method).parameters == inspect.signature(asynchronous[name]).parameters, name
        is_iterator = name.startswith("iter_")
        assert inspect.iscoroutinefunction(asynchronous[name]) != is_iterator or name == "iter_pages", name
