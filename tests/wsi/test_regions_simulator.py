"""Regions, thumbnails and labels over real HTTP, compared pixel for pixel with the simulator's source image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient
from sectra_dpat_client.errors import DPATNotFoundError, DPATResponseError
from sectra_dpat_client.simulator import DPATSimulator, synthetic
from sectra_dpat_client.wsi import DeepZoomGeometry, decode_label


def source(dpat: DPATSimulator, slide_id: str, level: int, x: int, y: int, w: int, h: int, **kw: int) -> np.ndarray:
    """The simulator's own rendering of a level rectangle (clipped to the level), losslessly."""
    slide = dpat.slide(slide_id)
    lw, lh = synthetic.level_size(slide.width, slide.height, level)
    w, h = min(w, lw - x), min(h, lh - y)
    geometry = synthetic.TileGeometry(level, x, y, w, h, lw, lh)
    return np.asarray(Image.open(io.BytesIO(synthetic.render_tile(slide, geometry, ext="png", **kw))).convert("RGB"))


@pytest.fixture
def slide_id(dpat: DPATSimulator) -> str:
    return dpat.add_slide(width=3000, height=2000, tile_size=256, microns_per_pixel=0.25)


@pytest.mark.parametrize(
    ("x", "y", "w", "h", "level"),
    [
        (1000, 700, 300, 200, 12),  # full resolution, across tile borders
        (0, 0, 256, 256, 12),  # exactly one tile
        (2900, 1900, 100, 100, 12),  # the corner tile (smaller than 256)
        (512, 256, 700, 500, 11),  # half resolution, x/y in full-resolution pixels
        (0, 0, 93, 62, 7),  # a whole small level (3000x2000 / 32, floored)
    ],
)
def test_region_matches_the_source_pixel_for_pixel(
    dpat: DPATSimulator, client: DPATAIClient, slide_id: str, x: int, y: int, w: int, h: int, level: int
) -> None:
    region = client.read_region(slide_id, x, y, w, h, level=level, fmt="png")
    factor = 2 ** (12 - level)
    assert region.shape == (h, w, 3)
    assert np.array_equal(region, source(dpat, slide_id, level, x // factor, y // factor, w, h))


def test_region_fetches_only_the_tiles_it_needs(dpat: DPATSimulator, client: DPATAIClient, slide_id: str) -> None:
    client.get_image_info(slide_id)
    before = dpat.request_count("getTile")
    client.read_region(slide_id, 250, 250, 10, 10, fmt="png")  # touches the corner of 4 tiles
    assert dpat.request_count("getTile") - before == 4
    tiles = sorted(r.path.rsplit("/", 1)[1] for r in dpat.requests if r.operation_id == "getTile")
    assert tiles == ["0_0.png", "0_1.png", "1_0.png", "1_1.png"]


def test_region_by_mpp_uses_the_matching_level(dpat: DPATSimulator, client: DPATAIClient, slide_id: str) -> None:
    region = client.read_region(slide_id, 1000, 1000, 200, 150, mpp=1.0, fmt="png")
    assert np.array_equal(region, source(dpat, slide_id, 10, 250, 250, 200, 150))
    assert {r.path.split("/")[-2] for r in dpat.requests if r.operation_id == "getTile"} == {"10"}


def test_region_beyond_the_edge_is_zero_padded(dpat: DPATSimulator, client: DPATAIClient, slide_id: str) -> None:
    region = client.read_region(slide_id, 2950, 1980, 100, 50, fmt="png")
    assert np.array_equal(region[:20, :50], source(dpat, slide_id, 12, 2950, 1980, 50, 20))
    assert not region[20:].any()
    assert not region[:, 50:].any()


async def test_async_region_equals_sync_and_fetches_concurrently(
    dpat: DPATSimulator, client: DPATAIClient, aclient: AsyncDPATAIClient, slide_id: str
) -> None:
    dpat.faults.latency("getTile", 0.05)
    expected = client.read_region(slide_id, 100, 100, 900, 600, fmt="png")
    got = await aclient.read_region(slide_id, 100, 100, 900, 600, fmt="png")
    assert np.array_equal(got, expected)


def test_focal_plane_and_optical_path_reach_the_server(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.add_slide(
        width=1000,
        height=800,
        focal_planes=(("0", 0.0), ("p1", 1.5)),
        optical_paths=(("0", "DAPI"), ("1", "FITC")),
    )
    region = client.read_region(slide_id, 100, 100, 300, 300, focal_plane="p1", optical_path="1", fmt="png")
    assert np.array_equal(region, source(dpat, slide_id, 10, 100, 100, 300, 300, focal_plane=1, optical_path=1))
    default = client.read_region(slide_id, 100, 100, 300, 300, fmt="png")
    assert not np.array_equal(region, default)


def test_jpeg_tiles_are_close_to_the_source(dpat: DPATSimulator, client: DPATAIClient, slide_id: str) -> None:
    region = client.read_region(slide_id, 1000, 700, 300, 200).astype(int)  # the server's first format: jpg
    diff = np.abs(region - source(dpat, slide_id, 12, 1000, 700, 300, 200).astype(int))
    assert diff.mean() < 4


async def test_thumbnail_is_the_scaled_source(
    dpat: DPATSimulator, client: DPATAIClient, aclient: AsyncDPATAIClient, slide_id: str
) -> None:
    thumb = client.get_thumbnail(slide_id, 300, fmt="png")
    assert thumb.size == (300, 200)
    geometry = DeepZoomGeometry(3000, 2000, 256, 256)
    level = geometry.level_for_size(300)
    expected = Image.fromarray(source(dpat, slide_id, level, 0, 0, *geometry.level_size(level)))
    expected.thumbnail((300, 300), Image.Resampling.LANCZOS)
    assert np.array_equal(np.asarray(thumb), np.asarray(expected))
    async_thumb = await aclient.get_thumbnail(slide_id, 300, fmt="png")
    assert np.array_equal(np.asarray(async_thumb), np.asarray(thumb))


def test_label_helper(dpat: DPATSimulator, client: DPATAIClient) -> None:
    with_label = dpat.add_slide(has_label=True)
    without = dpat.add_slide(has_label=False)
    label = decode_label(client.get_label(with_label))
    assert label is not None
    assert label.size == (400, 300)
    assert decode_label(client.get_label(without)) is None


def test_not_streamable_slide_is_a_clear_error(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.add_slide(is_streamable=False)
    with pytest.raises(DPATResponseError, match="isStreamable"):
        client.get_thumbnail(slide_id, 64)
    assert dpat.request_count("getTile") == 0


def test_unknown_slide_is_not_found(client: DPATAIClient) -> None:
    with pytest.raises(DPATNotFoundError):
        client.read_region("missing", 0, 0, 10, 10)
