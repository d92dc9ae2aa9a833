"""Unit tests of the shared HTTP layer: retry rules per method, Retry-After, status mapping."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
from pytest_httpx import HTTPXMock

from sectra_dpat_client._core import http as _http
from sectra_dpat_client._core.errors import Named, error_for_failure, error_for_response, operation_extension
from sectra_dpat_client.errors import (
    DPATConnectionError,
    DPATNotFoundError,
    DPATQueryError,
    DPATRequestError,
    DPATServerError,
    DPATTimeoutError,
)

BASE = "http://dpat.test/v1"
NO_WAIT = _http.RetryPolicy(backoff_factor=0.0, jitter=False)


def _client(policy: _http.RetryPolicy = NO_WAIT) -> httpx.Client:
    return _http.build_client(BASE, retry=policy)


def test_get_retries_retryable_statuses_then_succeeds(httpx_mock: HTTPXMock) -> None:
    for status in (503, 429, 502, 504):
        httpx_mock.add_response(url=f"{BASE}/info", status_code=status)
    httpx_mock.add_response(url=f"{BASE}/info", json={"ok": True})
    with _client() as client:
        response = client.get("/info")
    assert response.status_code == 200
    assert len(httpx_mock.get_requests()) == 5


def test_get_gives_up_after_the_configured_attempts(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{BASE}/info", status_code=503, is_reusable=True)
    with _client(_http.RetryPolicy(attempts=3, backoff_factor=0.0)) as client:
        response = client.get("/info")
    assert response.status_code == 503
    assert len(httpx_mock.get_requests()) == 3
    error = error_for_response(response)
    assert isinstance(error, DPATServerError)
    assert error.status_code == 503


@pytest.mark.parametrize("status", [429, 503])
def test_post_is_not_resent_on_a_status(httpx_mock: HTTPXMock, status: int) -> None:
    httpx_mock.add_response(method="POST", status_code=status)
    with _client() as client:
        response = client.post("/applications/a/results", json={})
    assert response.status_code == status
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("status", [429, 503])
def test_put_and_delete_are_retried_on_a_status_that_means_not_acted(
    httpx_mock: HTTPXMock, method: str, status: int
) -> None:
    httpx_mock.add_response(method=method, status_code=status, headers={"Retry-After": "0"})
    httpx_mock.add_response(method=method, status_code=200, json={})
    with _client() as client:
        assert client.request(method, "/x", json={}).status_code == 200
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("status", [502, 504])
def test_put_and_delete_are_not_resent_after_a_gateway_error(httpx_mock: HTTPXMock, method: str, status: int) -> None:
    """A gateway's 502/504 may come after DPAT applied the write: sending it again would answer 409."""
    httpx_mock.add_response(method=method, status_code=status)
    with _client() as client:
        assert client.request(method, "/x", json={}).status_code == status
    assert len(httpx_mock.get_requests()) == 1


def test_write_retry_statuses_are_the_not_acted_subset_of_the_policy() -> None:
    policy = _http.RetryPolicy(retry_statuses=(500, 502, 503))
    assert policy.for_method("GET").status_forcelist == {500, 502, 503}
    assert policy.for_method("put").status_forcelist == {503}
    assert not _http.RetryPolicy(retry_statuses=(502,)).for_method("PUT").is_retryable_status_code(502)
    assert not policy.for_method("POST").is_retryable_status_code(503)


@pytest.mark.parametrize("bad", [{"attempts": 0}, {"backoff_factor": -1.0}, {"max_backoff": float("inf")}])
def test_bad_retry_policy_is_a_typed_argument_error(bad: dict[str, float]) -> None:
    with pytest.raises(DPATQueryError, match="RetryPolicy"):
        _http.RetryPolicy(**bad)  # type: ignore[arg-type]


def test_post_is_resent_after_a_connect_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), method="POST")
    httpx_mock.add_response(method="POST", status_code=201, json={})
    with _client() as client:
        assert client.post("/r", json={}).status_code == 201
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("exc", [httpx.ReadError("reset"), httpx.ReadTimeout("slow")])
def test_maybe_received_writes_are_never_resent(httpx_mock: HTTPXMock, method: str, exc: Exception) -> None:
    httpx_mock.add_exception(exc, method=method)
    with _client() as client, pytest.raises(type(exc)):
        client.request(method, "/r", json={})
    assert len(httpx_mock.get_requests()) == 1


def test_get_is_resent_after_a_read_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_exception(httpx.ReadError("reset"))
    httpx_mock.add_response(json={})
    with _client() as client:
        assert client.get("/info").status_code == 200
    assert len(httpx_mock.get_requests()) == 2


def test_no_status_retries_when_the_list_is_empty(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=503)
    with _client(_http.RetryPolicy(backoff_factor=0.0, retry_statuses=())) as client:
        assert client.get("/info").status_code == 503
    assert len(httpx_mock.get_requests()) == 1


async def test_async_client_retries_like_the_sync_one(async_httpx_mock: HTTPXMock) -> None:
    async_httpx_mock.add_response(status_code=429, headers={"Retry-After": "0"})
    async_httpx_mock.add_response(json={})
    async with _http.build_async_client(BASE, retry=NO_WAIT) as client:
        assert (await client.get("/info")).status_code == 200
    assert len(async_httpx_mock.get_requests()) == 2


def test_non_standard_status_becomes_a_request_error(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=499, text="client closed")
    with _client() as client, pytest.raises(DPATRequestError) as info:
        client.get("/info")
    assert info.value.status_code == 499
    assert info.value.text == "client closed"


def test_error_for_response_names_the_carried_template_not_the_path(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=404, text="no case ACC-SECRET-1")
    template = "/requests/{accessionNumber}/images/info"
    with _client() as client:
        response = client.get(
            "/requests/ACC-SECRET-1/images/info", extensions=operation_extension(Named("GET", template))
        )
    error = error_for_response(response)
    assert isinstance(error, DPATNotFoundError)
    message = str(error) + repr(error)
    assert "ACC-SECRET-1" not in message
    assert template in message
    assert error.method == "GET"


def test_error_for_response_without_an_operation_names_no_path(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(status_code=404, text="no case ACC-SECRET-1")
    with _client() as client:
        response = client.get("/requests/ACC-SECRET-1/images/info")
    error = error_for_response(response)
    assert "ACC-SECRET-1" not in str(error) + repr(error)
    assert (error.method, error.path) == ("GET", "")


def test_trailing_slash_on_the_base_url_gives_no_double_slash(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=f"{BASE}/info", json={})
    with _http.build_client(BASE + "/", retry=NO_WAIT) as client:
        client.get("/info")
    assert httpx_mock.get_requests()[0].url.raw_path == b"/v1/info"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        (" 12 ", 12.0),
        ("", None),
        ("-1", None),
        ("1.5", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        (email.utils.formatdate(1_000_030, usegmt=True), 30.0),
        (email.utils.formatdate(999_000, usegmt=True), 0.0),
    ],
)
def test_retry_after_seconds(value: str, expected: float | None) -> None:
    assert _http.retry_after_seconds({"Retry-After": value}, now=1_000_000) == expected


def test_retry_after_missing() -> None:
    assert _http.retry_after_seconds({}) is None


def test_connection_error_mapping() -> None:
    assert isinstance(error_for_failure(httpx.ConnectError("x"), Named("get", "/info")), DPATConnectionError)
    timeout = error_for_failure(httpx.ReadTimeout("x"), Named("get", "/slides/{slideId}/info"))
    assert isinstance(timeout, DPATTimeoutError)
    assert "GET /slides/{slideId}/info" in str(timeout)


def test_shorthands_with_a_hand_typed_template_are_gone() -> None:
    for name in ("raise_for_response", "connection_error", "http_failure"):
        assert not hasattr(_http, name)
        assert name not in _http.__all__


@pytest.mark.parametrize("kwargs", [{"attempts": 0}, {"backoff_factor": -1}, {"max_backoff": 0}])
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        _http.RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_default_timeouts_are_set() -> None:
    with _http.build_client(BASE) as client:
        assert client.timeout.connect == 10.0
        assert client.timeout.read == 60.0


class _FlakyBody(httpx.SyncByteStream):
    """A body that breaks off after its first chunk when ``fail`` is set."""

    def __init__(self, log: list[str], fail: bool) -> None:
        self._log = log
        self._fail = fail

    def __iter__(self):  # type: ignore[no-untyped-def]
        self._log.append("read")
        yield b"part-"
        if self._fail:
            raise httpx.ReadError("connection lost mid-body")
        yield b"rest"


def _flaky_transport(log: list[str], failures: int) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        log.append("request")
        return httpx.Response(200, stream=_FlakyBody(log, fail=log.count("request") <= failures))

    return httpx.MockTransport(handler)


def test_whole_body_calls_retry_a_body_lost_midway() -> None:
    log: list[str] = []
    with _http.build_client(BASE, retry=NO_WAIT, transport=_flaky_transport(log, failures=1)) as client:
        with _http.buffered_bodies():
            assert client.get("/info").content == b"part-rest"
    assert log.count("request") == 2


def test_streamed_downloads_are_not_buffered_nor_resent() -> None:
    log: list[str] = []
    with _http.build_client(BASE, retry=NO_WAIT, transport=_flaky_transport(log, failures=1)) as client:
        with client.stream("GET", "/slides/s/files") as response:
            assert log == ["request"]  # headers only: the body was not read by the transport
            with pytest.raises(httpx.ReadError):
                response.read()
    assert log.count("request") == 1


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the retry loop asked for, without waiting."""
    import httpx_retries.retry

    recorded: list[float] = []
    monkeypatch.setattr(httpx_retries.retry.time, "sleep", recorded.append)
    return recorded


def test_waits_follow_retry_after_then_exponential_backoff(httpx_mock: HTTPXMock, sleeps: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    httpx_mock.add_response(status_code=503, headers={"Retry-After": "7"})
    httpx_mock.add_response(status_code=429, headers={"Retry-After": when})
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(json={})
    policy = _http.RetryPolicy(backoff_factor=0.25, jitter=False, max_backoff=30.0)
    with _http.build_client(BASE, retry=policy) as client:
        assert client.get("/info").status_code == 200
    assert sleeps[0] == 7.0
    assert sleeps[1] == 30.0  # a date two minutes ahead, capped at max_backoff
    assert sleeps[2:] == [2.0, 4.0]  # backoff_factor * 2**attempt for attempts 3 and 4


def test_jitter_stays_within_the_exponential_bound(httpx_mock: HTTPXMock, sleeps: list[float]) -> None:
    httpx_mock.add_response(status_code=503, is_reusable=True)
    with _http.build_client(BASE, retry=_http.RetryPolicy(attempts=5, backoff_factor=0.25, jitter=True)) as client:
        client.get("/info")
    assert len(sleeps) == 4
    assert all(0 <= wait <= 0.25 * 2 ** (n + 1) for n, wait in enumerate(sleeps))
