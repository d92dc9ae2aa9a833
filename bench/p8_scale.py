"""P8: the Celery backend. Invocations accepted per second by the receiver (Celery vs in-process), and
jobs per second end to end with 1, 2 and 4 worker processes on a fixed-cost handler (0.1 s of waiting).

Real redis-server, real ``sectra-dpat worker`` processes (solo pool, one job each at a time), the
simulator in this process. Rounds interleave the candidates (bench/_common.interleaved). This machine
has 2 cores, shared: workers beyond 2 wait for CPU for everything but the handler's sleep.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench._common import compare, interleaved

ROOT = Path(__file__).resolve().parent.parent
ACCEPT_N = 60
JOBS_N = 32
SENDERS = 8
COST_S = 0.1


@contextmanager
def redis_server() -> Iterator[str]:
    """redis-server on a free loopback port with a password; its URL."""
    import socket

    import redis

    binary = os.environ.get("SECTRA_DPAT_TEST_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
    folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    password = secrets.token_hex(12)
    (folder / "redis.conf").write_text(
        f'bind 127.0.0.1\nport {port}\nrequirepass {password}\ndir {folder}\nsave ""\nlogfile redis.log\n',
        encoding="utf-8",
    )
    process = subprocess.Popen([binary, str(folder / "redis.conf")])
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _workers(env: dict[str, str], count: int, logdir: Path, name: str) -> list[subprocess.Popen[bytes]]:
    command = [str(Path(sys.executable).with_name("sectra-dpat")), "worker", "bench._scale_app:app", "--pool=solo"]
    processes = []
    for index in range(count):
        log = logdir / f"{name}-{index}.log"
        with open(log, "wb") as out:
            processes.append(
                subprocess.Popen(
                    [*command, f"--hostname={name}-{index}-{os.getpid()}@%h", "--loglevel=WARNING"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    return processes


def _wait_ready(backend: Any, names: list[str], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = backend.celery.control.ping(timeout=1.0) or []
        seen = {next(iter(reply)) for reply in replies}
        if all(any(node.startswith(name) for node in seen) for name in names):
            return
    raise RuntimeError("the bench workers did not start")


def _send(dpat: Any, url: str, slides: list[str]) -> list[int]:
    with ThreadPoolExecutor(SENDERS) as pool:
        answers = list(pool.map(lambda slide: dpat.invoke(url, slide_id=slide), slides))
    bad = [a.status_code for a in answers if a.status_code != 200]
    if bad:
        raise RuntimeError(f"the receiver refused invocations: {bad[:5]}")
    return [int(a.json()["id"]) for a in answers]


def run() -> list[dict[str, Any]]:
    from cryptography.fernet import Fernet

    from sectra_dpat_client.app import BackgroundServer
    from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
    from sectra_dpat_client.app.backends.settings import CelerySettings
    from sectra_dpat_client.simulator import DPATSimulator

    from ._scale_app import build_app

    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        url = stack.enter_context(redis_server())
        dpat = stack.enter_context(DPATSimulator(slides=JOBS_N))
        dpat.register_app(dpat.app_id, context={"cost_s": COST_S})
        key = Fernet.generate_key().decode()
        logdir = Path(tempfile.mkdtemp(prefix="bench-p8-"))
        stack.callback(shutil.rmtree, logdir, True)
        slides = dpat.slide_ids

        # --- receiver accept rate: Celery (no worker reads the queue) vs in-process ---------------
        idle = CeleryBackend(CelerySettings(broker_url=url, job_key=key, queue="bench-idle"))
        celery_rx = stack.enter_context(BackgroundServer(build_app(idle, dpat.app_id)))
        local_rx = stack.enter_context(BackgroundServer(build_app(None, dpat.app_id)))
        accept_slides = [slides[i % len(slides)] for i in range(ACCEPT_N)]
        times = interleaved(
            {
                "ours": lambda: _send(dpat, celery_rx.url, accept_slides),
                "baseline": lambda: _send(dpat, local_rx.url, accept_slides),
            },
            rounds=3,
            before_each=lambda: idle._redis.delete("bench-idle"),
        )
        rows.append(
            compare(
                "P8 receiver: invocations accepted/s, Celery backend vs in-process",
                times,
                target=0.5,
                work=ACCEPT_N,
                unit="invocations/s",
            )
        )

        # --- end to end: 1, 2, 4 workers ---------------------------------------------------------
        env_base = {
            **os.environ,
            "DPAT_BROKER_URL": url,
            "DPAT_JOB_KEY": key,
            "BENCH_APP_ID": dpat.app_id,
            "PYTHONPATH": str(ROOT),
            "DPAT_WORKER_POOL": "solo",
        }
        receivers: dict[int, Any] = {}
        names = []
        for count in (1, 2, 4):
            queue = f"bench-w{count}"
            env = {**env_base, "DPAT_QUEUE": queue}
            processes = _workers(env, count, logdir, f"w{count}")
            stack.callback(_stop, processes)
            backend = CeleryBackend(CelerySettings(broker_url=url, job_key=key, queue=queue))
            receivers[count] = (stack.enter_context(BackgroundServer(build_app(backend, dpat.app_id))), backend)
            names += [f"w{count}-{i}-" for i in range(count)]
        _wait_ready(idle, names)

        def end_to_end(count: int) -> Callable[[], None]:
            server, _backend = receivers[count]

            def go() -> None:
                ids = _send(dpat, server.url, slides[:JOBS_N])
                deadline = time.monotonic() + 300
                while not all(dpat.result(i)["displayResult"] == "done" for i in ids):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{count} worker(s): jobs did not finish")
                    time.sleep(0.02)

            return go

        times = interleaved({f"w{c}": end_to_end(c) for c in (1, 2, 4)}, rounds=3)
        one = 1 / (sum(times["w1"]) / len(times["w1"]))
        for count, target in ((2, 1.6), (4, 2.0)):
            row = compare(
                f"P8 end to end: jobs/s with {count} workers vs 1 ({COST_S:.1f} s fixed-cost handler)",
                times,
                target=target,
                ours=f"w{count}",
                baseline="w1",
                work=JOBS_N,
                unit="jobs/s",
            )
            rows.append(row)
        rows.append(
            {
                "metric": "P8 end to end: jobs/s with 1 worker (info)",
                "ours": JOBS_N * one,
                "baseline": None,
                "unit": "jobs/s",
                "ratio": None,
                "target": None,
                "met": None,
            }
        )
    return rows


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
