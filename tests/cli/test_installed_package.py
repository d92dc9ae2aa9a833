"""From a wheel, outside the source tree: the demo runs, `python -m sectra_dpat_client` is the CLI,
LICENSE ships; the repository has LICENSE and CHANGELOG; the classifiers name the Python CI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, a folder it is installed into without dependencies)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (wheel,) = out.glob("sectra_dpat_client-*.whl")
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    return wheel, target


def _run(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SECTRA_DPAT"))}
    env["PYTHONPATH"] = str(target)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )


def test_wheel_ships_license_and_the_example_app(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    licence = [n for n in names if n.endswith((".dist-info/licenses/LICENSE", ".dist-info/LICENSE"))]
    assert licence, [n for n in names if "dist-info" in n]
    assert "MIT License" in zipfile.ZipFile(wheel).read(licence[0]).decode()
    assert "sectra_dpat_client/_examples/tissue_area/app.py" in names
    assert "sectra_dpat_client/__main__.py" in names


def test_demo_runs_from_the_installed_package(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, target = installed
    done = _run(target, tmp_path, "-m", "sectra_dpat_client.demo")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "example app 'tissue area' serving on" in done.stdout
    probe = _run(target, tmp_path, "-c", "import sectra_dpat_client.demo as d; print(d.__file__)")
    assert probe.stdout.startswith(str(target))  # the installed copy ran, not the checkout


def test_python_m_runs_the_cli(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, target = installed
    done = _run(target, tmp_path, "-m", "sectra_dpat_client", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: sectra-dpat")
    for command in ("info", "slide", "case", "results", "qc", "label", "tile", "region", "attachment", "launchdata"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.MULTILINE), command
    usage = _run(target, tmp_path, "-m", "sectra_dpat_client", "slide")
    assert usage.returncode == 2


def test_repository_has_license_and_changelog() -> None:
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog


def test_classifiers_name_the_python_ci_runs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    versions = {c.rsplit(" ", 1)[1] for c in project["classifiers"] if re.fullmatch(r".*Python :: 3\.\d+", c)}
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions  # CI runs make test on this one
    assert project["license"] == "MIT"
