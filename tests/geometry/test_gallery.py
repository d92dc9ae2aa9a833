"""Patch galleries from (region, class, score) items: spec-valid content, typed errors, simulator round trip."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point, Polygon, box

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.geometry import DPATGeometryError, from_patches, to_patches
from sectra_dpat_client.models import PatchAction, Result, ResultData, Status
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.validate import validate
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

SLIDE = DeepZoomGeometry(width=2000, height=1500, tile_width=256, tile_height=256, microns_per_pixel=0.25)
LEVEL = SLIDE.top_level - 1  # 1000 x 750


def test_items_become_patches_at_their_centres_with_the_gallery_tags() -> None:
    items = [
        (box(100, 100, 228, 228), "Tumor", 0.97),  # a shapely box: its centre, side 128
        ((600.0, 300.0, 700.0, 400.0), 1, 0.5),  # an (x0, y0, x1, y1) box, class by index
        ((999.0, 749.0), "Other", -2.0),  # an (x, y) centre
    ]
    content = from_patches(SLIDE, items, tags=["Tumor", "Stroma", "Other"], level=LEVEL, description="Check")
    data = content.to_dict()
    validate(data, "ResultContent")
    assert data["type"] == "patchCollection"
    gallery = data["content"]
    assert gallery["tags"] == ["Tumor", "Stroma", "Other"]
    assert [p["tag"] for p in gallery["patches"]] == [0, 1, 2]
    assert [p["sortKeyValue"] for p in gallery["patches"]] == [0.97, 0.5, -2.0]
    # level-L pixel (x, y) -> full resolution 2x -> / width 2000
    assert gallery["patches"][0]["position"] == {"x": 164 * 2 / 2000, "y": 164 * 2 / 2000}
    assert gallery["patchSize"] == 128  # the largest region side
    assert gallery["magnification"] == pytest.approx(20.0)  # 10x at 1 um/px; level mpp 0.5
    assert gallery["description"] == "Check"
    # default analysed area: the whole image
    corners = {(p["x"], p["y"]) for p in gallery["polygons"][0]["points"]}
    assert corners == {(0.0, 0.0), (1.0, 0.0), (1.0, 0.75), (0.0, 0.75)}
    back = to_patches(SLIDE, content, level=LEVEL)
    assert back == [((164.0, 164.0), "Tumor", 0.97), ((650.0, 350.0), "Stroma", 0.5), ((999.0, 749.0), "Other", -2.0)]


def test_options_statuses_actions_and_an_area_with_a_hole() -> None:
    area = Polygon([(0, 0), (500, 0), (500, 500), (0, 500)], [[(100, 100), (200, 100), (200, 200), (100, 200)]])
    content = from_patches(
        SLIDE,
        [((50, 50), "A", 1)],
        tags=["A", "B"],
        patch_size=64,
        magnification=2.5,
        polygons=[area],
        statuses={"allowVerify": Status(value=True, message="Ready")},
        actions=[PatchAction(id="send", state=0, name="Send feedback")],
    )
    gallery = content.to_dict()["content"]
    assert gallery["patchSize"] == 64
    assert gallery["magnification"] == 2.5
    assert gallery["statuses"] == {"allowVerify": {"value": True, "message": "Ready"}}
    assert gallery["actions"] == [{"id": "send", "state": 0, "name": "Send feedback"}]
    assert len(gallery["polygons"]) == 1
    assert len(gallery["polygons"][0]["points"]) == 4 + 4 + 2


@pytest.mark.parametrize(
    ("items", "options", "match"),
    [
        ([((1, 1), "X", 0.5)], {}, r"patches\[0\]: class 'X' is not one of the tags"),
        ([((1, 1), 2, 0.5)], {}, r"patches\[0\]: tag index 2"),
        ([((1, 1), True, 0.5)], {}, r"patches\[0\]: a class is a tag name or index"),
        ([((1, 1), "A", math.nan)], {}, r"patches\[0\]: score must be a finite number"),
        ([((1, 1), "A", "high")], {}, r"patches\[0\]: score must be a finite number"),
        ([((1, 1), "A")], {}, r"patches\[0\]: expected a \(region, class, score\) triple"),
        ([((1, 2, 3), "A", 0.5)], {}, r"patches\[0\]: a region is"),
        ([((5, 5, 1, 1), "A", 0.5)], {}, r"patches\[0\]: box .* x1 < x0"),
        ([(Point(1, 1).buffer(0).buffer(-5), "A", 0.5)], {}, r"patches\[0\]: empty region"),
        ([((10, 10), "A", 0.5), ((1001, 10), "A", 0.5)], {}, r"patches\[1\]: centre .* off the 1000 x 750 image"),
        ([((1, 1), "A", 0.5)], {"tags": []}, "1 to 5 tags, got 0"),
        ([((1, 1), "A", 0.5)], {"tags": list("ABCDEF")}, "1 to 5 tags, got 6"),
        ([((1, 1), "A", 0.5)], {"tags": ["A", "A"]}, "distinct"),
        ([((1, 1), "A", 0.5)], {"tags": "AB"}, "sequence of strings"),
        ([((1, 1), "A", 0.5)], {"patch_size": None}, "pass patch_size"),
        ([((1, 1), "A", 0.5)], {"patch_size": 0}, "patch_size must be a positive integer"),
        ([((1, 1), "A", 0.5)], {"magnification": -1.0}, "magnification must be a positive number"),
        ([((1, 1), "A", 0.5)], {"polygons": [Point(3, 3)]}, r"polygons\[0\]: a gallery's area is polygons"),
    ],
)
def test_bad_items_and_options_are_typed_errors_naming_them(items: list, options: dict, match: str) -> None:
    arguments: dict = {"tags": ["A", "B"], "patch_size": 32, **options}
    with pytest.raises(DPATGeometryError, match=match):
        from_patches(SLIDE, items, level=LEVEL, **arguments)


def test_magnification_without_microns_per_pixel_must_be_given() -> None:
    bare = DeepZoomGeometry(width=2000, height=1500, tile_width=256, tile_height=256)
    with pytest.raises(DPATGeometryError, match="pass magnification"):
        from_patches(bare, [((1, 1), "A", 0.5)], tags=["A"], patch_size=32)
    assert from_patches(bare, [((1, 1), "A", 0.5)], tags=["A"], patch_size=32, magnification=10).to_dict()


def test_gallery_sent_to_the_simulator_and_read_back(dpat_simulator: DPATSimulator) -> None:
    with DPATAIClient(dpat_simulator.url, token=dpat_simulator.token, app_id=dpat_simulator.app_id) as client:
        slide_id = dpat_simulator.slide_ids[0]
        info = client.get_image_info(slide_id)
        level = DeepZoomGeometry.from_image_info(info).top_level - 3
        tiles = [(box(x, y, x + 128, y + 128), ("Positive", "Negative")[(x // 128) % 2], x / 1000) for x, y in
                 [(0, 0), (128, 0), (256, 128), (384, 256)]]  # fmt: skip
        content = from_patches(info, tiles, tags=["Positive", "Negative"], level=level, description="Sort me")
        stored = client.create_results(
            Result(
                slideId=slide_id, displayResult="4 patches", applicationVersion="1.0", data=ResultData(result=content)
            )
        )
        fetched = client.get_results(stored.id)
    assert fetched.data is not None
    assert fetched.data.result is not None
    assert fetched.data.result.to_dict() == content.to_dict()
    back = to_patches(info, fetched, level=level)
    assert [(name, score) for _, name, score in back] == [(name, score) for _, name, score in tiles]
    for (centre, _, _), (region, _, _) in zip(back, tiles, strict=True):
        assert centre == pytest.approx((region.centroid.x, region.centroid.y), abs=1e-9)
