"""Every IA-API command run against the simulator: exit status and --json output checked."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

from PIL import Image

from .conftest import Cli, error_of


def test_info(cli: Cli) -> None:
    data = cli.json("info")
    assert data["apiVersion"] == cli.dpat.api_version
    assert set(data) >= {"apiVersion", "softwareVersion"}
    plain = cli("info")
    assert plain.exit_code == 0
    assert f"apiVersion: {cli.dpat.api_version}" in plain.stdout


def test_application(cli: Cli) -> None:
    cli.dpat.register_app("other-app", display_name="Other")
    assert cli.json("application")["applicationId"] == cli.dpat.app_id
    other = cli.json("application", "other-app")
    assert (other["applicationId"], other["displayName"]) == ("other-app", "Other")
    missing = cli("application", "nosuch-app", "--json")
    assert missing.exit_code == 1
    assert error_of(missing)["application"] == "nosuch-app"


def test_slide_plain_extended_phi(cli: Cli) -> None:
    slide_id = cli.dpat.slide_ids[0]
    stored = cli.dpat.slide(slide_id)
    plain = cli.json("slide", slide_id)
    assert plain["id"] == slide_id
    assert plain["imageSize"] == {"width": stored.width, "height": stored.height}
    assert "accessionNumber" not in plain  # only with --phi
    full = cli.json("slide", slide_id, "--extended", "--phi")
    assert full["accessionNumber"] == stored.accession_number
    assert len(full) > len(plain)


def test_slide_not_found_names_the_slide(cli: Cli) -> None:
    result = cli("slide", "no-such-slide")
    assert result.exit_code == 1
    assert "no-such-slide" in result.stderr
    assert "404" in result.stderr
    as_json = cli("slide", "no-such-slide", "--json")
    assert as_json.exit_code == 1
    assert as_json.stdout == ""
    error = error_of(as_json)
    assert (error["slide"], error["status_code"], error["type"]) == ("no-such-slide", 404, "DPATNotFoundError")


def test_case_by_accession_and_by_slide(cli: Cli) -> None:
    slide_id = cli.dpat.slide_ids[0]
    accession = cli.dpat.slide(slide_id).accession_number
    expected = sorted(s for s in cli.dpat.slide_ids if cli.dpat.slide(s).accession_number == accession)
    by_accession = cli.json("case", accession)
    assert sorted(image["id"] for image in by_accession) == expected
    by_slide = cli.json("case", "--slide", slide_id)
    assert sorted(image["id"] for image in by_slide) == expected
    assert cli("case").exit_code == 2
    assert cli("case", accession, "--slide", slide_id).exit_code == 2


def test_case_table_names_lis_slide_ids_only_with_phi(cli: Cli) -> None:
    slide_id = cli.dpat.slide_ids[0]
    lis = cli.dpat.slide(slide_id).lis_slide_id
    assert lis
    plain = cli("case", "--slide", slide_id)
    assert plain.exit_code == 0
    assert slide_id in plain.stdout
    assert lis not in plain.stdout + plain.stderr  # marked sensitive in the spec: not shown unasked
    assert lis in cli("case", "--slide", slide_id, "--phi").stdout


def test_label(cli: Cli, tmp_path: Path) -> None:
    with_label = next(s for s in cli.dpat.slide_ids if cli.dpat.slide(s).has_label)
    out = tmp_path / "label.png"
    data = cli.json("label", with_label, "-o", str(out))
    assert data == {"slide": with_label, "path": str(out), "bytes": out.stat().st_size}
    Image.open(out).verify()
    without = next(s for s in cli.dpat.slide_ids if not cli.dpat.slide(s).has_label)
    missing = cli("label", without, "-o", str(tmp_path / "none.png"))
    assert missing.exit_code == 1
    assert without in missing.stderr
    assert not (tmp_path / "none.png").exists()


def test_tile(cli: Cli, tmp_path: Path) -> None:
    slide_id = cli.dpat.slide_ids[0]
    tile_size = cli.dpat.slide(slide_id).tile_size
    out = tmp_path / "tile.png"
    data = cli.json("tile", slide_id, "10", "0", "0", "--format", "png", "-o", str(out))
    assert (data["level"], data["col"], data["row"], data["bytes"]) == (10, 0, 0, out.stat().st_size)
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert max(image.size) <= tile_size
    raw = cli("tile", slide_id, "10", "0", "0", "--format", "png", "-o", "-")
    assert raw.exit_code == 0
    assert raw.stdout_bytes == out.read_bytes()


def test_region_is_png_of_the_asked_size(cli: Cli, tmp_path: Path) -> None:
    slide_id = cli.dpat.slide_ids[0]
    out = tmp_path / "region.png"
    data = cli.json("region", slide_id, "100", "200", "96", "64", "-o", str(out))
    assert (data["width"], data["height"], data["slide"]) == (96, 64, slide_id)
    with Image.open(out) as image:
        assert (image.format, image.size) == ("PNG", (96, 64))
    assert cli("region", slide_id, "0", "0", "8", "8", "-o", str(out), "--level", "3", "--mpp", "1").exit_code == 2


def test_qc_get_and_set(cli: Cli) -> None:
    slide_id = cli.dpat.slide_ids[0]
    before = cli.json("qc", "get", slide_id)
    stored = cli.dpat.quality_control(slide_id)
    assert (before["status"], before["versionId"]) == (stored["status"], stored["versionId"])
    after = cli.json("qc", "set", slide_id, "rejected")
    assert after["status"] == "Rejected" == cli.dpat.quality_control(slide_id)["status"]
    assert after["versionId"] != before["versionId"]
    stale = cli("qc", "set", slide_id, "QualityOk", "--version-id", before["versionId"], "--json")
    assert stale.exit_code == 1
    assert error_of(stale)["status_code"] == 409
    assert cli.dpat.quality_control(slide_id)["status"] == "Rejected"
    assert cli("qc", "set", slide_id, "splendid").exit_code == 2


def _write(path: Path, payload: object) -> str:
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_results_create_get_list_update_upsert(cli: Cli, tmp_path: Path) -> None:
    slide_id = cli.dpat.slide_ids[1]
    assert cli.json("results", "list", slide_id) == []
    first = _write(tmp_path / "r.json", {"slideId": slide_id, "displayResult": "Ki67 18 %"})
    created = cli.json("results", "create", first)
    assert cli.dpat.result(created["id"])["displayResult"] == "Ki67 18 %"
    got = cli.json("results", "get", str(created["id"]))
    assert got == cli.dpat.result(created["id"])
    listed = cli.json("results", "list", slide_id)
    assert [r["id"] for r in listed] == [created["id"]]

    got["displayResult"] = "Ki67 20 %"  # `results get --json` output is a valid update file
    updated = cli.json("results", "update", _write(tmp_path / "u.json", got))
    assert updated["versionId"] != got["versionId"]
    assert cli.dpat.result(created["id"])["displayResult"] == "Ki67 20 %"
    stale = cli("results", "update", str(tmp_path / "u.json"), "--json")  # still has the old versionId
    assert stale.exit_code == 1
    assert error_of(stale)["status_code"] == 409

    upserted = cli.json("results", "upsert", _write(tmp_path / "up.json", {"slideId": slide_id, "displayResult": "x"}))
    assert upserted["id"] == created["id"]
    assert cli.dpat.result(created["id"])["displayResult"] == "x"
    assert len(cli.dpat.results) == 1


def test_results_payload_checked_before_sending(cli: Cli, tmp_path: Path) -> None:
    not_json = tmp_path / "bad.json"
    not_json.write_text("{slideId: 1", encoding="utf-8")
    usage = cli("results", "create", str(not_json))
    assert usage.exit_code == 2
    assert "not JSON" in usage.stderr
    invalid = _write(tmp_path / "invalid.json", {"displayResult": 5})
    sent_before = cli.dpat.request_count("*", "POST")
    failed = cli("results", "create", invalid, "--json")
    assert failed.exit_code == 1
    error = error_of(failed)
    assert error["type"] == "DPATValidationError"
    assert error["faults"]
    assert cli.dpat.request_count("*", "POST") == sent_before
    assert cli.dpat.results == []
    assert cli("results", "update", _write(tmp_path / "noid.json", {"slideId": "s"})).exit_code == 2


def test_results_need_the_app_id(cli: Cli) -> None:
    env = {**cli.env, "SECTRA_DPAT_APP_ID": ""}
    result = cli("results", "list", cli.dpat.slide_ids[0], env=env)
    assert result.exit_code == 2
    assert "application id" in result.stderr


def test_attachment_whole_and_range(cli: Cli, tmp_path: Path) -> None:
    slide_id = cli.dpat.slide_ids[0]
    created = cli.json("results", "create", _write(tmp_path / "r.json", {"slideId": slide_id}))
    payload = bytes(range(256)) * 4
    cli.dpat.add_attachment(created["id"], "cells.csv", payload)
    out = tmp_path / "cells.csv"
    data = cli.json("attachment", str(created["id"]), "cells.csv", "-o", str(out))
    assert data["bytes"] == len(payload)
    assert out.read_bytes() == payload
    part = cli.json("attachment", str(created["id"]), "cells.csv", "-o", str(out), "--range", "10-19")
    assert part["bytes"] == 10
    assert out.read_bytes() == payload[10:20]
    missing = cli("attachment", str(created["id"]), "nosuch.bin", "-o", str(tmp_path / "x"), "--json")
    assert missing.exit_code == 1
    assert error_of(missing)["result"] == str(created["id"])
    assert not (tmp_path / "x").exists()
    assert cli("attachment", "1", "a", "-o", str(out), "--range", "9-2").exit_code == 2


def test_launchdata_masks_the_callback_token(cli: Cli, tmp_path: Path) -> None:
    accession = cli.dpat.slide(cli.dpat.slide_ids[0]).accession_number
    token_file = tmp_path / "token"
    env = {**cli.env, "SECTRA_DPAT_TOKEN": ""}  # launchdata needs no bearer token
    result = cli(
        "launchdata",
        accession,
        "--session-token",
        cli.dpat.session_token,
        "--token-file",
        str(token_file),
        "--json",
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["callbackInfo"]["url"] == cli.dpat.url
    assert data["callbackInfo"]["token"] == "***"
    secret = token_file.read_text(encoding="utf-8").strip()
    assert secret
    assert secret not in result.stdout + result.stderr
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    slide_ids = {slide["id"] for block in data["blocks"] for slide in block["slides"]}
    assert cli.dpat.slide_ids[0] in slide_ids
    refused = cli("launchdata", accession, "--session-token", "wrong", env=env)
    assert refused.exit_code == 1


def test_region_png_bytes_decode(cli: Cli) -> None:
    result = cli("region", cli.dpat.slide_ids[0], "0", "0", "16", "16", "-o", "-")
    assert result.exit_code == 0
    with Image.open(io.BytesIO(result.stdout_bytes)) as image:
        assert image.size == (16, 16)
