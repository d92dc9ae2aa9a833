"""P7 receiver: create invocations per second an `AnalysisApp` accepts (each storing a placeholder on
the simulator through ``respond_pending``) against a bare Starlette app doing the same JSON parse and a
reply, both under uvicorn in child processes; a raw-socket keep-alive load generator (no HTTP library)
drives them, interleaved round by round. Also: inbound validation throughput (MB/s of our parse +
schema check + replay key against plain ``orjson.loads`` of the same body; also through a worker
process, as bodies over ``offload_above`` go) and a 1M-point invocation accepted over loopback with
``/info`` p50/p99 meanwhile, against the same app checking it in a thread.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from bench._common import compare, interleaved
from bench._simulator import Served, simulator_process

CALLS = 400
CONNECTIONS = 16
TARGET = 0.3


@contextmanager
def receiver(kind: str, app_id: str) -> Iterator[int]:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench._receiver", kind, app_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        time.sleep(0.3)
        yield port
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def bodies(dpat: Served, count: int) -> list[bytes]:
    def one() -> bytes:
        return orjson.dumps({
            "action": "create", "applicationId": dpat.app_id, "slideId": dpat.slide_id,
            "callbackInfo": {"url": dpat.url, "token": dpat.token}, "context": {},
            "cancellationToken": secrets.token_hex(8), "input": {"type": "wholeSlide"},
        })  # fmt: skip

    return [one() for _ in range(count)]


def request(body: bytes) -> bytes:
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _drive(port: int, requests: list[bytes], connections: int) -> None:
    queue = list(reversed(requests))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                writer.write(queue.pop())
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
                length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                await reader.readexactly(length)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


def drive(port: int, requests: list[bytes]) -> None:
    asyncio.run(_drive(port, requests, CONNECTIONS))


def throughput_row(dpat: Served) -> dict[str, Any]:
    with receiver("ours", dpat.app_id) as ours_port, receiver("bare", dpat.app_id) as bare_port:
        pending: dict[str, list[bytes]] = {}

        def prepare() -> None:
            pending["ours"] = [request(b) for b in bodies(dpat, CALLS)]
            pending["bare"] = [request(b) for b in bodies(dpat, CALLS)]

        prepare()
        times = interleaved(
            {"ours": lambda: drive(ours_port, pending["ours"]), "baseline": lambda: drive(bare_port, pending["bare"])},
            rounds=5,
            before_each=prepare,
        )
    return compare(
        f"P7 receiver: create invocations/s ({CALLS} per round, {CONNECTIONS} connections) vs bare Starlette",
        times,
        target=TARGET,
        work=CALLS,
        unit="invocations/s",
    )


def polygon_invocation(
    points: int,
    app_id: str = "bench",
    url: str = "http://127.0.0.1:9/v1",
    token: str = "t",  # noqa: S107 - a dummy callback token
) -> bytes:
    pts = [{"x": round(i / points, 6), "y": round(1 - i / points, 6)} for i in range(points)]
    return orjson.dumps({
        "action": "create", "applicationId": app_id, "slideId": "s",
        "callbackInfo": {"url": url, "token": token}, "cancellationToken": "c",
        "input": {"type": "taggedPolygon", "content": {"polygon": {"points": pts}}},
    })  # fmt: skip


def validation_row(points: int) -> dict[str, Any]:
    from sectra_dpat_client.app.inbound import check_application_id, parse_json, schema_faults
    from sectra_dpat_client.app.replays import replay_key

    body = polygon_invocation(points)

    def ours() -> None:
        payload = parse_json(body)
        check_application_id(payload, "bench")
        assert not schema_faults(payload, "Invocation", len(body))
        replay_key(payload, body)  # as the app keys it: raw bytes for big bodies

    times = interleaved({"ours": ours, "baseline": lambda: orjson.loads(body)}, rounds=5)
    return _throughput_row(
        f"P7 inbound validation: {points:,}-point invocation, MB/s (parse + schema + replay key) vs orjson.loads",
        times,
        body,
    )


def _throughput_row(metric: str, times: Any, body: bytes) -> dict[str, Any]:
    """A MB/s row without a target (the validation throughput is reported, not judged)."""
    megabytes = len(body) / 1e6
    row = compare(metric, times, target=0.0, work=megabytes, unit="MB/s", body_mb=round(megabytes, 1))
    row.pop("target")
    row.pop("met")
    return row


def worker_validation_row(points: int) -> dict[str, Any]:
    """MB/s of the path bodies over ``offload_above`` take: the round trip to a (started) worker process
    that parses, checks and keys them, against plain ``orjson.loads`` in this process."""
    from sectra_dpat_client.app.offload import OffloadPool

    body = polygon_invocation(points)
    pool = OffloadPool(1)
    try:

        def ours() -> None:
            verdict = pool.run(body, "Invocation", "bench")
            assert verdict is not None
            assert not verdict.faults

        times = interleaved({"ours": ours, "baseline": lambda: orjson.loads(body)}, rounds=5)
    finally:
        pool.close()
    return _throughput_row(
        f"P7 inbound validation in a worker process: {points:,}-point invocation, MB/s (pipe round trip + "
        "parse + schema + replay key) vs orjson.loads here",
        times,
        body,
    )


def _big_accept_round(port: int, body: bytes, poll: float | None) -> dict[str, Any]:
    """One 1M-point create POSTed while ``GET /info`` is polled every ``poll`` s on another connection
    (None: not polled)."""
    import httpx

    done: dict[str, Any] = {}

    def post() -> None:
        with httpx.Client(timeout=120) as poster:
            started = time.perf_counter()
            answer = poster.post(
                f"http://127.0.0.1:{port}/", content=body, headers={"Content-Type": "application/json"}
            )
            done["s"] = time.perf_counter() - started
        done["status"] = answer.status_code

    latencies = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        http.get("/info")
        sender = threading.Thread(target=post)
        sender.start()
        while poll is not None and sender.is_alive():
            started = time.perf_counter()
            http.get("/info")
            latencies.append(time.perf_counter() - started)
            time.sleep(poll)
        sender.join()
    latencies = sorted(latencies) or [0.0]
    return {
        "accept_s": done["s"],
        "status": done.get("status"),
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "samples": len(latencies),
    }


def big_accept_row(dpat: Served, points: int = 1_000_000, rounds: int = 3, poll: float = 0.01) -> dict[str, Any]:
    """A ``points``-point create accepted over loopback, and ``/info`` p50/p99 polled every ``poll`` s
    meanwhile: ours (large bodies checked in a worker process) against the same app with
    ``offload_above=None`` (checked in a thread of the receiver), interleaved round by round after an
    untimed round; each POST has its own cancellation token, so none is a replay. ``alone_s``: the
    same POST without ``/info`` polling (the in-thread side answers fewer polls, so less work)."""
    from bench._common import spread

    body = polygon_invocation(points, dpat.app_id, dpat.url, dpat.token).replace(
        b'"slideId":"s"', orjson.dumps({"slideId": dpat.slide_id})[1:-1]
    )
    measured: dict[str, list[dict[str, Any]]] = {"ours": [], "inthread": []}
    with receiver("ours", dpat.app_id) as ours_port, receiver("ours-inthread", dpat.app_id) as inthread_port:
        ports = {"ours": ours_port, "inthread": inthread_port}
        for number in range(rounds + 1):
            order = list(ports) if number % 2 == 0 else list(reversed(ports))
            for side in order:
                outcomes = []
                for polled in (poll, None):  # with /info polled, then alone (the same work on both sides)
                    token = f'"cancellationToken":"c-{side}-{number}-{polled}"'.encode()
                    outcome = _big_accept_round(ports[side], body.replace(b'"cancellationToken":"c"', token), polled)
                    if outcome["status"] != 200:
                        raise RuntimeError(f"the {points}-point invocation got {outcome['status']}")
                    outcomes.append(outcome)
                if number:
                    measured[side].append({**outcomes[0], "alone_s": outcomes[1]["accept_s"]})

    def spreads(side: str) -> dict[str, dict[str, float]]:
        return {
            name: {k: round(v, 3) for k, v in spread([m[name] for m in measured[side]]).items()}
            for name in ("accept_s", "alone_s", "p50_ms", "p99_ms")
        }

    ours, inthread = spreads("ours"), spreads("inthread")
    accept, p99 = ours["accept_s"]["median"], ours["p99_ms"]["median"]
    return {
        "metric": f"P7 {points:,}-point invocation ({len(body) / 1e6:.0f} MB): accept s | /info p99 ms "
        f"(polled every {poll * 1000:.0f} ms); baseline: checked in-thread (offload_above=None)",
        "ours": accept,
        "baseline": inthread["accept_s"]["median"],
        "unit": "s | ms",
        "ours_p99_ms": p99,
        "ours_alone_s": ours["alone_s"]["median"],
        "baseline_alone_s": inthread["alone_s"]["median"],
        "baseline_p99_ms": inthread["p99_ms"]["median"],
        "ours_spread": ours,
        "baseline_spread": inthread,
        "rounds": rounds,
        "info_samples": {side: [m["samples"] for m in measured[side]] for side in measured},
        "load": _load(),
        "met": accept < 1.0 and p99 < 50.0,
        "target_text": "< 1 s and p99 < 50 ms",
    }


def _load() -> float:
    import os

    return round(os.getloadavg()[0], 2)


def run() -> list[dict[str, Any]]:
    with simulator_process() as dpat:
        rows = [throughput_row(dpat)]
        rows += [validation_row(n) for n in (10_000, 100_000, 1_000_000)]
        rows.append(worker_validation_row(1_000_000))
        rows.append(big_accept_row(dpat))
    return rows


if __name__ == "__main__":
    import json

    if sys.argv[1:] == ["big"]:  # only the 1M-point accept row: python -m bench.p7_receiver big
        with simulator_process() as served:
            print(json.dumps(big_accept_row(served), indent=2))
    elif sys.argv[1:] == ["validation"]:  # only the validation rows
        print(json.dumps([*(validation_row(n) for n in (10_000, 1_000_000)), worker_validation_row(1_000_000)]))
    else:
        print(json.dumps(run(), indent=2))
