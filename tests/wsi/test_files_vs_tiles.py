"""The simulator serves real slides (add_slide(path=...)); the same patches read from files and from tiles agree.

Slides are written by the tests: a tiled pyramidal TIFF (tifffile) and DICOM WSI instances (pydicom),
with a known pattern (the green channel encodes x, the blue channel y inside a tissue rectangle).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATQueryError
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.simulator.pyramid import SlidePathError
from sectra_dpat_client.wsi import AsyncRemoteSlide, PatchGrid, RemoteSlide, aiter_patches, iter_patches, open_slide
from sectra_dpat_client.wsi.readers import DicomSlide, NativeSlide

from .slides import write_dicom_wsi, write_tiff_pyramid
from .test_slide_patches import MPP, TISSUE, H, W, base_image

JPEG_MEAN, JPEG_MAX = 2.5, 48  # what a quality-90 JPEG tile may change


@pytest.fixture(scope="module")
def tiff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiff_pyramid(tmp_path_factory.mktemp("tiff") / "slide.tiff", base_image(), mpp=MPP)


@pytest.fixture(scope="module")
def dicom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dicom") / "slide"
    write_dicom_wsi(folder, base_image(), mpp=MPP)
    return folder


def close_enough(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    assert diff.mean() < JPEG_MEAN, diff.mean()
    assert diff.max() < JPEG_MAX, diff.max()


@pytest.mark.parametrize("kind", ["tiff", "dicom"])
def test_files_and_tiles_give_the_same_patches(
    kind: str, tiff: Path, dicom: Path, dpat: DPATSimulator, client: DPATAIClient, tmp_path: Path
) -> None:
    source = tiff if kind == "tiff" else dicom
    sid = dpat.add_slide(path=source)
    info = client.get_image_info(sid)
    assert (info.image_size.width, info.image_size.height) == (W, H)
    assert info.microns_per_pixel == pytest.approx(MPP)

    files = client.download_slide_files(sid, tmp_path / "download")
    originals = sorted(source.iterdir()) if source.is_dir() else [source]
    assert sorted(p.name for p in files) == [p.name for p in originals]
    for original in originals:
        downloaded = tmp_path / "download" / original.name
        assert hashlib.sha256(downloaded.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()

    local = open_slide(tmp_path / "download" if kind == "dicom" else files[0])
    assert isinstance(local, DicomSlide if kind == "dicom" else NativeSlide)
    remote = open_slide(client, sid)
    assert isinstance(remote, RemoteSlide)
    with local:
        assert local.level_dimensions[:3] == remote.level_dimensions[:3]
        assert np.array_equal(local.read_region((700, 300), (100, 60)), base_image()[300:360, 700:800])
        for level in (0, 1, 2):
            close_enough(
                remote.read_region((600, 260), (160, 90), level=level),
                local.read_region((600, 260), (160, 90), level=level),
            )
        # the same grid (mpp picks level 1 on both), the same patches in the same order
        options = {"mpp": 1.0, "size": 128, "batch": 7}
        from_files = list(iter_patches(local, **options))
        from_tiles = list(iter_patches(remote, **options))
        assert PatchGrid(local, mpp=1.0, size=128).level == PatchGrid(remote, mpp=1.0, size=128).level == 1
        assert [b.coords.tolist() for b in from_files] == [b.coords.tolist() for b in from_tiles]
        for a, b in zip(from_files, from_tiles, strict=True):
            close_enough(a.images, b.images)


def test_roi_and_tissue_select_the_expected_patches_over_tiles(
    tiff: Path, dpat: DPATSimulator, client: DPATAIClient
) -> None:
    sid = dpat.add_slide(path=tiff)
    slide = open_slide(client, sid)
    x0, y0, x1, y1 = TISSUE
    inside = {(x, y) for x in range(0, W, 256) for y in range(0, H, 256) if x0 <= x < x1 and y0 <= y < y1}
    assert {tuple(c) for c in PatchGrid(slide, mpp=1.0, size=128).coords.tolist()} == inside
    roi = [(x0 / W, y0 / W), (1024 / W, y0 / W), (1024 / W, y1 / W), (x0 / W, y1 / W)]
    left = PatchGrid(slide, mpp=1.0, size=128, roi=roi, tissue=False)
    assert {tuple(c) for c in left.coords.tolist()} == {(x, y) for x, y in inside if x < 1024}


async def test_async_patches_over_tiles_match_the_files(
    tiff: Path, dpat: DPATSimulator, aclient: AsyncDPATAIClient
) -> None:
    sid = dpat.add_slide(path=tiff)
    slide = await AsyncRemoteSlide.open(aclient, sid)
    assert slide.level_dimensions[:3] == ((W, H), (W // 2, H // 2), (W // 4, H // 4))
    with pytest.raises(DPATQueryError):
        slide.read_region((0, 0), (10, 10))
    batches = [b async for b in aiter_patches(slide, level=0, size=256, batch=5, concurrency=4, prefetch=2)]
    with open_slide(tiff) as local:
        expected = list(iter_patches(local, level=0, size=256, batch=5))
    assert [b.coords.tolist() for b in batches] == [b.coords.tolist() for b in expected]
    assert sum(len(b.coords) for b in batches) > 0
    for a, b in zip(batches, expected, strict=True):
        close_enough(a.images, b.images)
        assert np.allclose(a.normalized, a.coords / W)


async def test_async_patches_stop_cleanly_when_the_consumer_stops(
    tiff: Path, dpat: DPATSimulator, aclient: AsyncDPATAIClient
) -> None:
    sid = dpat.add_slide(path=tiff)
    slide = await AsyncRemoteSlide.open(aclient, sid)
    before = len(dpat.requests)
    stream = aiter_patches(slide, level=0, size=128, batch=4, prefetch=1, tissue=False)
    first = await anext(stream)
    assert first.images.shape == (4, 128, 128, 3)
    await stream.aclose()
    tiles = sum(1 for r in dpat.requests[before:] if "/tiles/" in r.path)
    # read-ahead is bounded: at most the first batch and one prefetched batch (4 tiles each at level 0)
    assert tiles <= 8 + 4, tiles
    with pytest.raises(DPATQueryError):
        await anext(aiter_patches(slide, batch=0))


def test_add_slide_path_errors(tmp_path: Path, dpat: DPATSimulator) -> None:
    with pytest.raises(SlidePathError, match="no such file"):
        dpat.add_slide(path=tmp_path / "missing.tiff")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SlidePathError, match="empty"):
        dpat.add_slide(path=tmp_path / "empty")
    junk = tmp_path / "junk.tiff"
    junk.write_bytes(b"not an image")
    with pytest.raises(SlidePathError, match=r"junk\.tiff"):
        dpat.add_slide(path=junk)
