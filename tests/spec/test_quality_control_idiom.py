"""The documented idiom `if info.quality_control is not None:` on an IA-API 1.9 and a 1.10 simulator.

IA-API 1.9 sends no `qualityControl` (or null, in the .NET form): the branch is skipped. 1.10 sends it:
the branch sets the status (keeping the versionId) and the simulator stores it. Both answer forms.
"""

from __future__ import annotations

import pytest

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.models import QualityControl, QualityControlStatus
from sectra_dpat_client.simulator import DPATSimulator


def _set_quality_ok(client: DPATAIClient, slide_id: str) -> bool:
    """The seed README's quality-control flow; True when it set the status."""
    image_info = client.get_image_info(slide_id)
    if image_info.quality_control is not None and image_info.quality_control.status != QualityControlStatus.QUALITY_OK:
        quality_control_data = image_info.quality_control
        quality_control_data.status = QualityControlStatus.QUALITY_OK
        client.set_quality_control(
            slide_id, QualityControl(applicationVersion="1.0.0", qualityControl=quality_control_data)
        )
        return True
    return False


@pytest.mark.parametrize("nulls", [False, True], ids=["omitted", "nulls"])
@pytest.mark.parametrize(("api_version", "sets"), [("1.9", False), ("1.10", True)])
def test_quality_control_branch_follows_the_server_version(api_version: str, sets: bool, nulls: bool) -> None:
    with DPATSimulator(slides=1, api_version=api_version, nulls=nulls) as dpat:
        slide_id = dpat.slide_ids[0]
        with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id) as client:
            assert _set_quality_ok(client, slide_id) is sets
            if sets:
                assert dpat.quality_control(slide_id)["status"] == "QualityOk"
                assert client.get_image_info(slide_id).quality_control is not None
                assert _set_quality_ok(client, slide_id) is False  # already OK: nothing to do
            else:
                assert client.get_image_info(slide_id).quality_control is None
                assert dpat.request_count("setQualityControl") == 0
