"""The simulator's QIDO-RS endpoint (real HTTP on 127.0.0.1): the seed's Example 3 end to end, and
what Orthanc cannot show (204 for no match, the fuzzy-matching Warning)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.cli import main
from sectra_dpat_client.errors import DPATAuthenticationError, DPATNoMatchError, DPATRequestError
from sectra_dpat_client.qido import (
    AsyncDPATQidoClient,
    DicomCodes,
    DPATQidoClient,
    SearchOptions,
    alink_image,
    link_image,
)
from sectra_dpat_client.simulator import DPATSimulator

from .conftest import NO_WAIT


@pytest.fixture(scope="module")
def simulator() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=5) as dpat:
        yield dpat


@pytest.fixture
def qido(simulator: DPATSimulator) -> Iterator[DPATQidoClient]:
    with DPATQidoClient(f"{simulator.root_url}/dicom-web", simulator.username, simulator.password) as client:
        yield client


def test_seed_example_3_end_to_end(simulator: DPATSimulator) -> None:
    slide_id = simulator.slide_ids[0]
    with DPATAIClient(url=simulator.url, token=simulator.token, app_id=simulator.app_id) as ai:
        image_info = ai.get_image_info(slide_id, extended=True, phi=True)
    qido_url, qido_username, qido_password = f"{simulator.root_url}/dicom-web", simulator.username, simulator.password

    qido_client = DPATQidoClient(qido_url, qido_username, qido_password)
    study = qido_client.find_one_study(studyInstanceUid=image_info.study_instance_uid)
    patient_id = study.get_value_as_string(DicomCodes.PATIENT_ID)
    request_id = study.get_value_as_string(DicomCodes.REQUEST_ID)
    exam_id = study.get_value_as_string(DicomCodes.EXAM_ID)

    slide = simulator.slide(slide_id)
    assert (patient_id, request_id, exam_id) == (slide.patient_id, slide.accession_number, slide.exam_id)
    link = link_image(qido_client, image_info)
    assert link.series is not None
    assert link.series.get_value_as_string(DicomCodes.SERIES_INSTANCE_UID) == image_info.series_instance_uid
    qido_client.close()


def test_studies_series_and_instances_follow_the_slides(simulator: DPATSimulator, qido: DPATQidoClient) -> None:
    slides = [simulator.slide(slide_id) for slide_id in simulator.slide_ids]
    cases = {slide.accession_number for slide in slides}
    assert sorted(s.get_value_as_string(DicomCodes.REQUEST_ID) or "" for s in qido.search_studies()) == sorted(cases)
    first = slides[0]
    series = qido.search_series(first.study_instance_uid)
    assert sorted(s.get_value_as_string(DicomCodes.SERIES_INSTANCE_UID) or "" for s in series) == sorted(
        slide.series_instance_uid for slide in slides if slide.accession_number == first.accession_number
    )
    dicom_files = [file for file in first.files if file.mime_type == "application/dicom"]
    instances = qido.search_instances(first.study_instance_uid, first.series_instance_uid)
    assert sorted(i.get_number(DicomCodes.INSTANCE_NUMBER) or 0 for i in instances) == list(
        range(1, len(dicom_files) + 1)
    )
    assert len(qido.search_series(Modality="SM")) == len(slides)
    assert len(list(qido.iter_series(page_size=2))) == len(slides)
    study = qido.find_one_study(AccessionNumber=first.accession_number)
    assert study.get_datetime("StudyDate", time_key="StudyTime") is not None
    name = study.get_person_name("PatientName")
    assert name is not None
    assert str(name) == first.patient_name


def test_no_match_is_204_and_fuzzy_gets_a_warning(qido: DPATQidoClient) -> None:
    empty = qido.search_studies(PatientID="NO?SUCH*")
    assert (list(empty), empty.status_code) == ([], 204)
    fuzzy = qido.search_studies(PatientName="simulated*", fuzzymatching=True)
    assert len(fuzzy) >= 1
    assert len(fuzzy.warnings) == 1
    assert fuzzy.warnings[0].startswith("299 ")
    assert "fuzzymatching" in fuzzy.warnings[0]


async def test_async_client_on_the_simulator(simulator: DPATSimulator, qido: DPATQidoClient) -> None:
    url = f"{simulator.root_url}/dicom-web"
    async with AsyncDPATQidoClient(url, simulator.username, simulator.password) as client:
        assert [s async for s in client.iter_studies(page_size=1)] == list(qido.iter_studies(page_size=1))
        assert await client.search_instances() == qido.search_instances()


async def test_no_match_is_dpat_no_match_error_not_an_invented_404(
    simulator: DPATSimulator, qido: DPATQidoClient
) -> None:
    url = f"{simulator.root_url}/dicom-web"
    with pytest.raises(DPATNoMatchError, match="no study matched") as caught:
        qido.find_one_study(PatientID="NOSUCHPATIENT")
    assert isinstance(caught.value, LookupError)
    assert not isinstance(caught.value, DPATRequestError)
    assert "NOSUCHPATIENT" not in str(caught.value)
    async with AsyncDPATQidoClient(url, simulator.username, simulator.password) as client:
        with pytest.raises(DPATNoMatchError):
            await client.find_one_study(PatientID="NOSUCHPATIENT")
        with DPATAIClient(url=simulator.url, token=simulator.token, app_id=simulator.app_id) as ai:
            image_info = ai.get_image_info(simulator.slide_ids[0], extended=True, phi=True)
        link = await alink_image(client, image_info)
        assert link == link_image(qido, image_info)


def test_search_options_are_one_type_for_both_clients(qido: DPATQidoClient) -> None:
    options = SearchOptions(fields=["StudyDescription"], limit=2)
    assert qido.search("studies", options=options) == qido.search_studies(fields=["StudyDescription"], limit=2)


def test_wrong_credentials(simulator: DPATSimulator) -> None:
    client = DPATQidoClient(f"{simulator.root_url}/dicom-web", simulator.username, "wrong", retry=NO_WAIT)
    with client, pytest.raises(DPATAuthenticationError):
        client.search_studies()


def test_cli_prints_server_warnings_to_stderr(simulator: DPATSimulator) -> None:
    env = {
        "SECTRA_DPAT_QIDO_URL": f"{simulator.root_url}/dicom-web",
        "SECTRA_DPAT_QIDO_USERNAME": simulator.username,
        "SECTRA_DPAT_QIDO_PASSWORD": simulator.password,
    }
    result = CliRunner().invoke(main, ["qido", "studies", "-f", "PatientName=Simulated*", "--fuzzy", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert "warning from server: 299 " in result.stderr
    assert result.stdout.lstrip().startswith("[")
