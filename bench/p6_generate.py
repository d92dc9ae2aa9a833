"""P6: wall time of `make generate` (both generators, bundling, provenance) against its 30 s budget.

The baseline is the budget itself; the bare openapi-python-client run on the same spec is reported too.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._common import median_seconds, report

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 30.0


def _regenerate() -> None:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["bash", "codegen/regenerate.sh", out], cwd=ROOT, check=True, capture_output=True)


def _bare_generator() -> None:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                str(Path(sys.executable).with_name("openapi-python-client")),
                "generate",
                "--path",
                "openapi/ia-api.yaml",
                "--meta",
                "none",
                "--output-path",
                f"{out}/x",
                "--config",
                "codegen/openapi-python-client.yaml",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )


def run() -> dict[str, Any]:
    ours = median_seconds(_regenerate)
    bare = median_seconds(_bare_generator)
    return report(
        "P6 make generate wall time",
        ours=ours,
        baseline=BUDGET_SECONDS,
        unit="s",
        higher_is_better=False,
        target=1.0,
        bare_openapi_python_client_s=bare,
    )
