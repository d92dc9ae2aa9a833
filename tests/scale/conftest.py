"""Real components for the Celery backend tests: redis-server, `sectra-dpat worker` subprocesses, the simulator."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("celery")
pytest.importorskip("redis")
pytest.importorskip("cryptography")

from cryptography.fernet import Fernet

from sectra_dpat_client.app import AnalysisApp, BackgroundServer
from sectra_dpat_client.app.backends.celery_backend import CeleryBackend
from sectra_dpat_client.app.backends.settings import CelerySettings
from sectra_dpat_client.simulator import DPATSimulator

from .scale_app import build_app

ROOT = Path(__file__).resolve().parents[2]
REDIS_BIN = os.environ.get("SECTRA_DPAT_TEST_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
WORKER_BIN = str(Path(sys.executable).with_name("sectra-dpat"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A private redis-server on a free 127.0.0.1 port with a password; AOF on, so a stop loses nothing."""

    def __init__(self) -> None:
        if not os.access(REDIS_BIN, os.X_OK):
            if os.environ.get("CI"):
                pytest.fail("redis-server is not installed (scripts/redis.sh installs it)")
            pytest.skip("redis-server is not installed (scripts/redis.sh installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="dpat-redis-"))
        self.port = _free_port()
        self.password = secrets.token_hex(12)
        self.url = f"redis://:{self.password}@127.0.0.1:{self.port}/0"
        (self.dir / "redis.conf").write_text(
            f"bind 127.0.0.1\nport {self.port}\nrequirepass {self.password}\ndir {self.dir}\n"
            'save ""\nappendonly yes\nappendfsync always\nlogfile redis.log\n',
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([REDIS_BIN, str(self.dir / "redis.conf")], cwd=self.dir)
        deadline = time.monotonic() + 10
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1)
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # a clean shutdown: the AOF is complete
            self.process.wait(10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Workers:
    """`sectra-dpat worker tests.scale.scale_app:app` subprocesses."""

    env: dict[str, str]
    logdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, count: int, *, pool: str = "prefork", loglevel: str = "INFO", concurrency: int = 1) -> None:
        started = []
        for _ in range(count):
            index = len(self.processes)
            log = open(self.logdir / f"worker{index}.log", "wb")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(
                [
                    WORKER_BIN,
                    "worker",
                    "tests.scale.scale_app:app",
                    f"--pool={pool}",
                    "-c",
                    str(concurrency),
                    f"--hostname=w{index}-{os.getpid()}@%h",
                    f"--loglevel={loglevel}",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.processes.append(process)
            started.append(index)
        deadline = time.monotonic() + 60
        for index in started:
            while b"ready." not in (self.logdir / f"worker{index}.log").read_bytes():
                if self.processes[index].poll() is not None:
                    raise RuntimeError(f"worker {index} exited: {self.log(index)[-2000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker {index} not ready: {self.log(index)[-2000:]}")
                time.sleep(0.1)

    def log(self, index: int) -> str:
        return (self.logdir / f"worker{index}.log").read_text(encoding="utf-8", errors="replace")

    def logs(self) -> str:
        return "\n".join(self.log(i) for i in range(len(self.processes)))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@dataclass
class Stack:
    """Redis, the simulator, a receiver on the Celery backend and its workers."""

    redis: RedisServer
    dpat: DPATSimulator
    settings: CelerySettings
    workers: Workers
    backend: CeleryBackend
    app: AnalysisApp
    server: BackgroundServer

    @property
    def url(self) -> str:
        return self.server.url

    def restart_receiver(self) -> None:
        self.server.stop()
        self.backend = CeleryBackend(self.settings)
        self.app = build_app(self.backend, self.dpat.app_id)
        self.server = BackgroundServer(self.app)
        self.server.__enter__()

    def invoke(self, slide_id: str, **kwargs: Any) -> httpx.Response:
        return self.dpat.invoke(self.url, slide_id=slide_id, **kwargs)

    def results_of(self, slide_id: str) -> list[dict[str, Any]]:
        return [r for r in self.dpat.results if r["slideId"] == slide_id]

    def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; worker logs:\n{self.workers.logs()[-4000:]}")
            time.sleep(0.05)


def make_stack(
    tmp_path: Path,
    *,
    slides: int,
    workers: int,
    worker_pool: str = "prefork",
    worker_env: dict[str, str] | None = None,
    worker_loglevel: str = "INFO",
    worker_concurrency: int = 1,
    **settings: Any,
) -> Iterator[Stack]:
    redis_server = RedisServer()
    redis_server.start()
    dpat = DPATSimulator(slides=slides)
    dpat.register_app(dpat.app_id, context={"steps": 3, "step_s": 0.05})
    dpat.start()
    values: dict[str, Any] = {"queue": f"scale-{secrets.token_hex(4)}", "lease_seconds": 1.0, "cancel_grace": 1.0}
    values.update(settings)
    config = CelerySettings(broker_url=redis_server.url, job_key=Fernet.generate_key().decode(), **values)
    env = {
        **os.environ,
        "DPAT_BROKER_URL": config.broker_url,
        "DPAT_JOB_KEY": config.job_key,
        "DPAT_QUEUE": config.queue,
        "DPAT_LEASE_SECONDS": str(config.lease_seconds),
        "DPAT_CANCEL_GRACE": str(config.cancel_grace),
        "DPAT_VISIBILITY_TIMEOUT": str(config.visibility_timeout),
        "DPAT_TOKEN_MAX_AGE": str(config.token_max_age),
        "SCALE_APP_ID": dpat.app_id,
        "PYTHONPATH": str(ROOT),
        **(worker_env or {}),
    }
    pool = Workers(env, tmp_path)
    backend = CeleryBackend(config)
    app = build_app(backend, dpat.app_id)
    server = BackgroundServer(app)
    server.__enter__()
    stack = Stack(redis_server, dpat, config, pool, backend, app, server)
    try:
        pool.start(workers, pool=worker_pool, loglevel=worker_loglevel, concurrency=worker_concurrency)
        yield stack
    finally:
        pool.stop()
        stack.server.stop()
        dpat.stop()
        redis_server.close()
