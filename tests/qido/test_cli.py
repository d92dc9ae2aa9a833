"""`sectra-dpat qido …` against the real Orthanc (table and JSON output), plus usage errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sectra_dpat_client.cli import main

from .conftest import Orthanc


def env_for(orthanc: Orthanc, password: str | None = None) -> dict[str, str]:
    return {
        "SECTRA_DPAT_QIDO_URL": orthanc.url,
        "SECTRA_DPAT_QIDO_USERNAME": orthanc.user,
        "SECTRA_DPAT_QIDO_PASSWORD": password or orthanc.password,
    }


@pytest.mark.orthanc
def test_studies_table(orthanc: Orthanc) -> None:
    result = CliRunner().invoke(
        main,
        ["qido", "studies", "--filter", "PatientID=PAT004*", "--field", "StudyDescription", "--limit", "3"],
        env=env_for(orthanc),
    )
    assert result.exit_code == 0, result.output
    assert "3 studies" in result.output
    assert "StudyDescription" in result.output
    assert result.output.count("Synthetic study 4") == 3


@pytest.mark.orthanc
def test_json_output_is_dicom_json(orthanc: Orthanc) -> None:
    special = orthanc.special
    result = CliRunner().invoke(
        main,
        [
            "qido",
            "instances",
            "--study",
            special["StudyInstanceUID"],
            "--series",
            special["SeriesInstanceUIDs"][0],
            "--json",
        ],
        env=env_for(orthanc),
    )
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert len(items) == 3
    assert {item["0020000E"]["Value"][0] for item in items} == {special["SeriesInstanceUIDs"][0]}


@pytest.mark.orthanc
def test_series_filter_by_tag_and_uid_list(orthanc: Orthanc) -> None:
    uids = [orthanc.study(1)["StudyInstanceUID"], orthanc.study(2)["StudyInstanceUID"]]
    result = CliRunner().invoke(
        main, ["qido", "series", "-f", f"0020000D={','.join(uids)}", "--json"], env=env_for(orthanc)
    )
    assert result.exit_code == 0, result.output
    assert sorted(item["0020000D"]["Value"][0] for item in json.loads(result.output)) == sorted(uids)


@pytest.mark.orthanc
def test_server_errors_exit_1_without_secrets(orthanc: Orthanc) -> None:
    result = CliRunner().invoke(
        main, ["qido", "studies", "-f", "PatientID=PAT0001"], env=env_for(orthanc, password="SECRETPW")
    )
    assert result.exit_code == 1
    assert "401" in result.output
    assert "SECRETPW" not in result.output
    assert "PAT0001" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["studies", "-f", "PatientIdentifier=1"], "unknown DICOM attribute"),
        (["studies", "-f", "PatientID"], "KEY=VALUE"),
        (["studies", "--limit", "0"], "--limit"),
        (["instances", "--series", "1.2.3"], "needs the study UID"),
        (["studies", "--field", "NoSuchField"], "unknown DICOM attribute"),
    ],
)
def test_usage_errors_exit_2_before_sending(args: list[str], message: str) -> None:
    # Port 9 (discard) on loopback: a request would fail with a connection error, not a usage error.
    result = CliRunner().invoke(main, ["qido", *args], env={"SECTRA_DPAT_QIDO_URL": "http://127.0.0.1:9/dicom-web"})
    assert result.exit_code == 2, result.output
    assert message in result.output
