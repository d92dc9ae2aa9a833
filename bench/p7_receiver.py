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
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from bench._common import compare, interleaved, process_cpu_seconds
from bench._simulator import Served, simulator_process

CALLS = 400
CONNECTIONS = 16
TARGET = 0.3
_PIDS: dict[int, int] = {}  # receiver port -> its child's pid (for its CPU time)


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
        _PIDS[port] = child.pid
        _wait_listening(port)
        yield port
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait_listening(port: int, timeout: float = 60.0) -> None:
    """Until the receiver accepts connections (its port is printed before uvicorn listens)."""
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def bodies(dpat: Served, count: int) -> list[bytes]:
    def one() -> bytes:
        return orjson.dumps({
            "action": "create", "applicationId": dpat.app_id, "slideId": dpat.slide_id,
            "callbackInfo": {"url": dpat.url, "token": dpat.token}, "context": {},
            "cancellationToken": secrets.token_hex(8), "input": {"type": "wholeSlide"},
        })  # fmt: skip

    return [one() for _ in range(count)]


def request(body: bytes, path: str = "/", headers: str = "") -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}"
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
                if not head.startswith((b"HTTP/1.1 200", b"HTTP/1.1 201")):
                    raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
                length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
                await reader.readexactly(length)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


def drive(port: int, requests: list[bytes], connections: int = CONNECTIONS) -> None:
    asyncio.run(_drive(port, requests, connections))


def stored_results(dpat: Served) -> int:
    """How many results the simulator holds for the benchmark's app on its slide."""
    import httpx

    answer = httpx.get(
        f"{dpat.url}/applications/{dpat.app_id}/results/slide/{dpat.slide_id}",
        headers={"Authorization": f"Bearer {dpat.token}"},
        timeout=60,
    )
    answer.raise_for_status()
    return len(answer.json())


def simulator_pid() -> int:
    """The pid of this process's ``bench._simulator`` child."""
    with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children", encoding="ascii") as listing:
        children = [int(pid) for pid in listing.read().split()]
    for pid in children:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if b"bench._simulator" in cmdline.read():
                return pid
    raise RuntimeError("no simulator child found")


def throughput_row(dpat: Served, rounds: int = 5) -> dict[str, Any]:
    """Create invocations/s: ours (``respond_pending``: a placeholder stored on the simulator per create)
    against the bare app doing the same work (parse, the same placeholder stored with one shared httpx
    pool, reply); the results each side stored on the simulator are counted after each of its runs.
    Also the CPU each receiver and the simulator spent per invocation (less sensitive to load)."""
    with receiver("ours", dpat.app_id) as ours_port, receiver("bare", dpat.app_id) as bare_port:
        pending: dict[str, list[bytes]] = {}
        stored = {"ours": 0, "baseline": 0}
        pids = {"ours": _PIDS[ours_port], "baseline": _PIDS[bare_port], "simulator": simulator_pid()}
        cpu = {f"{side}_{of}": 0.0 for side in ("ours", "baseline") for of in ("receiver", "simulator")}
        last: dict[str, Any] = {"side": "", "count": stored_results(dpat), "cpu": {}}

        def prepare() -> None:
            now = {name: process_cpu_seconds(pid) for name, pid in pids.items()}
            count = stored_results(dpat)
            side = last["side"]
            if side:
                stored[side] += count - last["count"]
                cpu[f"{side}_receiver"] += now[side] - last["cpu"][side]
                cpu[f"{side}_simulator"] += now["simulator"] - last["cpu"]["simulator"]
            last["count"] = count
            last["cpu"] = {name: process_cpu_seconds(pid) for name, pid in pids.items()}  # after the (untimed) listing
            pending["ours"] = [request(b) for b in bodies(dpat, CALLS)]
            pending["baseline"] = [request(b) for b in bodies(dpat, CALLS)]

        def run(side: str, port: int) -> None:
            last["side"] = side
            drive(port, pending[side])

        prepare()
        times = interleaved(
            {"ours": lambda: run("ours", ours_port), "baseline": lambda: run("baseline", bare_port)},
            rounds=rounds,
            before_each=prepare,
        )
    expected = CALLS * (rounds + 1)  # the warm-up round stores too
    if stored != {"ours": expected, "baseline": expected}:
        raise RuntimeError(f"the sides stored {stored} results on the simulator, not {expected} each")
    return compare(
        f"P7 receiver: create invocations/s ({CALLS} per round, {CONNECTIONS} connections), each storing a "
        "placeholder on the simulator, vs bare Starlette + one httpx pool doing the same",
        times,
        target=TARGET,
        work=CALLS,
        unit="invocations/s",
        stored_results=stored,
        cpu_ms_per_invocation={name: round(seconds * 1000 / expected, 3) for name, seconds in cpu.items()},
        load=_load(),
    )


def _drive_process(port: int, requests: list[bytes], connections: int, ready: Any, go: Any, done: Any) -> None:
    ready.put(True)
    go.wait()
    drive(port, requests, connections)
    done.put(True)


def parallel_rate(port: int, prepared: list[list[bytes]], connections: int) -> float:
    """Requests/s when each list of ``prepared`` requests is driven by a generator process of its own
    (``connections`` connections each); the clock runs from the common start to the last one's end."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ready, done, go = context.Queue(), context.Queue(), context.Event()
    children = [
        context.Process(target=_drive_process, args=(port, requests, connections, ready, go, done))
        for requests in prepared
    ]
    for child in children:
        child.start()
    for _ in children:
        ready.get(timeout=60)
    started = time.perf_counter()
    go.set()
    for _ in children:
        done.get(timeout=600)
    elapsed = time.perf_counter() - started
    for child in children:
        child.join(30)
    return sum(len(requests) for requests in prepared) / elapsed


def generator_check(dpat: Served) -> dict[str, Any]:
    """Is the load generator the limit? The bare app's rate with this benchmark's generator (one
    process, 16 connections) against 32 connections and against two generator processes; also the
    simulator's own rate of storing the placeholder, driven directly."""
    placeholder = orjson.dumps({
        "slideId": dpat.slide_id, "displayResult": "running", "displayProperties": {"Status": "running"},
        "applicationVersion": "0.0.0", "data": {"context": {}, "result": {"type": "primitive", "content": []}},
    })  # fmt: skip
    auth = f"Authorization: Bearer {dpat.token}\r\nX-Sectra-ApiVersion: 1.10\r\n"
    simulator_port = int(dpat.url.split(":")[2].split("/")[0])
    simulator_path = dpat.url.split(":", 2)[2].split("/", 1)[1]
    direct = request(placeholder, f"/{simulator_path}/applications/{dpat.app_id}/results", auth)
    rates: dict[str, list[float]] = {}

    def measure(name: str, action: Any) -> None:
        rates.setdefault(name, []).append(action())

    with receiver("bare", dpat.app_id) as port:
        drive(port, [request(b) for b in bodies(dpat, CALLS)])  # warm-up
        for _ in range(3):
            measure("bare_1x16", lambda: parallel_rate(port, [[request(b) for b in bodies(dpat, CALLS)]], 16))
            measure("bare_1x32", lambda: parallel_rate(port, [[request(b) for b in bodies(dpat, CALLS)]], 32))
            measure(
                "bare_2x16",
                lambda: parallel_rate(port, [[request(b) for b in bodies(dpat, CALLS // 2)] for _ in range(2)], 16),
            )
            measure("simulator_1x16", lambda: parallel_rate(simulator_port, [[direct] * CALLS], 16))
            measure("simulator_2x16", lambda: parallel_rate(simulator_port, [[direct] * (CALLS // 2)] * 2, 16))
    import statistics

    return {
        "metric": "P7 generator check: requests/s (median of 3) of the bare receiver and of the simulator alone",
        **{name: round(statistics.median(values), 1) for name, values in rates.items()},
        "load": _load(),
    }


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


def worker_validation_row(points: int, *, in_place: bool = False) -> dict[str, Any]:
    """MB/s of the path bodies over ``offload_above`` take, against plain ``orjson.loads`` in this process:
    the round trip to a (started) worker process that parses, checks and keys them, or (``in_place``) the
    in-place check of big point arrays that a valid compact body passes without any worker."""
    from sectra_dpat_client.app.offload import OffloadPool, fast_examine

    body = polygon_invocation(points)
    if in_place and fast_examine(body, "Invocation", "bench") is None:  # else the row would time the worker
        raise RuntimeError(f"the {points:,}-point body is not one the in-place check answers")
    pool = OffloadPool(1, fast=in_place)
    try:

        def ours() -> None:
            verdict = pool.run(body, "Invocation", "bench")
            assert verdict is not None
            assert not verdict.faults

        times = interleaved({"ours": ours, "baseline": lambda: orjson.loads(body)}, rounds=5)
    finally:
        pool.close()
    how = (
        "in-place check of the point arrays (no worker) + schema of the rest + replay key"
        if in_place
        else "pipe round trip to a worker process + parse + schema + replay key"
    )
    where = "checked in place" if in_place else "in a worker process"
    return _throughput_row(
        f"P7 inbound validation {where}: {points:,}-point invocation, MB/s ({how}) vs orjson.loads here",
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
    return round(os.getloadavg()[0], 2)


def run() -> list[dict[str, Any]]:
    with simulator_process() as dpat:
        rows = [throughput_row(dpat)]
        rows += [validation_row(n) for n in (10_000, 100_000, 1_000_000)]
        rows.append(worker_validation_row(1_000_000))
        rows.append(worker_validation_row(1_000_000, in_place=True))
        rows.append(big_accept_row(dpat))
    return rows


if __name__ == "__main__":
    import json

    if sys.argv[1:] == ["throughput"]:  # only the create-throughput row
        with simulator_process() as served:
            print(json.dumps(throughput_row(served), indent=2))
    elif sys.argv[1:] == ["generator"]:  # is the load generator (or the simulator) the limit?
        with simulator_process() as served:
            print(json.dumps(generator_check(served), indent=2))
    elif sys.argv[1:] == ["big"]:  # only the 1M-point accept row: python -m bench.p7_receiver big
        with simulator_process() as served:
            print(json.dumps(big_accept_row(served), indent=2))
    elif sys.argv[1:] == ["validation"]:  # only the validation rows
        rows = [validation_row(n) for n in (10_000, 1_000_000)]
        rows += [worker_validation_row(1_000_000), worker_validation_row(1_000_000, in_place=True)]
        print(json.dumps(rows))
    else:
        print(json.dumps(run(), indent=2))
