"""The tissue-area example on the Celery backend (examples/tissue_area_celery.py), both ways to start a worker.

Real redis-server, the simulator, the receiver in this process, and worker processes started as
the README says: ``celery -A examples.tissue_area_celery:celery worker`` and ``sectra-dpat worker
examples.tissue_area_celery:app``. The handler reads the slide through ``ctx.client`` and sets its
QC in the worker; each slide ends with one "Tissue ..." result.
"""

from __future__ import annotations

import importlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.fernet import Fernet

from sectra_dpat_client.app import BackgroundServer
from sectra_dpat_client.simulator import DPATSimulator

from .conftest import ROOT, RedisServer

BIN = Path(sys.executable).parent


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    server = RedisServer()
    server.start()
    values = {
        "DPAT_BROKER_URL": server.url,
        "DPAT_JOB_KEY": Fernet.generate_key().decode(),
        "DPAT_QUEUE": f"example-{secrets.token_hex(4)}",
        "APP_ID": "tissue-area",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    try:
        yield {**os.environ, **values, "PYTHONPATH": str(ROOT)}
    finally:
        server.close()


def _example() -> ModuleType:
    """examples.tissue_area_celery, built from this test's environment."""
    module = importlib.import_module("examples.tissue_area_celery")
    return importlib.reload(module)


def _worker(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while b"ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"worker not ready: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@pytest.mark.parametrize(
    "started_by",
    [
        ["celery", "-A", "examples.tissue_area_celery:celery", "worker", "--pool=solo", "--without-gossip"],
        ["sectra-dpat", "worker", "examples.tissue_area_celery:app", "--pool=prefork", "-c", "1"],
    ],
    ids=["celery -A", "sectra-dpat worker"],
)
def test_tissue_area_example_runs_on_a_worker(env: dict[str, str], tmp_path: Path, started_by: list[str]) -> None:
    example = _example()
    command = [str(BIN / started_by[0]), *started_by[1:], "--loglevel=INFO", f"--hostname=ex-{os.getpid()}@%h"]
    with DPATSimulator(slides=2, app_id="tissue-area") as dpat:
        dpat.register_app("tissue-area", context={"minTissueFraction": 0.02})
        worker = _worker(command, env, tmp_path / "worker.log")
        try:
            with BackgroundServer(example.app) as server:
                ids = []
                for slide in dpat.slide_ids:
                    answer = dpat.invoke(server.url, slide_id=slide)
                    assert answer.status_code == 200, answer.text
                    assert answer.json()["displayResult"] == "Analysis queued"
                    ids.append(answer.json()["id"])
                deadline = time.monotonic() + 60
                while not all(str(dpat.result(i)["displayResult"]).startswith("Tissue") for i in ids):
                    log = (tmp_path / "worker.log").read_text(errors="replace")
                    assert time.monotonic() < deadline, f"the analyses did not finish: {log[-3000:]}"
                    time.sleep(0.1)
        finally:
            _stop(worker)
        for slide in dpat.slide_ids:
            assert len([r for r in dpat.results if r["slideId"] == slide]) == 1
        assert "succeeded" in (tmp_path / "worker.log").read_text(errors="replace")  # it ran there
