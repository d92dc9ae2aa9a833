"""Issue 13 items 7 and 10 over real loopback sockets: answer-size limits on decoded bytes, and the deadline.

Each scenario failed before `sectra_dpat_client._core.limits`: the endless body and the gzip bomb were
read into memory without end, and a body trickled a byte at a time outlived any read timeout.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import socket
import time
import zlib

import httpx
import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client._core.limits import DEFAULT_ANSWER_LIMITS, AnswerLimits
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATQueryError, DPATResponseError, DPATTimeoutError
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient

from .hostile import head_of, hostile_server, send_head

NO_RETRY = RetryPolicy(attempts=1)
SMALL = AnswerLimits(json_bytes=1024 * 1024, image_bytes=256 * 1024, deadline=30.0)
TIMEOUT = httpx.Timeout(connect=2.0, read=2.0, write=2.0, pool=2.0)


def endless_chunked(conn: socket.socket, head: bytes) -> None:
    """A chunked JSON body that never ends (stops only when the client goes away)."""
    send_head(conn, 200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    chunk = b"[" + b"1," * 32767 + b"1"
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    for _ in range(100_000):  # 6.4 GB at most
        conn.sendall(frame)


@functools.cache
def _bomb(size: int = 256 * 1024 * 1024) -> bytes:
    """About 250 KB on the wire, ``size`` bytes decoded."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * (1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(size // len(block))) + compressor.flush()


def gzip_bomb(conn: socket.socket, head: bytes) -> None:
    bomb = _bomb()
    send_head(
        conn, 200, {"Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
    )
    conn.sendall(bomb)


def big_label(conn: socket.socket, head: bytes) -> None:
    body = b"\xff\xd8" + b"\0" * (1024 * 1024)
    send_head(conn, 200, {"Content-Type": "image/jpeg", "Content-Length": str(len(body))})
    conn.sendall(body)


def small_gzip_json(conn: socket.socket, head: bytes) -> None:
    body = gzip.compress(b'{"apiVersion": "1.10", "softwareVersion": "4.2.0.0"}')
    send_head(
        conn, 200, {"Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": str(len(body))}
    )
    conn.sendall(body)


def _trickle(delay: float, *, in_head: bool):
    body = b'{"id": "s1", "imageSize": {"width": 1, "height": 1}}'

    def handler(conn: socket.socket, head: bytes) -> None:
        lines = f"HTTP/1.1 200 X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        if in_head:
            for i in range(len(lines)):
                conn.sendall(lines[i : i + 1])
                time.sleep(delay)
            conn.sendall(body)
            return
        conn.sendall(lines)
        for i in range(len(body)):
            conn.sendall(body[i : i + 1])
            time.sleep(delay)

    return handler


def _ai(url: str, limits: AnswerLimits = SMALL) -> DPATAIClient:
    return DPATAIClient(url, token="t", api_version="1.10", retry=NO_RETRY, timeout=TIMEOUT, limits=limits)


def _async_ai(url: str, limits: AnswerLimits = SMALL) -> AsyncDPATAIClient:
    return AsyncDPATAIClient(url, token="t", api_version="1.10", retry=NO_RETRY, timeout=TIMEOUT, limits=limits)


def test_defaults_are_on() -> None:
    assert DEFAULT_ANSWER_LIMITS.json_bytes is not None
    assert DEFAULT_ANSWER_LIMITS.image_bytes is not None
    assert DEFAULT_ANSWER_LIMITS.deadline is not None
    assert DEFAULT_ANSWER_LIMITS.image_bytes < DEFAULT_ANSWER_LIMITS.json_bytes
    for bad in ({"json_bytes": 0}, {"image_bytes": -1}, {"deadline": float("inf")}, {"deadline": 0}):
        with pytest.raises(DPATQueryError):
            AnswerLimits(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("handler", [endless_chunked, gzip_bomb], ids=["endless-chunked", "gzip-bomb"])
def test_sync_json_answer_stops_at_the_limit(handler) -> None:
    _bomb()  # built before the server needs it
    with hostile_server(handler) as url, _ai(url) as client:
        started = time.monotonic()
        with pytest.raises(DPATResponseError, match="json_bytes") as caught:
            client.get_image_info("s1")
        assert "1048576" in str(caught.value)
        assert time.monotonic() - started < 10


@pytest.mark.parametrize("handler", [endless_chunked, gzip_bomb], ids=["endless-chunked", "gzip-bomb"])
def test_async_json_answer_stops_at_the_limit(handler) -> None:
    _bomb()

    async def main() -> None:
        with hostile_server(handler) as url:
            async with _async_ai(url) as client:
                with pytest.raises(DPATResponseError, match="json_bytes"):
                    await client.get_image_info("s1")

    asyncio.run(main())


def test_image_answers_have_their_own_limit() -> None:
    with hostile_server(big_label) as url:
        with _ai(url) as client, pytest.raises(DPATResponseError, match="image_bytes"):
            client.get_label("s1")
        # the same 1 MB image is fine under the default image limit
        with _ai(url, AnswerLimits()) as client:
            assert len(client.get_label("s1") or b"") == 1024 * 1024 + 2


def test_gzip_answers_within_the_limit_still_decode() -> None:
    with hostile_server(small_gzip_json, info=False) as url, _ai(url) as client:
        assert client.get_info().api_version == "1.10"


@pytest.mark.parametrize("handler", [endless_chunked, gzip_bomb], ids=["endless-chunked", "gzip-bomb"])
def test_qido_answers_are_bounded_sync_and_async(handler) -> None:
    _bomb()
    with hostile_server(handler) as url:
        with DPATQidoClient(url, retry=NO_RETRY, timeout=TIMEOUT, limits=SMALL) as client:
            with pytest.raises(DPATResponseError, match="json_bytes"):
                client.search_studies(limit=10)

        async def main() -> None:
            async with AsyncDPATQidoClient(url, retry=NO_RETRY, timeout=TIMEOUT, limits=SMALL) as client:
                with pytest.raises(DPATResponseError, match="json_bytes"):
                    await client.search_studies(limit=10)

        asyncio.run(main())


@pytest.mark.parametrize("in_head", [False, True], ids=["body", "headers"])
def test_sync_deadline_ends_a_trickle(in_head: bool) -> None:
    limits = AnswerLimits(deadline=1.0)
    with hostile_server(_trickle(0.2, in_head=in_head)) as url, _ai(url, limits) as client:
        started = time.monotonic()
        with pytest.raises(DPATTimeoutError, match="deadline") as caught:
            client.get_image_info("s1")
        assert time.monotonic() - started < 3.0
    # named by the request's operation, also when the socket read itself hit the deadline
    assert str(caught.value).startswith("GET /slides/{slideId}/info: the call took longer than its deadline")


@pytest.mark.parametrize("in_head", [False, True], ids=["body", "headers"])
def test_async_deadline_ends_a_trickle(in_head: bool) -> None:
    async def main() -> float:
        limits = AnswerLimits(deadline=1.0)
        with hostile_server(_trickle(0.2, in_head=in_head)) as url:
            async with _async_ai(url, limits) as client:
                started = time.monotonic()
                with pytest.raises(DPATTimeoutError, match="deadline") as caught:
                    await client.get_image_info("s1")
                assert str(caught.value).startswith("GET /slides/{slideId}/info: ")
                return time.monotonic() - started

    assert asyncio.run(main()) < 3.0


def test_deadline_covers_the_retries() -> None:
    """Three attempts of 0.8 s each on a 1.5 s deadline: the call ends at the deadline, not after 2.4 s."""
    calls = []

    def slow_then_503(conn: socket.socket, head: bytes) -> None:
        calls.append(head)
        time.sleep(0.8)
        send_head(conn, 503, {"Content-Length": "0"})

    retry = RetryPolicy(attempts=3, backoff_factor=0.0, jitter=False)
    with hostile_server(slow_then_503) as url:
        client = DPATAIClient(url, token="t", api_version="1.10", retry=retry, limits=AnswerLimits(deadline=1.5))
        with client:
            started = time.monotonic()
            with pytest.raises(DPATTimeoutError):
                client.get_image_info("s1")
            assert time.monotonic() - started < 2.3


@pytest.mark.parametrize("retry_after", ["20", "9" * 5000], ids=["20s", "5000-digits"])
def test_the_wait_before_a_retry_ends_at_the_deadline(retry_after: str) -> None:
    """A 503 asking to come back in 20 s (or in 10**5000 s), deadline 2 s: the call ends near 2 s, sync and async."""

    def busy(conn: socket.socket, head: bytes) -> None:
        send_head(conn, 503, {"Content-Length": "0", "Retry-After": retry_after})

    retry = RetryPolicy(attempts=3, backoff_factor=0.0, jitter=False, max_backoff=60.0)
    limits = AnswerLimits(deadline=2.0)
    with hostile_server(busy) as url:
        with DPATAIClient(url, token="t", api_version="1.10", retry=retry, limits=limits) as client:
            started = time.monotonic()
            with pytest.raises(DPATTimeoutError):
                client.get_image_info("s1")
            assert time.monotonic() - started < 5

        async def main() -> None:
            async with AsyncDPATAIClient(url, token="t", api_version="1.10", retry=retry, limits=limits) as aclient:
                started = time.monotonic()
                with pytest.raises(DPATTimeoutError):
                    await aclient.get_image_info("s1")
                assert time.monotonic() - started < 5

        asyncio.run(main())


def test_a_quiet_server_still_hits_the_read_timeout_first() -> None:
    def silent(conn: socket.socket, head: bytes) -> None:
        head_of(conn)  # wait for nothing

    with hostile_server(silent) as url:
        client = DPATAIClient(
            url, token="t", api_version="1.10", retry=NO_RETRY, timeout=httpx.Timeout(0.3), limits=SMALL
        )
        with client, pytest.raises(DPATTimeoutError):
            client.get_image_info("s1")


def test_from_credentials_takes_the_limits_too() -> None:
    """The token call and every call after it are bounded by the limits given to `from_credentials`."""
    limits = AnswerLimits(json_bytes=1 << 20)
    with hostile_server(endless_chunked) as url:
        client = DPATAIClient.from_credentials(url, "app", "user", "pw", limits=limits, retry=NO_RETRY, timeout=TIMEOUT)
        with client, pytest.raises(DPATResponseError, match="json_bytes"):
            client.get_image_info("s1")

        async def main() -> None:
            aclient = AsyncDPATAIClient.from_credentials(
                url, "app", "user", "pw", limits=limits, retry=NO_RETRY, timeout=TIMEOUT
            )
            async with aclient:
                with pytest.raises(DPATResponseError, match="json_bytes"):
                    await aclient.get_image_info("s1")

        asyncio.run(main())
