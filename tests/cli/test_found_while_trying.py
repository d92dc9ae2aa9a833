"""The rough edges of issue #16 "Found while trying it": downloads, progress, credentials, validate, simulate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress

from sectra_dpat_client.cli.download import _ProgressBars
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.wsi import DownloadProgress

from .conftest import Cli


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH", "SECTRA_DPAT"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_download_goes_on_after_a_missing_slide(cli: Cli, tmp_path: Path) -> None:
    first, second = cli.dpat.slide_ids[0], cli.dpat.slide_ids[1]
    result = cli("download", first, "nosuch", second, "--dest", str(tmp_path), "-q")
    assert result.exit_code == 1
    assert "slide nosuch" in result.stderr
    assert "404" in result.stderr
    assert "failed slides: nosuch" in result.stderr
    printed = [Path(line) for line in result.stdout.splitlines()]
    assert {path.parent.name for path in printed} == {first, second}
    assert all(path.is_file() for path in printed)
    assert not (tmp_path / "nosuch").exists()  # no empty folder left behind


def test_download_fail_fast_and_json(cli: Cli, tmp_path: Path) -> None:
    first, second = cli.dpat.slide_ids[0], cli.dpat.slide_ids[1]
    result = cli("download", first, "nosuch", second, "--dest", str(tmp_path), "-q", "--fail-fast", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report["slides"]) == {first}
    assert "404" in report["failed"]["nosuch"]
    assert f"not fetched (--fail-fast): {second}" in result.stderr
    assert not (tmp_path / second).exists()
    assert all(Path(path).is_file() for path in report["slides"][first])


def test_progress_total_hidden_until_a_second_file() -> None:
    progress = Progress(console=Console(file=open(os.devnull, "w"), force_terminal=False))  # noqa: SIM115
    bars = _ProgressBars(progress)
    total = progress.tasks[0]
    assert total.description == "total"
    assert not total.visible  # a resumed download that sends nothing shows no "0/? bytes" line

    def event(name: str, done: int) -> DownloadProgress:
        return DownloadProgress(
            slide_id="s", filename=name, file_bytes=done, file_total=10, bytes_done=done, bytes_total=20, files_done=0
        )

    bars(event("a.dcm", 10))
    assert not progress.tasks[0].visible
    bars(event("b.dcm", 15))
    assert progress.tasks[0].visible
    assert progress.tasks[0].completed == 15


def test_username_without_password_is_a_usage_error_everywhere(cli: Cli, tmp_path: Path) -> None:
    env = {**cli.env, "SECTRA_DPAT_TOKEN": "", "SECTRA_DPAT_USERNAME": "simuser"}
    before = cli.dpat.request_count()
    download = cli("download", cli.dpat.slide_ids[0], "--dest", str(tmp_path), env=env)
    info = cli("info", env=env)
    qido_url = cli.dpat.root_url + "/dicom-web"
    qido = cli("qido", "studies", "--url", qido_url, "--username", "simuser", env={"SECTRA_DPAT_QIDO_PASSWORD": ""})
    for result in (download, info, qido):
        assert result.exit_code == 2, result.output
        assert "--password" in result.stderr
    assert cli.dpat.request_count() == before  # nothing was sent


def test_validate_schema_names_any_case_and_suggestions(cli: Cli, tmp_path: Path) -> None:
    good = tmp_path / "r.json"
    good.write_text(json.dumps({"slideId": "s1"}), encoding="utf-8")
    assert cli("validate", str(good), "-s", "result").exit_code == 0
    assert cli("validate", str(good), "-s", "RESULT").exit_code == 0
    close = cli("validate", str(good), "-s", "Reslt")
    assert close.exit_code == 2
    assert "did you mean Result" in close.stderr
    broken = tmp_path / "b.json"
    broken.write_text("{oops", encoding="utf-8")
    not_json = cli("validate", str(broken), "-s", "Result")
    assert not_json.exit_code == 2
    assert "not JSON" in not_json.stderr
    invalid = tmp_path / "i.json"
    invalid.write_text("{}", encoding="utf-8")
    assert cli("validate", str(invalid), "-s", "Result").exit_code == 1


def test_simulate_busy_port_prints_only_our_message() -> None:
    with DPATSimulator(slides=0) as busy:
        completed = subprocess.run(
            [sys.executable, "-m", "sectra_dpat_client", "simulate", "--port", str(busy.port)],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert completed.returncode == 1
    assert "is port" in completed.stderr
    assert "Errno" not in completed.stderr
    assert "ERROR" not in completed.stderr


def test_simulate_prints_qido_and_removes_its_temporary_credentials() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sectra_dpat_client", "simulate", "--slides", "2"],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(6)]
        by_prefix = {line.split(" ", 1)[0]: line for line in lines}
        credentials_file = Path(by_prefix["token"].rsplit(" ", 1)[1])
        credentials = json.loads(credentials_file.read_text(encoding="utf-8"))
        qido_url = by_prefix["QIDO-RS"].split(" at ", 1)[1].split(" ", 1)[0]
        assert qido_url == credentials["qido_url"]
        assert repr(credentials["username"]) in by_prefix["QIDO-RS"]
        assert credentials["password"] not in "\n".join(lines)
        studies = httpx.get(f"{qido_url}/studies", auth=(credentials["username"], credentials["password"]), timeout=10)
        assert studies.status_code == 200
        assert studies.json()
        assert httpx.get(f"{qido_url}/studies", timeout=10).status_code == 401
        assert by_prefix["try:"] == f"try: sectra-dpat info --credentials {credentials_file}"
        info = subprocess.run(
            [sys.executable, "-m", "sectra_dpat_client", "info", "--credentials", str(credentials_file), "--json"],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["apiVersion"] == "1.10"
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)  # reads both pipes: a full one would block its exit
        assert process.returncode == 0, errors[-2000:]
        assert not credentials_file.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
