"""Nothing lost on the way back: arcs become geometries, malformed inputs are typed errors, GeoJSON per class."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from sectra_dpat_client.geometry import DPATGeometryError, from_shapely, to_geojson, to_mask, to_shapely
from sectra_dpat_client.models import Arc, PrimitiveItem, ResultContent, ResultType, Style
from sectra_dpat_client.models import Point as ApiPoint
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry

SLIDE = DeepZoomGeometry(width=2000, height=1500, tile_width=256, tile_height=256)
LEVEL = SLIDE.top_level - 1  # pixels of this level are 2 full-resolution pixels


def _arcs(*arcs: dict) -> dict:
    return {"type": "primitive", "content": [{"arcs": list(arcs)}]}


def test_a_full_circle_arc_is_a_disc_and_a_partial_one_a_line_along_it() -> None:
    """Arcs were dropped silently before (to_shapely gave [])."""
    centre = {"x": 0.25, "y": 0.2}  # full resolution (500, 400) -> level (250, 200)
    full = {"center": centre, "radius": 0.05, "startAngle": 0.0, "endAngle": 2 * math.pi}  # 100 px -> 50 px
    quarter = {"center": centre, "radius": 0.05, "startAngle": 0.0, "endAngle": math.pi / 2}
    disc, line = to_shapely(SLIDE, _arcs(full, quarter), level=LEVEL)
    assert isinstance(disc, Polygon)
    assert disc.is_valid
    assert math.pi * (50 - 0.25) ** 2 <= disc.area <= math.pi * 50**2  # chords within 0.25 px of the circle
    assert shapely.hausdorff_distance(disc.exterior, Point(250, 200).buffer(50, quad_segs=256).exterior) < 0.3
    assert isinstance(line, LineString)
    start, end = line.coords[0], line.coords[-1]
    assert start == pytest.approx((300, 200))  # angle 0: +x
    assert end == pytest.approx((250, 250))  # angle pi/2: +y (image rows grow downwards, as on a canvas)
    assert line.length == pytest.approx(math.pi * 50 / 2, rel=2e-3)
    mask = to_mask(SLIDE, _arcs(full), level=LEVEL)
    assert abs(int(mask.sum()) - math.pi * 50**2) < 2 * math.pi * 50 * 0.5


def test_arcs_in_a_generated_model_come_back() -> None:
    item = PrimitiveItem(arcs=[Arc(center=ApiPoint(x=0.5, y=0.5), radius=0.01, startAngle=1.0, endAngle=2.0)])
    content = ResultContent(type=ResultType.PRIMITIVES, content=[item])
    (line,) = to_shapely(SLIDE, content)
    assert line.coords[0] == pytest.approx((1000 + 20 * math.cos(1.0), 1000 + 20 * math.sin(1.0)))


@pytest.mark.parametrize(
    ("arc", "match"),
    [
        ({"center": {"x": 0.1, "y": 0.1}, "radius": -1.0, "startAngle": 0, "endAngle": 1}, r"arcs\[0\].*radius"),
        ({"center": {"x": 0.1, "y": 0.1}, "radius": math.nan, "startAngle": 0, "endAngle": 1}, r"arcs\[0\].*radius"),
        ({"center": {"x": 0.1, "y": 0.1}, "radius": 0.1, "startAngle": math.inf, "endAngle": 1}, r"arcs\[0\]"),
        ({"radius": 0.1, "startAngle": 0, "endAngle": 1}, r"arcs\[0\]"),
        ({"center": {"x": 0.1}, "radius": 0.1, "startAngle": 0, "endAngle": 1}, r"arcs\[0\]"),
    ],
)
def test_bad_arcs_are_typed_errors(arc: dict, match: str) -> None:
    with pytest.raises(DPATGeometryError, match=match):
        to_shapely(SLIDE, _arcs(arc))


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ({"input": {"type": "taggedPolygon", "content": {"tags": []}}}, r"taggedPolygon.*polygon"),
        ({"input": {"type": "taggedPolygon", "content": {"polygon": {}}}}, r"taggedPolygon.*points"),
        ({"input": {"type": "taggedPolygon", "content": {"polygon": None}}}, r"taggedPolygon.*polygon"),
        ({"input": {"type": "multiArea", "content": {"polygons": [{"pts": []}]}}}, r"polygons\[0\]"),
        ({"input": {"type": "multiArea", "content": {"polygons": [None]}}}, r"polygons\[0\]"),
        ({"type": "primitive", "content": [{"polylines": [{"points": [{"x": 1}]}]}]}, r"polylines\[0\]"),
        ({"type": "primitive", "content": [{"labels": [{"label": "a"}]}]}, r"labels\[0\]"),
        ({"type": "patchCollection", "content": {"polygons": [7]}}, r"polygons\[0\]"),
    ],
)
def test_malformed_inputs_are_typed_errors_naming_the_part(source: dict, match: str) -> None:
    """A taggedPolygon without its polygon raised a raw KeyError 'polygon' before."""
    with pytest.raises(DPATGeometryError, match=match):
        to_shapely(SLIDE, source)


def test_to_geojson_gives_each_class_its_own_classification_and_labels_their_text() -> None:
    """Every feature got one classification (or none) before, and label texts were lost."""
    content = from_shapely(
        SLIDE,
        {"Tumor": [box(0, 0, 10, 10), Point(5, 5)], "Stroma": [box(20, 20, 30, 30)]},
        styles={"Tumor": Style(strokeStyle="#C80000"), "Stroma": Style(strokeStyle="#00FF0080")},
    )
    features = to_geojson(SLIDE, content)["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon", "Point", "Polygon"]
    classes = [f["properties"].get("classification") for f in features]
    assert classes[0]["color"] == [200, 0, 0]
    assert classes[1] == classes[0]
    assert classes[2]["color"] == [0, 255, 0]
    assert classes[0]["name"] != classes[2]["name"]
    assert features[1]["properties"]["name"] == "Tumor"  # the point's label text
    assert "name" not in features[0]["properties"]
    named = to_geojson(SLIDE, content, classification=["Tumor", "Stroma"])["features"]
    assert [f["properties"]["classification"]["name"] for f in named] == ["Tumor", "Tumor", "Stroma"]
    assert named[2]["properties"]["classification"]["color"] == [0, 255, 0]
    single = to_geojson(SLIDE, content, classification="Cells", color=(1, 2, 3))["features"]
    assert {f["properties"]["classification"]["name"] for f in single} == {"Cells"}
    assert all(f["properties"]["classification"]["color"] == [1, 2, 3] for f in single)
    with pytest.raises(DPATGeometryError, match="2 items"):
        to_geojson(SLIDE, content, classification=["Tumor"])
