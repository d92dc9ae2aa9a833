"""Review 13 gap 7: recording a file appends one journal line instead of rewriting the whole manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sectra_dpat_client.errors import DPATDownloadError
from sectra_dpat_client.wsi.manifest import Entry, Ledger, journal_path, load_manifest, manifest_path


def _entry(index: int) -> Entry:
    return Entry(index + 1, f"{index:064x}", 1_000 + index)


def test_the_manifest_is_written_once_and_later_files_are_appended(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, "s1")
    for index in range(50):
        ledger.record(f"f{index}.dcm", _entry(index))
    manifest, journal = manifest_path(tmp_path, "s1"), journal_path(manifest_path(tmp_path, "s1"))
    written = json.loads(manifest.read_text(encoding="utf-8"))
    assert written["complete"] is False
    assert [item["name"] for item in written["files"]] == ["f0.dcm"]  # not rewritten per file
    assert len(journal.read_bytes().splitlines()) == 49
    loaded = load_manifest(manifest)
    assert loaded is not None
    assert not loaded.complete
    assert loaded.files == {f"f{index}.dcm": _entry(index) for index in range(50)}
    ledger.complete([f"f{index}.dcm" for index in range(50)])
    assert not journal.exists()
    done = load_manifest(manifest)
    assert done is not None
    assert done.complete
    assert len(done.files) == 50


def test_a_failed_download_leaves_manifest_and_journal_for_resume(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, "s1")
    for index in range(3):
        ledger.record(f"f{index}.dcm", _entry(index))
    ledger.close()
    journal = journal_path(manifest_path(tmp_path, "s1"))
    with journal.open("ab") as file:
        file.write(b'{"name": "f3.dcm", "si')  # killed mid-line
    resumed = Ledger(tmp_path, "s1")
    assert resumed.files == {f"f{index}.dcm": _entry(index) for index in range(3)}
    resumed.record("f3.dcm", _entry(3))  # rewrites the manifest with everything, starts a new journal
    assert len(json.loads(manifest_path(tmp_path, "s1").read_text(encoding="utf-8"))["files"]) == 4
    assert journal.read_bytes() == b""
    resumed.close()


def test_an_unsafe_name_in_the_journal_damages_the_manifest(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, "s1")
    ledger.record("f0.dcm", _entry(0))
    ledger.close()
    journal = journal_path(manifest_path(tmp_path, "s1"))
    journal.write_text(json.dumps({"name": "../x", "size": 1}) + "\n", encoding="utf-8")
    assert load_manifest(manifest_path(tmp_path, "s1")) is None


def test_planted_journal_and_temporary_manifest_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    out = tmp_path / "out"
    out.mkdir()
    manifest = manifest_path(out, "s1")
    manifest.with_name(manifest.name + ".tmp").symlink_to(outside)
    journal_path(manifest).symlink_to(outside)
    ledger = Ledger(out, "s1")
    with pytest.raises(DPATDownloadError, match="cannot write the download manifest"):
        ledger.record("f0.dcm", _entry(0))  # the manifest is written, the journal link refused
    ledger.close()
    assert outside.read_bytes() == b"precious"
    assert load_manifest(manifest) is not None
