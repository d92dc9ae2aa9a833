"""Masks -> primitives -> masks (hypothesis), probability maps, budgets, ROI masks."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sectra_dpat_client.geometry import (
    DPATGeometryError,
    PixelFrame,
    PointBudgetExceededError,
    from_mask,
    rasterize_rings,
    to_mask,
    to_shapely,
)
from sectra_dpat_client.models import TaggedPolygonInput
from sectra_dpat_client.validate import validate
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry, PixelBox

SLIDE = DeepZoomGeometry(width=160, height=120, tile_width=256, tile_height=256)


@st.composite
def label_masks(draw: st.DrawFn) -> np.ndarray:
    mask = np.zeros((120, 160), dtype=np.uint8)
    for _ in range(draw(st.integers(1, 6))):
        label = draw(st.integers(1, 3))
        x, y = draw(st.integers(0, 150)), draw(st.integers(0, 110))
        w, h = draw(st.integers(1, 60)), draw(st.integers(1, 60))
        if draw(st.booleans()):
            yy, xx = np.ogrid[:120, :160]
            mask[((xx - x) / max(w / 2, 1)) ** 2 + ((yy - y) / max(h / 2, 1)) ** 2 <= 1] = label
        else:
            mask[y : y + h, x : x + w] = label
        if draw(st.booleans()):  # punch a hole
            mask[y + h // 3 : y + 2 * h // 3, x + w // 3 : x + 2 * w // 3] = 0
    return mask


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mask=label_masks())
def test_mask_round_trip_per_class(mask: np.ndarray) -> None:
    batches = from_mask(SLIDE, mask)
    frame = PixelFrame.of(SLIDE)
    labels = [int(v) for v in np.unique(mask) if v]
    assert len(batches) == len(labels)
    for label, batch in zip(labels, batches, strict=True):
        # the keyhole rings as sent, drawn even-odd at pixel centres
        drawn = rasterize_rings([[frame.to_pixels(p)] for p in batch.polygons], (160, 120))
        assert _iou(drawn, mask == label) >= 0.99
        assert _iou(to_mask(SLIDE, batch), mask == label) >= 0.99


def test_labels_given_one_class_name_are_one_class_with_both_areas() -> None:
    mask = np.zeros((120, 160), dtype=np.uint8)
    mask[10:30, 10:40] = 1
    mask[60:90, 80:120] = 2
    mask[5:15, 140:150] = 3  # not in classes: skipped
    (batch,) = from_mask(SLIDE, mask, classes={1: "tumour", 2: "tumour"})
    assert _iou(to_mask(SLIDE, batch), (mask == 1) | (mask == 2)) >= 0.99


def test_probability_map_threshold_min_area_and_origin() -> None:
    probability = np.zeros((50, 50), dtype=np.float32)
    probability[10:30, 10:30] = 0.9
    probability[40, 40] = 0.8  # a one-pixel speck, dropped by min_area
    probability[20, 20] = 0.1  # a one-pixel hole
    (batch,) = from_mask(SLIDE, probability, threshold=0.5, min_area=4, origin=(100, 50))
    assert len(batch.polygons) == 1
    back = to_mask(SLIDE, batch, region=PixelBox(100, 50, 50, 50))
    assert (back == (probability >= 0.5)).sum() == 2500 - 1  # everything but the dropped speck
    assert back[20, 20] == 0


def test_point_budget_raises_or_simplifies_never_truncates() -> None:
    yy, xx = np.ogrid[:120, :160]
    disc = ((xx - 80) ** 2 + (yy - 60) ** 2 <= 50**2).astype(np.uint8)
    exact = from_mask(SLIDE, disc)
    points = sum(len(p) for p in exact[0].polygons)
    with pytest.raises(PointBudgetExceededError) as raised:
        from_mask(SLIDE, disc, max_points=points - 1)
    assert raised.value.points == points
    simplified = from_mask(SLIDE, disc, max_points=points // 4, simplify=True)
    assert 3 <= sum(len(p) for p in simplified[0].polygons) <= points // 4
    assert _iou(to_mask(SLIDE, simplified[0]), disc) >= 0.95


def test_bad_masks_are_typed_errors() -> None:
    with pytest.raises(DPATGeometryError, match="2-D"):
        from_mask(SLIDE, np.zeros((2, 2, 2), dtype=np.uint8))
    with pytest.raises(DPATGeometryError, match="threshold"):
        from_mask(SLIDE, np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(DPATGeometryError):
        to_shapely(SLIDE, {"type": "nonsense"})


def test_invocation_roi_to_mask_at_a_level() -> None:
    slide = DeepZoomGeometry(width=4000, height=3000, tile_width=256, tile_height=256)
    payload = {
        "type": "taggedPolygon",
        "content": {
            "polygon": {
                "points": [{"x": 0.1, "y": 0.1}, {"x": 0.5, "y": 0.1}, {"x": 0.5, "y": 0.5}, {"x": 0.1, "y": 0.5}]
            },
            "tags": ["Tumor"],
            "tagIndex": 0,
        },
    }
    validate(payload, "CreateInput")
    level = slide.top_level - 3  # 1/8: the ROI is x, y 50..250
    roi = TaggedPolygonInput.from_dict(payload)  # the generated model, as an invocation carries it
    mask = to_mask(slide, roi, level=level)
    assert mask.shape == (375, 500)
    assert mask.sum() == 200 * 200
    assert mask[50:250, 50:250].all()
    (polygon,) = to_shapely(slide, payload)
    assert polygon.bounds == pytest.approx((400, 400, 2000, 2000))
    multi = {"type": "multiArea", "content": {"polygons": [payload["content"]["polygon"]] * 2}}
    assert len(to_shapely(slide, multi)) == 2
    (whole,) = to_shapely(slide, {"type": "wholeSlide"})
    assert whole.bounds == (0, 0, 4000, 3000)


def test_produced_items_validate() -> None:
    mask = np.zeros((120, 160), dtype=np.uint8)
    mask[10:20, 10:20] = 1
    mask[30:60, 30:90] = 2
    for batch in from_mask(SLIDE, mask, classes={1: "Tumor", 2: "Stroma"}):
        validate(orjson.loads(batch.to_json()), "PrimitiveItem")
