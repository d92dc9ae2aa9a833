"""README "Testing your own app", run as written: its app and its test, in a project of their own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_block(section: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}")
    end = text.find("\n## ", start + 1)
    blocks = re.findall(r"```python\n(.*?)```", text[start : end if end != -1 else None], re.DOTALL)
    assert blocks, f"no python block in README section {section!r}"
    return str(blocks[0])


def _run_pytest(project: Path, *, autoload: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PYTHONPATH", "SECTRA_DPAT"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    plugin: list[str] = []
    if not autoload:  # faster: only this package's plugin, named
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        plugin = ["-p", "sectra_dpat_client.pytest_plugin"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning", *plugin],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _project(tmp_path: Path, test_code: str) -> Path:
    project = tmp_path / "user_project"
    project.mkdir()
    (project / "my_app.py").write_text(_python_block("Receiving DPAT's calls"), encoding="utf-8")
    (project / "test_my_app.py").write_text(test_code, encoding="utf-8")
    return project


def test_the_readme_test_passes_as_written(tmp_path: Path) -> None:
    test_code = _python_block("Testing your own app")
    assert "dpat_simulator" in test_code
    assert "BackgroundServer" in test_code
    completed = _run_pytest(_project(tmp_path, test_code))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed" in completed.stdout


def test_without_the_marker_line_the_invocation_is_refused(tmp_path: Path) -> None:
    """The line that matches the application ids is what makes it pass (the test can fail)."""
    test_code = _python_block("Testing your own app")
    without = "\n".join(line for line in test_code.splitlines() if "pytest.mark.dpat_simulator" not in line)
    assert without != test_code
    completed = _run_pytest(_project(tmp_path, without), autoload=False)
    assert completed.returncode == 1
    assert "another application" in completed.stdout
