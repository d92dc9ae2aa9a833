"""`sectra-dpat download` and `sectra-dpat thumbnail` against the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from sectra_dpat_client.cli import main
from sectra_dpat_client.simulator import DPATSimulator, SlideFile, single_file, synthetic
from sectra_dpat_client.wsi.download import read_complete_manifest

FILES = (SlideFile("i0000,0000b.dcm", 150_000), SlideFile("i0001,0000b.dcm", 70_001))


def run(dpat: DPATSimulator, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = {"SECTRA_DPAT_URL": dpat.url, "SECTRA_DPAT_TOKEN": dpat.token} if env is None else env
    result = CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)
    assert dpat.token not in result.output
    assert dpat.token not in (result.stderr or "")
    return result


def test_download_slides_prints_the_paths(dpat: DPATSimulator, tmp_path: Path) -> None:
    one = dpat.add_slide(files=FILES)
    two = dpat.add_slide(files=single_file("x.svs", 123_456))
    result = run(dpat, "download", one, two, "--dest", str(tmp_path))
    assert result.exit_code == 0, result.output
    printed = [Path(line) for line in result.stdout.splitlines()]
    assert printed == [tmp_path / one / f.name for f in FILES] + [tmp_path / two / "x.svs"]
    assert (tmp_path / two / "x.svs").read_bytes() == synthetic.file_bytes(two, dpat.slide(two).files[0])
    again = run(dpat, "download", one, "--dest", str(tmp_path), "--quiet")
    assert again.exit_code == 0
    assert dpat.request_count("getSlideFiles") == 2  # resumed: complete slides are not fetched again


def test_download_case_with_options_instead_of_environment(dpat: DPATSimulator, tmp_path: Path) -> None:
    ids = [dpat.add_slide(accession_number="ACC9", files=FILES) for _ in range(3)]
    args = ["download", "--case", "ACC9", "--dest", str(tmp_path), "--url", dpat.url, "--token", dpat.token]
    result = run(dpat, *args, "--max-concurrency", "2", env={})
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ids)
    assert "ACC9" not in result.output


def test_truncated_download_fails_clearly(dpat: DPATSimulator, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=FILES)
    dpat.faults.truncate_multipart(after_bytes=150_000 + 20_000)
    result = run(dpat, "download", slide_id, "--dest", str(tmp_path))
    assert result.exit_code == 1
    assert f"error: slide {slide_id}: i0001,0000b.dcm" in result.stderr
    assert "truncated" in result.stderr
    files = sorted(p.name for p in (tmp_path / slide_id).iterdir() if not p.name.startswith(".sectra-dpat-"))
    assert files == ["i0000,0000b.dcm"]
    assert result.stdout == ""


def test_case_failure_lists_each_failed_slide(dpat: DPATSimulator, tmp_path: Path) -> None:
    ids = [dpat.add_slide(accession_number="ACC7", files=FILES) for _ in range(3)]
    dpat.faults.fail("getSlideFiles", 500, times=1)
    result = run(dpat, "download", "--case", "ACC7", "--dest", str(tmp_path), "--max-concurrency", "1", "-q")
    assert result.exit_code == 1
    (failed,) = [s for s in ids if read_complete_manifest(tmp_path / s, s) is None]
    assert f"1 of 3 slide downloads failed (slides {failed})" in result.stderr
    assert f"  - slide {failed}: HTTP 500 from GET /slides/{{slideId}}/files" in result.stderr
    assert f"failed slides: {failed}\n" in result.stderr
    assert all(s not in result.stderr for s in ids if s != failed)
    assert "ACC7" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["download", "--dest", "d"], "give SLIDE_ID(s) or --case"),
        (["download", "s1", "--case", "A", "--dest", "d"], "give SLIDE_ID(s) or --case"),
        (["download", "s1"], "Missing option '--dest'"),
        (["download", "s1", "--dest", "d", "--max-concurrency", "0"], "--max-concurrency"),
    ],
)
def test_usage_errors(dpat: DPATSimulator, tmp_path: Path, args: list[str], message: str) -> None:
    result = run(dpat, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_credentials_are_a_usage_error(dpat: DPATSimulator, tmp_path: Path) -> None:
    result = run(dpat, "download", "s", "--dest", str(tmp_path), env={"SECTRA_DPAT_URL": dpat.url})
    assert result.exit_code == 2
    assert "--token" in result.stderr
    both = run(dpat, "download", "s", "--dest", str(tmp_path), "--username", "u", "--password", "p")
    assert both.exit_code == 2
    assert "not both" in both.stderr


def test_credentials_mode(dpat: DPATSimulator, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(files=FILES)
    env = {
        "SECTRA_DPAT_URL": dpat.url,
        "SECTRA_DPAT_APP_ID": dpat.app_id,
        "SECTRA_DPAT_USERNAME": dpat.username,
        "SECTRA_DPAT_PASSWORD": dpat.password,
    }
    result = run(dpat, "download", slide_id, "--dest", str(tmp_path), env=env)
    assert result.exit_code == 0, result.stderr
    assert dpat.password not in result.output
    assert dpat.request_count("createToken") == 1


def test_thumbnail(dpat: DPATSimulator, tmp_path: Path) -> None:
    slide_id = dpat.add_slide(width=3000, height=2000)
    out = tmp_path / "thumb.png"
    result = run(dpat, "thumbnail", slide_id, str(out), "--max-size", "200")
    assert result.exit_code == 0, result.output
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == (200, 133)
    assert [p.name for p in tmp_path.iterdir()] == ["thumb.png"]


def test_thumbnail_errors(dpat: DPATSimulator, tmp_path: Path) -> None:
    bad_type = run(dpat, "thumbnail", "s", str(tmp_path / "thumb.xyz"))
    assert bad_type.exit_code == 2
    assert "unknown image type '.xyz'" in bad_type.stderr
    missing = run(dpat, "thumbnail", "no-such-slide", str(tmp_path / "t.jpg"))
    assert missing.exit_code == 1
    assert "HTTP 404" in missing.stderr
    assert list(tmp_path.iterdir()) == []
