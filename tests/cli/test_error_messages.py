"""Issue #16 item 7 and "found while trying it": the client's DPATQueryError says where the value comes from."""

from __future__ import annotations

import pytest

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.errors import DPATQueryError
from sectra_dpat_client.simulator import DPATSimulator


def test_result_call_without_app_id_says_where_it_comes_from(dpat_simulator: DPATSimulator) -> None:
    with DPATAIClient(dpat_simulator.url, token=dpat_simulator.token) as client:
        with pytest.raises(DPATQueryError, match="application id") as caught:
            client.list_results_for_slide(dpat_simulator.slide_ids[0])
    message = str(caught.value)
    assert "app_id=" in message
    assert "applicationId" in message
    assert "registration" in message
    assert dpat_simulator.request_count("listResultsForSlide") == 0


def test_absent_accession_number_points_at_phi(dpat_simulator: DPATSimulator) -> None:
    with DPATAIClient(dpat_simulator.url, token=dpat_simulator.token) as client:
        info = client.get_image_info(dpat_simulator.slide_ids[0])  # without phi=True: no accessionNumber
        assert not info.accession_number
        with pytest.raises(DPATQueryError, match="phi=True"):
            client.get_image_infos_in_case(info.accession_number)
        with_phi = client.get_image_info(dpat_simulator.slide_ids[0], phi=True)
        assert client.get_image_infos_in_case(with_phi.accession_number)
