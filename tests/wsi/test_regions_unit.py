"""Region planning and stitching against an in-memory tile source (the simulator tests cover real HTTP)."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image

from sectra_dpat_client.errors import DPATResponseError
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry, PixelBox
from sectra_dpat_client.wsi.regions import (
    decode_label,
    get_thumbnail,
    get_thumbnail_async,
    plan_region,
    read_region,
    read_region_async,
)

WIDTH, HEIGHT, TILE = 700, 450, 128


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "PNG")
    return out.getvalue()


class FakeTiles:
    """Every level is its own random image; tiles are PNG cuts of it. Counts tile requests."""

    def __init__(self, *, tile_override: dict[tuple[int, int, int], bytes] | None = None) -> None:
        self.geometry = DeepZoomGeometry(WIDTH, HEIGHT, TILE, TILE, 0.5)
        rng = np.random.default_rng(7)
        self.levels = {
            level: rng.integers(0, 256, (*self.geometry.level_size(level)[::-1], 3), dtype=np.uint8)
            for level in range(self.geometry.level_count)
        }
        self.info = SimpleNamespace(
            image_size=SimpleNamespace(width=WIDTH, height=HEIGHT),
            tile_size=SimpleNamespace(width=TILE, height=TILE),
            microns_per_pixel=0.5,
            available_tile_formats=[SimpleNamespace(extension="png")],
            is_streamable=True,
        )
        self.requests: list[tuple[Any, ...]] = []
        self.override = tile_override or {}

    def get_image_info(self, slide_id: str) -> Any:
        self.requests.append(("info", slide_id))
        return self.info

    def get_tile(self, slide_id: str, level: int, col: int, row: int, **options: Any) -> bytes:
        self.requests.append(("tile", slide_id, level, col, row, tuple(sorted(options.items()))))
        if (level, col, row) in self.override:
            return self.override[(level, col, row)]
        box = self.geometry.tile_box(level, col, row)
        return png(self.levels[level][box.y : box.y + box.height, box.x : box.x + box.width])


class AsyncFakeTiles(FakeTiles):
    async def get_image_info(self, slide_id: str) -> Any:  # type: ignore[override]
        return FakeTiles.get_image_info(self, slide_id)

    async def get_tile(self, slide_id: str, level: int, col: int, row: int, **options: Any) -> bytes:  # type: ignore[override]
        return FakeTiles.get_tile(self, slide_id, level, col, row, **options)


def tiles_requested(source: FakeTiles) -> list[tuple[int, int, int]]:
    return sorted((r[2], r[3], r[4]) for r in source.requests if r[0] == "tile")


@pytest.mark.parametrize(
    ("x", "y", "w", "h", "level"),
    [(0, 0, 700, 450, 10), (100, 50, 300, 200, 10), (127, 127, 2, 2, 10), (256, 0, 128, 128, 10), (40, 20, 100, 80, 9)],
)
def test_region_equals_the_level_image_and_fetches_only_needed_tiles(
    x: int, y: int, w: int, h: int, level: int
) -> None:
    source = FakeTiles()
    region = read_region(source, "s", x, y, w, h, level=level)
    factor = source.geometry.downsample(level)
    lx, ly = x // factor, y // factor
    assert region.shape == (h, w, 3)
    assert region.dtype == np.uint8
    assert np.array_equal(region, source.levels[level][ly : ly + h, lx : lx + w])
    expected = sorted((level, c, r) for c, r in source.geometry.tiles_in(level, PixelBox(lx, ly, w, h)))
    assert tiles_requested(source) == expected


async def test_async_region_matches_sync_and_fetches_the_same_tiles() -> None:
    sync_source, async_source = FakeTiles(), AsyncFakeTiles()
    kwargs: dict[str, Any] = {"mpp": 1.0, "focal_plane": "0", "optical_path": "0"}
    expected = read_region(sync_source, "s", 33, 44, 250, 170, **kwargs)
    got = await read_region_async(async_source, "s", 33, 44, 250, 170, max_concurrency=2, **kwargs)
    assert np.array_equal(got, expected)
    assert sorted(async_source.requests, key=repr) == sorted(sync_source.requests, key=repr)
    assert ("tile", "s", 9, 0, 0, (("fmt", "png"), ("focal_plane", "0"), ("optical_path", "0"))) in sync_source.requests


def test_region_outside_the_image_is_padded_with_zeros() -> None:
    source = FakeTiles()
    region = read_region(source, "s", 650, 400, 100, 100)
    assert np.array_equal(region[:50, :50], source.levels[10][400:450, 650:700])
    assert not region[50:].any()
    assert not region[:, 50:].any()


def test_info_passed_in_saves_the_info_request() -> None:
    source = FakeTiles()
    read_region(source, "s", 0, 0, 10, 10, info=source.info, fmt="jpg")
    assert [r[0] for r in source.requests] == ["tile"]
    assert dict(source.requests[0][5])["fmt"] == "jpg"


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, 0, 0, 10), {}, "width must be a positive integer"),
        ((0, 0, 10, -1), {}, "height must be a positive integer"),
        ((0, 0, 10.5, 10), {}, "width must be a positive integer"),
        ((0, 0, 10, 10), {"level": 3, "mpp": 1.0}, "either level or mpp"),
        ((0, 0, 10, 10), {"level": 11}, "level 11 does not exist"),
        ((700, 0, 10, 10), {}, "outside the image"),
        ((-100, -100, 10, 10), {}, "outside the image"),
        ((0, 0, 10, 10), {"mpp": -1.0}, "mpp must be a positive number"),
    ],
)
def test_bad_regions_are_refused_before_any_tile(args: tuple[Any, ...], kwargs: dict[str, Any], message: str) -> None:
    source = FakeTiles()
    with pytest.raises(ValueError, match=message):
        read_region(source, "s", *args, **kwargs)
    assert tiles_requested(source) == []


def test_plan_picks_the_level_for_mpp() -> None:
    g = DeepZoomGeometry(WIDTH, HEIGHT, TILE, TILE, 0.5)
    assert plan_region(g, 0, 0, 5, 5, mpp=0.5).level == 10
    assert plan_region(g, 0, 0, 5, 5, mpp=1.5).level == 9
    assert plan_region(g, 0, 0, 5, 5).level == 10


def test_tile_of_the_wrong_size_is_a_response_error() -> None:
    wrong = png(np.zeros((100, 100, 3), dtype=np.uint8))
    source = FakeTiles(tile_override={(10, 0, 0): wrong})
    with pytest.raises(DPATResponseError, match=r"tile 0_0 of level 10 is 100x100 pixels, expected 128x128"):
        read_region(source, "s", 0, 0, 10, 10)


def test_undecodable_tile_is_a_response_error() -> None:
    source = FakeTiles(tile_override={(10, 1, 0): b"<html>not an image</html>"})
    with pytest.raises(DPATResponseError, match="tile 1_0 of level 10 is not a decodable image"):
        read_region(source, "s", 100, 0, 100, 10)


async def test_thumbnail_sync_and_async() -> None:
    source, async_source = FakeTiles(), AsyncFakeTiles()
    thumb = get_thumbnail(source, "s", 200)
    assert thumb.size == (200, 129)
    assert {r[2] for r in source.requests if r[0] == "tile"} == {9}  # 350x225 is the smallest level >= 200
    async_thumb = await get_thumbnail_async(async_source, "s", 200)
    assert np.array_equal(np.asarray(thumb), np.asarray(async_thumb))
    with pytest.raises(ValueError, match="max_size"):
        get_thumbnail(source, "s", 0)


def test_decode_label() -> None:
    assert decode_label(None) is None
    assert decode_label(b"") is None
    label = decode_label(png(np.full((30, 40, 3), 200, dtype=np.uint8)))
    assert label is not None
    assert label.size == (40, 30)
    with pytest.raises(DPATResponseError, match="slide label is not a decodable image"):
        decode_label(b"garbage")


def test_a_slide_that_is_not_streamable_is_refused_before_any_tile() -> None:
    source = FakeTiles()
    source.info.is_streamable = False
    with pytest.raises(DPATResponseError, match="isStreamable: false"):
        read_region(source, "s", 0, 0, 10, 10)
    assert tiles_requested(source) == []


@pytest.mark.parametrize(("dw", "dh"), [(1, 0), (0, 1), (-1, -1), (1, 1)])
def test_edge_tiles_one_pixel_off_are_fitted(dw: int, dh: int) -> None:
    """Servers that round level sizes up send edge tiles one pixel larger; the line is cropped or repeated."""
    plain = FakeTiles()
    g = plain.geometry
    cols, rows = g.tile_grid(10)
    edge = g.tile_box(10, cols - 1, rows - 1)
    pixels = plain.levels[10][edge.y : edge.y + edge.height, edge.x : edge.x + edge.width]
    resized = np.pad(pixels, ((0, max(dh, 0)), (0, max(dw, 0)), (0, 0)), mode="constant", constant_values=7)
    resized = resized[: edge.height + dh, : edge.width + dw]
    source = FakeTiles(tile_override={(10, cols - 1, rows - 1): png(resized)})
    region = read_region(source, "s", edge.x, edge.y, edge.width, edge.height)
    expected = np.pad(
        pixels[: edge.height + min(dh, 0), : edge.width + min(dw, 0)],
        ((0, -min(dh, 0)), (0, -min(dw, 0)), (0, 0)),
        mode="edge",
    )
    assert np.array_equal(region, expected)


def test_inner_tiles_must_match_exactly() -> None:
    wrong = png(np.zeros((128, 127, 3), dtype=np.uint8))
    with pytest.raises(DPATResponseError, match="is 127x128 pixels, expected 128x128"):
        read_region(FakeTiles(tile_override={(10, 0, 0): wrong}), "s", 0, 0, 10, 10)


def test_tile_errors_name_the_tile_template_of_the_request() -> None:
    """A region read in a focal plane fetched getTileInFocalPlane tiles: its errors name that template."""
    bad = {(10, 1, 0): b"<html>not an image</html>"}
    with pytest.raises(DPATResponseError, match="tile 1_0 of level 10") as plain:
        read_region(FakeTiles(tile_override=bad), "s", 100, 0, 100, 10)
    assert plain.value.path == "/images/{slideId}_files/{level}/{col}_{row}.{ext}"
    assert str(plain.value).startswith("GET /images/{slideId}_files/{level}/{col}_{row}.{ext}: ")
    with pytest.raises(DPATResponseError, match="tile 1_0 of level 10") as focal:
        read_region(FakeTiles(tile_override=bad), "s", 100, 0, 100, 10, focal_plane="1")
    assert focal.value.path == "/images/{slideId}_files/{level}/{col}_{row}_{focalPlane}.{ext}"
    wrong = png(np.zeros((100, 100, 3), dtype=np.uint8))
    with pytest.raises(DPATResponseError, match="100x100 pixels") as sized:
        read_region(FakeTiles(tile_override={(10, 0, 0): wrong}), "s", 0, 0, 10, 10, focal_plane="m1")
    assert sized.value.path == "/images/{slideId}_files/{level}/{col}_{row}_{focalPlane}.{ext}"


def test_label_and_image_info_errors_name_their_operation() -> None:
    with pytest.raises(DPATResponseError) as label:
        decode_label(b"garbage")
    assert str(label.value).startswith("GET /slides/{slideId}/label: ")
    with pytest.raises(DPATResponseError, match="no usable pyramid") as info:
        DeepZoomGeometry.from_image_info(SimpleNamespace(image_size=None, tile_size=None, microns_per_pixel=0))  # type: ignore[arg-type]
    assert str(info.value).startswith("GET /slides/{slideId}/info: ")
    assert info.value.path == "/slides/{slideId}/info"
