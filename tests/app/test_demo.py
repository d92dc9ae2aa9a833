"""`make demo` (python -m sectra_dpat_client.demo): the example app's part of the scripted session."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

from sectra_dpat_client import demo
from sectra_dpat_client.app import JobState
from sectra_dpat_client.simulator import DPATSimulator

ROOT = Path(__file__).resolve().parents[2]


def test_demo_drives_the_example_app_through_every_action(nulls: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "DPATSimulator", functools.partial(DPATSimulator, nulls=nulls))
    lines: list[str] = []
    session = demo.run(lines.append)
    text = "\n".join(lines)
    dpat = session.simulator
    assert dpat.config.nulls is nulls
    assert session.app is not None
    states = [job.state for job in session.app.jobs.snapshot()]
    assert states == [JobState.DONE, JobState.DONE, JobState.CANCELLED, JobState.DONE]
    actions = [job.action for job in session.app.jobs.snapshot()]
    assert actions == ["create", "modify", "create", "newImageFiles"]
    assert "registration: 'Tissue area'" in text
    assert "POST / cancel: 200 []" in text
    assert "POST /imagenotification for" in text
    assert "QIDO-RS finds the slide's study" in text
    results = dpat.results
    created = dpat.result(int(session.notes["created"]))
    assert created["displayResult"].startswith("Tissue ")
    assert created["displayProperties"]["Edited by user"] == "yes"
    assert [r["displayResult"] for r in results].count("Analysis cancelled") == 1
    assert any(r["slideId"] == dpat.slide_ids[-1] and r["displayResult"].startswith("Tissue ") for r in results)
    for result in results:
        assert f"result {result['id']} v{result['versionId']}" in text  # the final listing shows every result
    assert dpat.token not in text
    assert not any(token in text for token in dpat.store.tokens)


def test_make_demo_entry_point_runs_to_the_end() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "sectra_dpat_client.demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"{len(demo.STEPS)}. Final stored results" in completed.stdout
    assert "done: the example app and the simulator have stopped" in completed.stdout
