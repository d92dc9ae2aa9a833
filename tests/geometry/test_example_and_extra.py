"""The mask-to-result example runs against the simulator; without the [geo] extra the import names it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_mask_to_result_example_runs_and_reads_its_mask_back() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "examples.mask_to_result"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "2 polygons, mask identical: True" in done.stdout


@pytest.mark.parametrize("missing", ["shapely", "cv2"])
def test_importing_without_the_extra_names_the_install_command(missing: str) -> None:
    code = f"import sys; sys.modules[{missing!r}] = None; import sectra_dpat_client.geometry"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"ModuleNotFoundError: sectra_dpat_client.geometry needs {missing!r} from the [geo] extra:"
        ' pip install "sectra-dpat-client[geo]"'
    )
