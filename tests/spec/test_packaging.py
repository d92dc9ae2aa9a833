"""One wheel ships the hand-written package, the generated packages and the bundled specs."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (built,) = out.glob("sectra_dpat_client-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "sectra_dpat_client/__init__.py",
        "sectra_dpat_client/py.typed",
        "sectra_dpat_client/_generated/dpat_api/__init__.py",
        "sectra_dpat_client/_generated/dpat_api/py.typed",
        "sectra_dpat_client/_generated/dicom_models/py.typed",
        "sectra_dpat_client/_generated/dpat_spec/ia-api.json",
        "sectra_dpat_client/_generated/dpat_spec/qido/qido-response.schema.json",
    ):
        assert required in names, required
    top_level = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    assert top_level == {"sectra_dpat_client"}, top_level
    metadata = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    entry_points = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "sectra-dpat = sectra_dpat_client.cli:main" in entry_points
    assert "sectra_dpat = sectra_dpat_client.pytest_plugin" in entry_points


def test_wheel_install_imports_and_validates(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    probe = (
        "import importlib.util, sectra_dpat_client;"
        "from sectra_dpat_client._generated import dpat_spec;"
        "from sectra_dpat_client.models import ImageInfo;"
        "assert all(importlib.util.find_spec(n) is None for n in ('dpat_api', 'dicom_models', 'dpat_spec'));"
        "from sectra_dpat_client.validate import iter_faults;"
        f"assert sectra_dpat_client.__file__.startswith({str(target)!r}), sectra_dpat_client.__file__;"
        f"assert dpat_spec.__file__.startswith({str(target)!r});"
        "print(len(iter_faults({'slideId': 1}, 'Result')))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
