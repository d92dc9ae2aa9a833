"""The pytest fixture from a separate project, `sectra-dpat simulate`, and the scripted demo."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from sectra_dpat_client import demo

USER_TEST = textwrap.dedent(
    '''
    """A user's test: only the installed package provides the dpat_simulator fixture."""
    import httpx
    import pytest


    def test_fixture_serves_the_ia_api(dpat_simulator):
        headers = {"Authorization": f"Bearer {dpat_simulator.token}"}
        info = httpx.get(f"{dpat_simulator.url}/info", headers=headers).json()
        assert info["apiVersion"] == "1.10"
        slide = dpat_simulator.slide_ids[0]
        created = httpx.post(
            f"{dpat_simulator.url}/applications/{dpat_simulator.app_id}/results",
            headers=headers,
            json={"slideId": slide, "displayResult": "42"},
        )
        assert created.status_code == 201
        assert dpat_simulator.results[0]["displayResult"] == "42"


    @pytest.mark.dpat_simulator(slides=5, api_version="1.9")
    def test_marker_configures_the_simulator(dpat_simulator):
        assert len(dpat_simulator.slide_ids) == 5
        headers = {"Authorization": f"Bearer {dpat_simulator.token}"}
        assert httpx.get(f"{dpat_simulator.url}/info", headers=headers).json()["apiVersion"] == "1.9"
    '''
)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_fixture_works_in_a_separate_project(tmp_path: Path) -> None:
    project = tmp_path / "user_project"
    project.mkdir()
    (project / "test_user_app.py").write_text(USER_TEST, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--strict-markers", "-p", "no:cacheprovider", "test_user_app.py"],
        cwd=project,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout


def test_cli_simulate_serves_until_interrupted(tmp_path: Path) -> None:
    credentials_file = tmp_path / "creds.json"
    credentials_file.write_text("left over", encoding="utf-8")
    credentials_file.chmod(0o644)  # an existing, world-readable file must become private
    command = [
        sys.executable,
        "-c",
        "from sectra_dpat_client.cli import main; main()",
        "simulate",
        "--slides",
        "2",
        "--api-version",
        "1.9",
        "--credentials-file",
        str(credentials_file),
    ]
    process = subprocess.Popen(command, env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("DPAT simulator (IA-API 1.9) serving at http://127.0.0.1:")
        url = lines[0].rsplit(" ", 1)[1].strip()
        assert lines[1].strip() == "application id: sim-app"
        assert lines[3].strip() == f"token and credentials: {credentials_file}"
        credentials = json.loads(credentials_file.read_text(encoding="utf-8"))
        assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
        assert credentials["url"] == url
        assert credentials["token"] not in "".join(lines)
        assert credentials["password"] not in "".join(lines)
        headers = {"Authorization": f"Bearer {credentials['token']}"}
        assert httpx.get(f"{url}/info", headers=headers, timeout=10).json()["apiVersion"] == "1.9"
        token = httpx.post(
            f"{url}/token",
            params={"applicationId": credentials["app_id"]},
            data={"grant_type": "client_credentials"},
            auth=(credentials["username"], credentials["password"]),
            timeout=10,
        )
        assert token.status_code == 200
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)  # reads both pipes: a full one would block its exit
        assert process.returncode == 0, errors[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_cli_simulate_stops_on_a_signal_even_when_started_with_sigint_ignored(stop_with: int) -> None:
    # a script's background job (`sectra-dpat simulate &`, nohup) inherits SIGINT ignored
    process = subprocess.Popen(
        [sys.executable, "-m", "sectra_dpat_client", "simulate", "--slides", "1"],
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        credentials_file = Path(lines[3].rsplit(" ", 1)[1].strip())
        assert credentials_file.exists()
        process.send_signal(stop_with)
        _, errors = process.communicate(timeout=30)  # reads both pipes: a full one would block its exit
        assert process.returncode == 0, errors[-2000:]
        assert errors.rstrip().endswith("stopped")
        assert not credentials_file.exists()  # the temporary credentials are removed on the way out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_cli_rejects_a_busy_port(tmp_path: Path) -> None:
    from sectra_dpat_client.simulator import DPATSimulator

    with DPATSimulator(slides=0) as busy:
        completed = subprocess.run(
            [
                sys.executable,
                "-c",
                "from sectra_dpat_client.cli import main; main()",
                "simulate",
                "--port",
                str(busy.port),
            ],
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert completed.returncode == 1
    assert "did not start" in completed.stderr


def test_demo_walks_the_scripted_session() -> None:
    lines: list[str] = []
    session = demo.run(lines.append)
    text = "\n".join(lines)
    for number, (title, _) in enumerate(demo.STEPS, start=1):
        assert f"{number}. {title}" in text
    assert "refused: HTTP 409" in text
    assert session.simulator.results[0]["displayResult"] == "Tumor area 13.1 % (reviewed)"
    assert session.simulator.quality_control(session.slide_id)["status"] == "QualityOk"
    assert session.simulator.request_count("createToken") == 1
    assert session.simulator.token not in text
    assert session.simulator.password not in text
