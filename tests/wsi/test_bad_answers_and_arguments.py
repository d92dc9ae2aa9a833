"""A server's impossible image info is a `DPATResponseError`; bad caller arguments are a `DPATQueryError`."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sectra_dpat_client._core.tile_format import tile_extension
from sectra_dpat_client.ai import AsyncDPATAIClient, DPATAIClient, ImageInfo, tiles
from sectra_dpat_client.errors import DPATQueryError, DPATResponseError
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.wsi import regions, stitching
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry
from sectra_dpat_client.wsi.regions import read_region, read_region_async

from .test_regions_unit import AsyncFakeTiles, FakeTiles

_IMAGE_INFO_REST: dict[str, Any] = {
    "focalPlanes": [],
    "opticalPaths": [],
    "storedTileFormat": {"mimeType": "image/jp2", "extension": "jp2"},
    "fileFormat": {"mimeType": "image/tiff"},
    "staining": {"displayName": "HE"},
    "block": {"displayName": "1"},
}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tile_size": 0}, "tile size must be positive integers, got 0x0"),
        ({"width": 0}, "image size must be positive integers, got 0x"),
        ({"height": 0}, "image size must be positive integers"),
        ({"microns_per_pixel": -0.25}, "microns per pixel must be a positive number, got -0.25"),
    ],
)
async def test_impossible_image_info_over_http_is_a_response_error(
    dpat: DPATSimulator, client: DPATAIClient, aclient: AsyncDPATAIClient, overrides: dict[str, Any], message: str
) -> None:
    slide_id = dpat.add_slide(**{"width": 3000, "height": 2000, "microns_per_pixel": 0.25, **overrides})
    calls = [
        lambda: client.read_region(slide_id, 0, 0, 10, 10),
        lambda: client.get_thumbnail(slide_id, 64),
    ]
    for call in calls:
        with pytest.raises(DPATResponseError, match=message) as info:
            call()
        assert not isinstance(info.value, ValueError)
        assert info.value.path == "/slides/{slideId}/info"
    with pytest.raises(DPATResponseError, match=message):
        await aclient.read_region(slide_id, 0, 0, 10, 10)
    with pytest.raises(DPATResponseError, match=message):
        await aclient.get_thumbnail(slide_id, 64)
    assert dpat.request_count("getTile") == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"tile_size": SimpleNamespace(width=0, height=256)},
        {"image_size": SimpleNamespace(width=100, height=0)},
        {"microns_per_pixel": float("nan")},
        {"microns_per_pixel": float("inf")},
        {"microns_per_pixel": -1.0},
        {"image_size": SimpleNamespace(width=100.5, height=10)},
        {"image_size": None},
    ],
)
async def test_impossible_image_info_from_any_client_is_a_response_error(bad: dict[str, Any]) -> None:
    source, async_source = FakeTiles(), AsyncFakeTiles()
    for fake in (source, async_source):
        for name, value in bad.items():
            setattr(fake.info, name, value)
    with pytest.raises(DPATResponseError, match="describes no usable pyramid"):
        read_region(source, "s", 0, 0, 10, 10)
    with pytest.raises(DPATResponseError, match="describes no usable pyramid"):
        regions.get_thumbnail(source, "s", 32)
    with pytest.raises(DPATResponseError, match="describes no usable pyramid"):
        await read_region_async(async_source, "s", 0, 0, 10, 10)
    with pytest.raises(DPATResponseError, match="describes no usable pyramid"):
        await regions.get_thumbnail_async(async_source, "s", 32)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, 0, 0, 10), {}, "width must be a positive integer"),
        ((0, 0, 10, True), {}, "height must be a positive integer"),
        ((0, 0, 10, 10), {"level": 3, "mpp": 1.0}, "either level or mpp"),
        ((0, 0, 10, 10), {"level": 11}, "level 11 does not exist"),
        ((0, 0, 10, 10), {"level": 2.5}, "level 2.5 does not exist"),
        ((0, 0, 10, 10), {"mpp": float("nan")}, "mpp must be a positive number"),
        ((0, 0, 10, 10), {"mpp": "1"}, "mpp must be a positive number"),
        ((float("nan"), 0, 10, 10), {}, "x must be a finite number"),
        ((0, "1", 10, 10), {}, "y must be a number"),
        ((700, 0, 10, 10), {}, "outside the image"),
        ((0, 0, 10, 10), {"max_concurrency": 0}, "max_concurrency must be a positive integer"),
    ],
)
async def test_bad_arguments_are_query_errors(args: tuple[Any, ...], kwargs: dict[str, Any], message: str) -> None:
    async_source, source = AsyncFakeTiles(), FakeTiles()
    with pytest.raises(DPATQueryError, match=message):
        await read_region_async(async_source, "s", *args, **kwargs)
    with pytest.raises(DPATQueryError, match=message):
        read_region(source, "s", *args, **kwargs)
    assert [r for r in source.requests + async_source.requests if r[0] == "tile"] == []


@pytest.mark.parametrize("max_size", [0, -3, 2.5, True])
async def test_bad_thumbnail_size_is_a_query_error(max_size: Any) -> None:
    with pytest.raises(DPATQueryError, match="max_size must be a positive integer"):
        regions.get_thumbnail(FakeTiles(), "s", max_size)
    with pytest.raises(DPATQueryError, match="max_size must be a positive integer"):
        await regions.get_thumbnail_async(AsyncFakeTiles(), "s", max_size)


def test_user_built_geometry_errors_are_query_errors() -> None:
    with pytest.raises(DPATQueryError, match="tile size"):
        DeepZoomGeometry(10, 10, 0, 10)
    with pytest.raises(DPATQueryError, match="microns per pixel"):
        DeepZoomGeometry(10, 10, 1, 1, float("nan"))


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [([".jpeg", "png"], "jpeg"), (["", "png"], "png"), ([".", ".png"], "png"), (["jpg"], "jpg"), ([], "jpg")],
)
def test_one_tile_format_rule_for_the_client_and_regions(extensions: list[str], expected: str) -> None:
    assert tiles.tile_extension is tile_extension is stitching.tile_extension  # one function, not two copies
    info = ImageInfo.from_dict(
        {
            "id": "s",
            "isStreamable": True,
            "imageSize": {"width": 700, "height": 450},
            "tileSize": {"width": 128, "height": 128},
            "micronsPerPixel": 0.5,
            "availableTileFormats": [{"mimeType": "image/jpeg", "extension": e} for e in extensions],
        }
        | _IMAGE_INFO_REST
    )
    assert tiles.tile_extension(info) == expected
    assert regions.tile_format(info, None) == expected
    source = FakeTiles()
    source.info.available_tile_formats = info.available_tile_formats
    read_region(source, "s", 0, 0, 10, 10)
    formats = {dict(r[5])["fmt"] for r in source.requests if r[0] == "tile"}
    assert formats == {expected}  # tile URLs end in 0_0.jpeg, never 0_0..jpeg or 0_0.
