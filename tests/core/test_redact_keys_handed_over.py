"""`_core.redact` knows no endpoint: the query parameters it shows are handed over by the client families."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sectra_dpat_client._core.redact as redact

SCRIPT = """
import sys
from sectra_dpat_client._core.redact import redact_url
url = "https://h/x?limit=10&scope=extended&PatientName=DOE&includePHI=true"
print(redact_url(url))
import sectra_dpat_client.qido
print(redact_url(url))
import sectra_dpat_client.wsi
print(redact_url(url))
"""


def test_safe_query_keys_come_from_qido_and_the_spec_reader() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.split()
    assert out == [
        "https://h/x?limit=***&scope=***&PatientName=***&includePHI=***",  # nothing handed over: all masked
        "https://h/x?limit=10&scope=***&PatientName=***&includePHI=***",  # QIDO-RS: limit, offset, ...
        "https://h/x?limit=10&scope=extended&PatientName=***&includePHI=true",  # IA-API (wsi/paths, used by ai)
    ]


def test_core_redact_names_no_endpoint_parameter() -> None:
    source = Path(redact.__file__).read_text(encoding="utf-8")
    for name in ("includePHI", "fuzzymatching", "opticalPath", "grant_type", "applicationId"):
        assert f'"{name}"' not in source
