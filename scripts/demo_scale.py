# ruff: noqa: S603, S607, S106 - a demo starting local processes; its cancellation token is a name
"""`make demo-scale`: the tissue-area example on the Celery backend, end to end on this machine.

Starts redis-server (random port, password, 127.0.0.1), the DPAT simulator, the receiver
(``examples.tissue_area_celery:app`` under uvicorn) and two ``sectra-dpat worker`` processes; then the
simulator invokes the app on every slide, sends an image notification, cancels a long run, and the
stored results are listed with the worker process that wrote each. Everything is stopped at the end.
"""

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"demo-scale: timed out waiting for {what}")
        time.sleep(0.1)


def main() -> int:
    import httpx
    import redis
    from cryptography.fernet import Fernet

    from sectra_dpat_client.simulator import DPATSimulator

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(binary, os.X_OK):
        subprocess.run(["bash", "scripts/redis.sh", "install"], cwd=ROOT, check=False)
    folder = Path(tempfile.mkdtemp(prefix="demo-scale-"))
    port, password = _free_port(), secrets.token_hex(12)
    (folder / "redis.conf").write_text(
        f'bind 127.0.0.1\nport {port}\nrequirepass {password}\ndir {folder}\nsave ""\nlogfile redis.log\n',
        encoding="utf-8",
    )
    processes: list[subprocess.Popen[bytes]] = []
    redis_process = subprocess.Popen([binary, str(folder / "redis.conf")])
    broker = f"redis://:{password}@127.0.0.1:{port}/0"
    say = print
    try:
        _wait(lambda: _pings(redis, broker), 15, "redis-server")
        say(f"1. redis-server on 127.0.0.1:{port} (password set, loopback only)")
        with DPATSimulator(slides=3, app_id="tissue-area") as dpat:
            dpat.register_app("tissue-area", context={"minTissueFraction": 0.02})
            env = {
                **os.environ,
                "DPAT_BROKER_URL": broker,
                "DPAT_JOB_KEY": Fernet.generate_key().decode(),
                "DPAT_CANCEL_GRACE": "2",
                "APP_ID": "tissue-area",
                "PYTHONPATH": str(ROOT),
            }
            bin_dir = Path(sys.executable).parent
            app_port = _free_port()
            processes.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "uvicorn"),
                        "examples.tissue_area_celery:app",
                        "--port",
                        str(app_port),
                        "--host",
                        "127.0.0.1",
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=env,
                )
            )
            for index in range(2):
                processes.append(
                    subprocess.Popen(
                        [
                            str(bin_dir / "sectra-dpat"),
                            "worker",
                            "examples.tissue_area_celery:app",
                            f"--hostname=demo{index}@%h",
                            "--loglevel=WARNING",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            app_url = f"http://127.0.0.1:{app_port}/"
            _wait(lambda: _answers(httpx, app_url), 60, "the receiver")
            say(f"2. receiver at {app_url}, two workers (sectra-dpat worker examples.tissue_area_celery:app)")
            say(f"   registration: {dpat.fetch_registration(app_url)['displayName']}")
            ids = []
            for slide in dpat.slide_ids:
                started = time.perf_counter()
                answer = dpat.invoke(app_url, slide_id=slide)
                answer.raise_for_status()
                ids.append(answer.json()["id"])
                say(
                    f"3. create on {slide}: answered in {1000 * (time.perf_counter() - started):.0f} ms "
                    f"with placeholder {answer.json()['displayResult']!r}"
                )
            dpat.notify_new_image(app_url, dpat.slide_ids[0]).raise_for_status()
            say("4. image notification sent (queued for a worker)")
            long = dpat.invoke(
                app_url, slide_id=dpat.slide_ids[1], context={"demoDelaySeconds": 3.0}, cancellation_token="demo-cancel"
            )
            long_id = long.json()["id"]
            _wait(
                lambda: (
                    "running" in str(dpat.result(long_id)["displayResult"])
                    or "reading" in str(dpat.result(long_id)["displayResult"])
                ),
                60,
                "the long run to start",
            )
            cancelled_at = time.perf_counter()
            dpat.invoke(app_url, action="cancel", slide_id=dpat.slide_ids[1], cancellation_token="demo-cancel")
            _wait(lambda: dpat.result(long_id)["displayResult"] == "Analysis cancelled", 30, "the cancel")
            say(
                f"5. long run cancelled after {1000 * (time.perf_counter() - cancelled_at):.0f} ms (its handler checks "
                "only every 3 s, so the hard stop after DPAT_CANCEL_GRACE=2 s ended it)"
            )
            _wait(
                lambda: all(str(dpat.result(i)["displayResult"]).startswith("Tissue") for i in ids), 120, "the analyses"
            )
            say("6. stored results:")
            for result in dpat.results:
                say(f"   #{result['id']} {result['slideId']}: {result['displayResult']}")
        say("demo-scale: done")
        return 0
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        redis_process.send_signal(signal.SIGTERM)
        redis_process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _pings(redis_module: Any, url: str) -> bool:
    try:
        return bool(redis_module.Redis.from_url(url, socket_timeout=1).ping())
    except redis_module.RedisError:
        return False


def _answers(httpx_module: Any, url: str) -> bool:
    try:
        return bool(httpx_module.get(url, timeout=1).status_code == 200)
    except httpx_module.TransportError:
        return False


if __name__ == "__main__":
    sys.exit(main())
