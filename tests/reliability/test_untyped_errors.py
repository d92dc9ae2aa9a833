"""Issue 13 items 8 and 9 over real loopback sockets: hostile answers and bad arguments end in typed errors,
and no error (nor anything it chains) carries the token or credentials."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client._core.errors import error_for_failure
from sectra_dpat_client._core.http import RetryPolicy, build_async_client, build_client
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATDownloadError, DPATError, DPATQueryError, DPATResponseError
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient

from .hostile import hostile_server, send_head

NO_RETRY = RetryPolicy(attempts=1)
DEEP = b"[" * 100_000 + b"]" * 100_000
SECRET = "s3cr3t-T0KEN-value"


def answer(body: bytes, content_type: str = "application/json") -> Callable[[socket.socket, bytes], None]:
    def handler(conn: socket.socket, head: bytes) -> None:
        send_head(conn, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        conn.sendall(body)

    return handler


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__]
        if isinstance(item, BaseExceptionGroup):
            todo += list(item.exceptions)
    return seen


def assert_no_secret(exc: BaseException, *secrets: str) -> None:
    for item in _chain(exc):
        text = f"{item!s} {item!r} {item.args!r}"
        for secret in secrets:
            assert secret.strip() not in text, type(item)


@pytest.mark.parametrize(
    ("body", "info", "call"),
    [
        (DEEP, False, "get_info"),
        (DEEP, True, "get_image_info"),
        (b'{"apiVersion": 1.1, "softwareVersion": "4.2"}', False, "get_info"),
    ],
    ids=["deep-info", "deep-slide-info", "float-api-version"],
)
def test_hostile_json_is_a_typed_error_sync_and_async(body: bytes, info: bool, call: str) -> None:
    with hostile_server(answer(body), info=info) as url:
        with DPATAIClient(url, token="t", retry=NO_RETRY) as client, pytest.raises(DPATResponseError):
            getattr(client, call)(*(["s1"] if call == "get_image_info" else []))

        async def main() -> None:
            async with AsyncDPATAIClient(url, token="t", retry=NO_RETRY) as client:
                with pytest.raises(DPATResponseError):
                    await getattr(client, call)(*(["s1"] if call == "get_image_info" else []))

        asyncio.run(main())


def test_a_5000_digit_part_length_is_a_download_error(tmp_path: Path) -> None:
    body = b"--b\r\nContent-Disposition: attachment; filename=a.dcm\r\nContent-Length: " + b"9" * 5000
    body += b"\r\n\r\nxx\r\n--b--\r\n"
    with hostile_server(answer(body, "multipart/related; boundary=b")) as url:
        with DPATAIClient(url, token="t", api_version="1.10", retry=NO_RETRY) as client:
            with pytest.raises(DPATDownloadError, match="too large"):
                client.download_slide_files("s1", tmp_path / "out")
    assert not any(p.name == "a.dcm" for p in (tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    "url",
    [
        "http://\uff11\uff12\uff17.0.0.1:8080",
        "http://127.0.0.1:\uff18\uff10\uff18\uff10",
        "http://127.0.0.1:8080/a\r\nX-Evil: 1",
        "http://h st",
        "http://127.0.0.1:8080/base ",
        "http://127.0.0.1:8080/base?x=1",
        "http://127.0.0.1:8080/base?",
        "http://127.0.0.1:8080/base#f",
        "http://user:" + SECRET + "@127.0.0.1:8080/base?x=1",
    ],
)
def test_bad_urls_are_refused_at_construction(url: str) -> None:
    """IA-API and QIDO-RS clients, sync and async: a typed error, never the URL (it may carry a password)."""
    for make in (DPATAIClient, AsyncDPATAIClient, DPATQidoClient, AsyncDPATQidoClient):
        with pytest.raises(DPATQueryError) as caught:
            make(url, token="t")
        assert_no_secret(caught.value, SECRET)


def test_good_base_urls_still_work() -> None:
    url = "http://user:pw@127.0.0.1:8080/dicom-web/"
    for make in (DPATAIClient, DPATQidoClient):
        with make(url, token="t") as client:
            assert client.url == url.rstrip("/")

    async def main() -> None:
        for make in (AsyncDPATAIClient, AsyncDPATQidoClient):
            async with make(url, token="t") as client:
                assert client.url == url.rstrip("/")

    asyncio.run(main())


@pytest.mark.parametrize("token", [SECRET + "\n", " " + SECRET, SECRET + "\r\nX-Evil: 1", SECRET + " x", SECRET + "é"])
def test_bad_tokens_are_refused_without_showing_them(token: str) -> None:
    for make in (
        lambda: DPATAIClient("http://127.0.0.1:1", token=token),
        lambda: AsyncDPATAIClient("http://127.0.0.1:1", token=token),
        lambda: DPATQidoClient("http://127.0.0.1:1", token=token),
    ):
        with pytest.raises(DPATQueryError) as caught:
            make()
        assert_no_secret(caught.value, token, SECRET)


def test_bad_credentials_are_refused_without_showing_them() -> None:
    with pytest.raises(DPATQueryError) as caught:
        DPATAIClient.from_credentials("http://127.0.0.1:1", "app", "user", SECRET + "\n")
    assert_no_secret(caught.value, SECRET)


def test_no_error_over_the_wire_chains_the_token() -> None:
    """Failures after sending (refused connection, 401, garbage) never carry the token anywhere in their chain."""
    failures: list[BaseException] = []
    with hostile_server(answer(b"not json")) as url:
        for target in (url, "http://127.0.0.1:1"):
            with DPATAIClient(target, token=SECRET, api_version="1.10", retry=NO_RETRY) as client:
                for call in (client.get_info, lambda: client.get_image_info("s1")):
                    try:
                        call()
                    except DPATError as exc:
                        failures.append(exc)
    assert len(failures) == 3  # /info on the hostile server is a good answer
    for exc in failures:
        assert_no_secret(exc, SECRET)


@pytest.mark.parametrize("issued", [SECRET + "\n", SECRET + "\r\nX-Evil: 1", "Bearer " + SECRET, SECRET + "é"])
def test_a_token_the_server_issues_that_cannot_be_sent_is_refused_without_showing_it(issued: str) -> None:
    """``POST /token`` answering an access token no header can carry: a typed error, the token nowhere in it."""
    body = json.dumps({"access_token": issued, "token_type": "Bearer", "expires_in": 3600}).encode()
    with hostile_server(answer(body)) as url:
        with DPATAIClient.from_credentials(url, "app", "user", "pw", api_version="1.10", retry=NO_RETRY) as client:
            with pytest.raises(DPATResponseError, match="token") as caught:
                client.get_image_info("s1")
        assert_no_secret(caught.value, SECRET)

        async def run() -> DPATResponseError:
            async with AsyncDPATAIClient.from_credentials(
                url, "app", "user", "pw", api_version="1.10", retry=NO_RETRY
            ) as aclient:
                with pytest.raises(DPATResponseError, match="token") as raised:
                    await aclient.get_image_info("s1")
                return raised.value

        assert_no_secret(asyncio.run(run()), SECRET)


def _failure_of(send: Callable[[], object]) -> DPATError:
    """The library error for what ``send`` raised, chained to it as the clients chain it."""
    try:
        try:
            send()
        except httpx.HTTPError as exc:
            raise error_for_failure(exc) from exc
    except DPATError as caught:
        return caught
    raise AssertionError("the request went out")


def test_a_header_value_no_request_can_carry_is_not_shown_in_the_error_chain() -> None:
    """A caller's header with a newline (httpcore and h11 quote the value in their messages): not in the chain."""
    headers = {"X-Api-Key": SECRET + "\n"}
    with hostile_server(answer(b"{}")) as url:
        with build_client(url) as http:
            failure = _failure_of(lambda: http.get("/info", headers=headers))
        assert_no_secret(failure, SECRET)

        async def run() -> DPATError:
            async with build_async_client(url) as ahttp:
                try:
                    try:
                        await ahttp.get("/info", headers=headers)
                    except httpx.HTTPError as exc:
                        raise error_for_failure(exc) from exc
                except DPATError as caught:
                    return caught
            raise AssertionError("the request went out")

        assert_no_secret(asyncio.run(run()), SECRET)
