"""open_slide over a tifffile pyramid (OpenSlide and tiffslide) and over IA-API tiles; iter_patches grids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.errors import DPATError, DPATQueryError, DPATSlideFormatError
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.wsi import PatchGrid, RemoteSlide, iter_patches, open_slide
from sectra_dpat_client.wsi.readers import NativeSlide

from .slides import write_tiff_pyramid

W, H, MPP = 2048, 1536, 0.5
TISSUE = (512, 256, 1536, 1024)  # x0, y0, x1, y1 of the tissue rectangle, level-0 pixels


def base_image() -> np.ndarray:
    """White glass with a pink rectangle whose green channel encodes x and blue encodes y."""
    ys, xs = np.mgrid[0:H, 0:W]
    image = np.full((H, W, 3), 245, dtype=np.uint8)
    x0, y0, x1, y1 = TISSUE
    inside = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    image[inside, 0] = 200
    image[..., 1] = np.where(inside, (xs // 8) % 128, 245)
    image[..., 2] = np.where(inside, 100 + (ys // 8) % 128, 245)
    return image


@pytest.fixture(scope="module")
def pyramid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiff_pyramid(tmp_path_factory.mktemp("slides") / "slide.tiff", base_image(), mpp=MPP)


@pytest.mark.parametrize("backend", ["openslide", "tiffslide"])
def test_native_levels_mpp_and_pixels(pyramid: Path, backend: str) -> None:
    slide = open_slide(pyramid)
    if backend == "tiffslide":
        import tiffslide

        slide = NativeSlide(tiffslide.TiffSlide(pyramid), "tiffslide")
    assert isinstance(slide, NativeSlide)
    assert slide.backend == backend
    with slide:
        assert slide.level_dimensions == ((W, H), (W // 2, H // 2), (W // 4, H // 4))
        assert slide.mpp == pytest.approx(MPP)
        assert [slide.level_mpp(i) for i in range(3)] == pytest.approx([0.5, 1.0, 2.0])
        assert slide.level_for_mpp(1.0) == 1
        assert slide.level_for_mpp(1.9) == 1
        assert slide.level_for_mpp(5.0) == 2
        assert slide.level_for_mpp(0.1) == 0
        image = base_image()
        got = slide.read_region((700, 300), (100, 60))
        assert np.array_equal(got, image[300:360, 700:800])
        got = slide.read_region((700, 300), (50, 30), mpp=1.0)
        assert np.array_equal(got, image[::2, ::2][150:180, 350:400])
        assert max(slide.thumbnail(256).size) == 256


def test_bad_inputs(pyramid: Path, tmp_path: Path) -> None:
    junk = tmp_path / "notes.svs"
    junk.write_bytes(b"not a slide at all")
    with pytest.raises(DPATSlideFormatError):
        open_slide(junk)
    with pytest.raises(DPATQueryError):
        open_slide(tmp_path / "missing.tiff")
    with open_slide(pyramid) as slide:
        with pytest.raises(DPATQueryError):
            slide.read_region((0, 0), (0, 10))
        with pytest.raises(DPATQueryError):
            slide.read_region((0, 0), (10, 10), level=3)
        with pytest.raises(DPATQueryError):
            slide.read_region((0, 0), (10, 10), level=0, mpp=1.0)
        with pytest.raises(DPATError):
            PatchGrid(slide, size=64, overlap=64)


def test_grid_roi_tissue_and_resampling(pyramid: Path) -> None:
    with open_slide(pyramid) as slide:
        full = PatchGrid(slide, mpp=1.0, size=128, tissue=False)
        assert len(full) == 8 * 6  # 2048x1536 level-0 in 256-pixel steps
        assert full.level == 1
        tissue = PatchGrid(slide, mpp=1.0, size=128)
        x0, y0, x1, y1 = TISSUE
        inside = {(x, y) for x in range(0, W, 256) for y in range(0, H, 256) if x0 <= x < x1 and y0 <= y < y1}
        assert {tuple(c) for c in tissue.coords.tolist()} == inside
        # an ROI (normalised by width) over the left half of the tissue keeps only the patches centred there
        roi = [(x0 / W, y0 / W), (1024 / W, y0 / W), (1024 / W, y1 / W), (x0 / W, y1 / W)]
        left = PatchGrid(slide, mpp=1.0, size=128, roi=roi, tissue=False)
        assert {tuple(c) for c in left.coords.tolist()} == {(x, y) for x, y in inside if x < 1024}
        # a resolution between levels: read from level 1 (1.0 mpp) and resized
        odd = PatchGrid(slide, mpp=1.5, size=64, tissue=False)
        assert odd.level == 1
        assert odd.read_size == 96
        image, coords = odd[0]
        assert image.shape == (64, 64, 3)
        assert tuple(coords) == (0, 0)
        batches = list(iter_patches(slide, level=0, size=256, overlap=128, batch=5, tissue=False))
        total = sum(len(b.images) for b in batches)
        assert total == 16 * 12
        first = batches[0]
        assert first.images.shape == (5, 256, 256, 3)
        assert first.images.dtype == np.uint8
        assert np.array_equal(first.coords[1], [128, 0])
        assert np.allclose(first.normalized, first.coords / W)
        assert np.array_equal(first.images[1], base_image()[0:256, 128:384])


def test_remote_slide_matches_client_read_region(dpat: DPATSimulator, client: DPATAIClient) -> None:
    sid = dpat.add_slide(width=3000, height=2000, tile_size=256, microns_per_pixel=0.25)
    slide = open_slide(client, sid)
    assert isinstance(slide, RemoteSlide)
    assert slide.dimensions == (3000, 2000)
    assert slide.level_mpp(2) == pytest.approx(1.0)
    assert slide.level_for_mpp(1.2) == 2
    expected = client.read_region(sid, 1000, 700, 300, 200, mpp=1.0)
    assert np.array_equal(slide.read_region((1000, 700), (300, 200), mpp=1.0), expected)
    grid = PatchGrid(slide, mpp=1.0, size=128)
    assert 0 < len(grid) < len(PatchGrid(slide, mpp=1.0, size=128, tissue=False))
    batches = list(iter_patches(slide, mpp=1.0, size=128, batch=8))
    assert sum(len(b.coords) for b in batches) == len(grid)
    x, y = (int(v) for v in batches[0].coords[0])
    assert np.array_equal(batches[0].images[0], client.read_region(sid, x, y, 128, 128, level=10))
    assert "label" in slide.associated_images
