"""One spec reader: wsi's path templates and the IA-API client's operation table are the same objects."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sectra_dpat_client.ai import operations as ai_operations
from sectra_dpat_client.errors import DPATResponseError
from sectra_dpat_client.wsi.paths import operation_named, path_template, spec_operations


def test_the_client_table_is_the_spec_reader_keyed_by_module() -> None:
    by_module = ai_operations.operations()
    assert len(by_module) == len(spec_operations())
    for operation_id, operation in spec_operations().items():
        assert by_module[operation.module] is operation
        assert path_template(operation_id) == operation.path
    assert path_template("getTileInFocalPlane") == "/images/{slideId}_files/{level}/{col}_{row}_{focalPlane}.{ext}"
    with pytest.raises(LookupError, match="noSuchOperation"):
        operation_named("noSuchOperation")


def test_a_bad_api_version_names_get_info_from_the_table() -> None:
    with pytest.raises(DPATResponseError) as caught:
        ai_operations.parse_server_version(1.1)  # type: ignore[arg-type]
    assert (caught.value.path, str(caught.value).split(":")[0]) == ("/info", "GET /info")


def test_wsi_alone_imports_no_client_and_still_redacts() -> None:
    code = (
        "import sys; import sectra_dpat_client.wsi\n"
        "from sectra_dpat_client._core.redact import redact_url\n"
        "assert not [m for m in sys.modules if m.startswith(('sectra_dpat_client.ai', 'sectra_dpat_client.qido'))]\n"
        "print(redact_url('https://dpat/api/images/S1_files/3/1_2_z9.jpg'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "https://dpat/api/images/{slideId}_files/{level}/{col}_{row}_{focalPlane}.{ext}"
