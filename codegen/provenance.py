"""Write generated/PROVENANCE.json and generated/README.md: what produced the output, from what."""

from __future__ import annotations

import hashlib
import json
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ["openapi/ia-api.yaml", *sorted(f"openapi/qido/{p.name}" for p in (ROOT / "openapi/qido").glob("*.json"))]
CONFIG = [
    "codegen/openapi-python-client.yaml",
    "codegen/patch_templates.py",
    "codegen/nullable.py",
    "codegen/bundle_specs.py",
    "codegen/regenerate.sh",
]
TOOLS = ["openapi-python-client", "datamodel-code-generator", "ruff"]

README = """# generated/ — do not edit

Everything here is produced by `make generate` (codegen/regenerate.sh) from the specs in `openapi/`:

- `dpat_api/`: the IA-API client (openapi-python-client, attrs models + httpx calls);
- `dicom_models/`: the DICOM JSON / QIDO-RS models (datamodel-code-generator, pydantic);
- `dpat_spec/`: the specs themselves as JSON, for run-time validation.

`make check-generated` regenerates into a temporary folder and fails on any difference.
`PROVENANCE.json` records the input hashes and generator versions.
"""


def sha256(path: str) -> str:
    return hashlib.sha256((ROOT / path).read_bytes()).hexdigest()


def main(out_dir: str) -> None:
    out = Path(out_dir)
    record = {
        "inputs": {p: sha256(p) for p in INPUTS},
        "config": {p: sha256(p) for p in CONFIG},
        "generators": {t: version(t) for t in TOOLS},
    }
    (out / "PROVENANCE.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
