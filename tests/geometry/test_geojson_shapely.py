"""QuPath-shaped GeoJSON and shapely geometries -> content -> back; a produced result sent to the simulator."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, shape

from sectra_dpat_client.ai import DPATAIClient, fast_primitive_result
from sectra_dpat_client.geometry import from_geojson, from_mask, from_shapely, to_geojson, to_mask, to_shapely
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

SLIDE = DeepZoomGeometry(width=2000, height=1500, tile_width=256, tile_height=256)


def _feature(geometry: dict, name: str | None = None, color: list[int] | None = None, **extra: object) -> dict:
    properties: dict = {"objectType": extra.pop("objectType", "annotation")}
    if name is not None:
        properties["classification"] = {"name": name, "color": color or [255, 0, 0]}
    properties.update(extra)
    return {
        "type": "Feature",
        "id": "00000000-0000-0000-0000-000000000000",
        "geometry": geometry,
        "properties": properties,
    }


QUPATH = {
    "type": "FeatureCollection",
    "features": [
        _feature(
            {"type": "Polygon", "coordinates": [[[100, 100], [400, 100], [400, 300], [100, 300], [100, 100]]]},
            "Tumor",
            [200, 0, 0],
        ),
        _feature(
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [
                        [[500, 500], [900, 500], [900, 900], [500, 900], [500, 500]],
                        [[600, 600], [700, 600], [700, 700], [600, 700], [600, 600]],
                    ],
                    [[[1000, 100], [1200, 100], [1100, 250], [1000, 100]]],
                ],
            },
            "Stroma",
            [0, 150, 0],
        ),
        _feature(
            {
                "type": "Polygon",
                "coordinates": [[[1500, 1000], [1510, 1000], [1512, 1008], [1505, 1012], [1498, 1006], [1500, 1000]]],
            },
            "Tumor",
            [200, 0, 0],
            objectType="cell",
            measurements={"Nucleus: Area": 81.5},
        ),
        _feature({"type": "Point", "coordinates": [1234.5, 678.25]}, "Lymphocyte", [0, 0, 255]),
    ],
}


def test_qupath_export_becomes_one_style_per_class_and_comes_back() -> None:
    batches = from_geojson(SLIDE, QUPATH, measurements=["Nucleus: Area"])
    assert [b.style.stroke_style for b in batches] == ["#C80000", "#009600", "#0000FF"]
    tumor, stroma, lymphocyte = batches
    assert len(tumor.polygons) == 2
    assert [label.label for label in tumor.labels] == ["Nucleus: Area: 81.5"]
    assert [label.label for label in lymphocyte.labels] == ["Lymphocyte"]
    # back out, per class, through GeoJSON again: coordinates preserved (holes included)
    originals = {
        "Tumor": [shape(f["geometry"]) for f in QUPATH["features"][::2]],
        "Stroma": list(shape(QUPATH["features"][1]["geometry"]).geoms),
    }
    for name, batch in (("Tumor", tumor), ("Stroma", stroma)):
        document = to_geojson(SLIDE, [batch], classification=name, color=(1, 2, 3))
        polygons = [shape(f["geometry"]) for f in document["features"] if f["geometry"]["type"] == "Polygon"]
        assert all(
            f["properties"]["classification"] == {"name": name, "color": [1, 2, 3]} for f in document["features"]
        )
        for original in originals[name]:
            assert any(
                p.equals_exact(original.normalize(), 1e-9) or p.normalize().equals_exact(original.normalize(), 1e-9)
                for p in polygons
            )
    (point,) = [g for g in to_shapely(SLIDE, lymphocyte) if isinstance(g, Point)]
    assert (point.x, point.y) == pytest.approx((1234.5, 678.25), abs=1e-9)


def test_shapely_kinds_at_a_level() -> None:
    level = SLIDE.top_level - 1
    holed = Polygon(box(10, 10, 200, 200).exterior.coords, [box(50, 50, 100, 100).exterior.coords])
    geometries = [
        holed,
        MultiPolygon([box(300, 10, 320, 30), box(330, 10, 350, 30)]),
        LineString([(0, 0), (50, 70)]),
        Point(5, 6),
    ]
    (batch,) = from_shapely(SLIDE, geometries, level=level)
    assert len(batch.polygons) == 3
    assert len(batch.polylines) == 1
    assert len(batch.labels) == 1
    assert batch.polylines[0].tolist() == [[0, 0], [100 / 2000, 140 / 2000]]  # level pixels x 2 / width
    back = to_shapely(SLIDE, batch, level=level)
    assert back[0].normalize().equals_exact(holed.normalize(), 1e-9)
    assert back[3].equals_exact(LineString([(0, 0), (50, 70)]), 1e-9)
    mask = to_mask(SLIDE, batch, level=level)
    assert mask.shape == (750, 1000)
    assert mask.sum() == holed.area + 2 * 400


def test_produced_result_sent_to_the_simulator_and_read_back(dpat_simulator: DPATSimulator) -> None:
    mask = np.zeros((300, 400), dtype=np.uint8)
    mask[20:120, 30:200] = 1
    mask[50:70, 60:90] = 0
    mask[150:290, 210:390] = 2
    with DPATAIClient(dpat_simulator.url, token=dpat_simulator.token, app_id=dpat_simulator.app_id) as client:
        slide_id = dpat_simulator.slide_ids[0]
        info = client.get_image_info(slide_id)
        level = DeepZoomGeometry.from_image_info(info).top_level - 4
        content = from_mask(info, mask, level=level, classes={1: "Tumor", 2: "Stroma"})
        stored = client.create_results(
            fast_primitive_result(slide_id, content, display_result="2 regions", application_version="1.0")
        )
        fetched = client.get_results(stored.id)
    redrawn = to_mask(info, fetched, level=level, region=None)[:300, :400]
    assert (redrawn == (mask > 0)).all()
    assert [g.geom_type for g in to_shapely(info, fetched, level=level)] == ["Polygon", "Polygon"]
    assert len(to_shapely(info, fetched, level=level)[0].interiors) == 1


def test_to_result_bytes_mean_what_the_fast_path_gives() -> None:
    import orjson

    from sectra_dpat_client.geometry import to_result

    cells = [Polygon([(x, 0), (x + 5, 0), (x + 5, 5 + x % 7), (x, 3)]) for x in range(0, 500, 10)]
    content = from_shapely(SLIDE, {"a": cells[:20], "b": [*cells[20:], LineString([(0, 0), (9, 9)])]})
    ours = to_result("s", content, display_result="x", application_version="1").to_bytes()
    reference = fast_primitive_result("s", content, display_result="x", application_version="1").to_bytes()
    assert orjson.loads(ours) == orjson.loads(reference)
