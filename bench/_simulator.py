"""A DPAT simulator in a child process for the client benchmarks, so server work does not share our GIL.

``python -m bench._simulator [--latency SECONDS] [--replay]`` prints one JSON line (url, token, app id,
slide id) and serves until its stdin closes. Without ``--replay`` the simulator delays every
``getImageInfo`` answer by the latency.

``--replay`` (`simulator_process(replay=True)`, the latency benchmark P5) puts a replaying front before
the simulator: every distinct request (method, target, ``Authorization``, ``X-Sectra-ApiVersion``, body)
is answered by the simulator once, and from then on that answer (status, headers and body bytes as the
simulator sent them) is replayed by a minimal HTTP/1.1 server on raw asyncio (only successful GET/HEAD
answers are kept: any other method or an error answer goes to the simulator every time, as it could
answer differently); every answer, the first included, leaves the front ``--latency`` seconds after
its request arrived. The simulator under uvicorn (h11, Starlette, its handlers) spends ~1 ms of CPU
per answer, so 40 calls in flight at 20 ms (2,000 answers/s) would need more than this machine's cores
for the server alone and the benchmark would measure the server; the front spends tens of
microseconds per answer, the same for every client measured against it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

_NOT_REPLAYED = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"})
_KEYED_HEADERS = (b"authorization", b"x-sectra-apiversion")
_HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Served:
    """Where the child simulator listens and what it accepts (``pid``: the child, to read its CPU time)."""

    url: str
    token: str
    app_id: str
    slide_id: str
    pid: int = 0


@contextmanager
def simulator_process(latency: float = 0.0, *, replay: bool = False) -> Iterator[Served]:
    """Start the simulator in a child process (``replay``: behind the replaying front); stop it on exit."""
    command = [sys.executable, "-m", "bench._simulator", "--latency", str(latency), *(["--replay"] if replay else [])]
    child = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        yield Served(**json.loads(line), pid=child.pid)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()


class _Upstream:
    """The simulator behind the front: asked once per distinct request, its answers kept as bytes to replay."""

    def __init__(self, root_url: str) -> None:
        import httpx

        self._client = httpx.Client(base_url=root_url, timeout=30)
        self.answers: dict[tuple[bytes, ...], bytes] = {}

    def fetch(
        self, key: tuple[bytes, ...], method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> bytes:
        """The simulator's answer to this request as HTTP/1.1 bytes (kept for ``key`` when it is a
        successful GET or HEAD answer)."""
        request = self._client.build_request(method, target, headers=headers, content=body)
        for name in ("user-agent", "accept", "accept-encoding"):  # only what the client itself sent
            if not any(sent.lower() == name for sent, _ in headers):
                request.headers.pop(name, None)
        response = self._client.send(request, stream=True)
        try:
            raw = b"".join(response.iter_raw())  # as sent: an encoded body stays encoded
        finally:
            response.close()
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {response.status_code} {reason}"]
        lines += [f"{n}: {v}" for n, v in response.headers.multi_items() if n.lower() not in _NOT_REPLAYED]
        lines.append(f"content-length: {len(raw)}")
        answer = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + raw
        if method in ("GET", "HEAD") and response.status_code < 400:  # only what the simulator would repeat
            self.answers[key] = answer
        return answer

    def close(self) -> None:
        self._client.close()


class _Front(asyncio.Protocol):
    """One connection of the replaying front: requests parsed, answers written in order after the latency."""

    def __init__(self, upstream: _Upstream, latency: float) -> None:
        self._upstream = upstream
        self._latency = latency
        self._loop = asyncio.get_running_loop()
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._pending: deque[list[bytes | bool | None]] = deque()  # [answer or None, close after it]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._buffer:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _HEAD_LIMIT:
                    self._abort()
                return
            lines = self._buffer[:end].split(b"\r\n")
            headers = []
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers.append((name.strip().lower(), value.strip()))
            fields = dict(headers)
            length = int(fields.get(b"content-length", b"0"))
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            method, target, _version = lines[0].split(b" ", 2)
            slot: list[bytes | bool | None] = [None, fields.get(b"connection", b"").lower() == b"close"]
            self._pending.append(slot)
            key = (method, target, *(fields.get(name, b"") for name in _KEYED_HEADERS), body)
            answer = self._upstream.answers.get(key)
            if answer is not None:
                self._loop.call_later(self._latency, self._ready, slot, answer)
                continue
            forwarded = [
                (n.decode("latin-1"), v.decode("latin-1")) for n, v in headers if n not in (b"host", b"content-length")
            ]
            due = self._loop.time() + self._latency
            asked = self._loop.run_in_executor(
                None, self._upstream.fetch, key, method.decode(), target.decode("latin-1"), forwarded, body
            )
            asked.add_done_callback(lambda done, slot=slot, due=due: self._fetched(done, slot, due))

    def _fetched(self, done: asyncio.Future[bytes], slot: list[bytes | bool | None], due: float) -> None:
        try:
            answer = done.result()
        except Exception as exc:  # the simulator did not answer: say so, as a gateway would
            text = f"replaying front: the simulator failed ({type(exc).__name__})".encode()
            answer = b"HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n%s" % (
                len(text),
                text,
            )
        self._loop.call_at(due, self._ready, slot, answer)

    def _ready(self, slot: list[bytes | bool | None], answer: bytes) -> None:
        slot[0] = answer
        transport = self._transport
        while self._pending and self._pending[0][0] is not None:
            done, close = self._pending.popleft()
            if transport is None or transport.is_closing():
                return
            assert isinstance(done, bytes)
            transport.write(done)
            if close:
                transport.close()
                return

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.close()


async def _run_front(simulator_url: str, latency: float, announce: dict[str, str]) -> None:
    """Serve the replaying front until stdin closes; announce its URL (the simulator's, on the front's port)."""
    parts = urlsplit(simulator_url)
    upstream = _Upstream(f"{parts.scheme}://{parts.netloc}")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Front(upstream, latency), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({**announce, "url": f"{parts.scheme}://127.0.0.1:{port}{parts.path}"}), flush=True)
    stdin_closed: Future[None] = Future()
    threading.Thread(target=lambda: (sys.stdin.read(), stdin_closed.set_result(None)), daemon=True).start()
    try:
        await asyncio.wrap_future(stdin_closed)
    finally:
        server.close()
        upstream.close()


def _serve(latency: float, replay: bool) -> None:
    from sectra_dpat_client.simulator import DPATSimulator

    with DPATSimulator(slides=1) as dpat:
        if latency > 0 and not replay:
            dpat.faults.latency("getImageInfo", latency)
        announce = {"url": dpat.url, "token": dpat.token, "app_id": dpat.app_id, "slide_id": dpat.slide_ids[0]}
        if replay:
            asyncio.run(_run_front(dpat.url, latency, announce))
            return
        print(json.dumps(announce), flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--replay", action="store_true")
    arguments = parser.parse_args()
    _serve(arguments.latency, arguments.replay)
