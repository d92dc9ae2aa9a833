"""`sectra_dpat_client.render` and `sectra-dpat render`: a result drawn with Pillow where DPAT puts it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.cli import main
from sectra_dpat_client.render import DPATRenderError, draw_result, render_result
from sectra_dpat_client.simulator import DPATSimulator


def _result(slide_id: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "slideId": slide_id,
        "displayResult": "demo",
        "applicationVersion": "1",
        "data": {"context": {}, "result": {"type": "primitive", "content": [item]}},
    }


def _red(image: Image.Image) -> np.ndarray:
    a = np.asarray(image).astype(int)
    return (a[:, :, 0] > 200) & (a[:, :, 1] < 60) & (a[:, :, 2] < 60)


def test_vertices_land_on_the_pixels_of_the_slide_points_whole_slide_and_region() -> None:
    # a 2000 x 1000 slide shown as 400 x 200: 5 slide pixels per image pixel
    square = [{"x": 0.25, "y": 0.1}, {"x": 0.5, "y": 0.1}, {"x": 0.5, "y": 0.3}, {"x": 0.25, "y": 0.3}]
    result = _result("s", {"style": {"strokeStyle": "#FF0000", "size": 1}, "polygons": [{"points": square}]})
    image = draw_result(Image.new("RGB", (400, 200), "white"), result, slide_width=2000)
    red = _red(image)
    ys, xs = np.nonzero(red)
    assert (xs.min(), xs.max()) == (100, 200)  # x 0.25 * 2000 / 5 = 100, 0.5 -> 200
    assert (ys.min(), ys.max()) == (40, 120)  # y is in width units too: 0.1 * 2000 / 5 = 40
    # the same polygon over the region x 400..1200, y 100..500 (full-resolution) shown as 400 x 200
    region = draw_result(Image.new("RGB", (400, 200), "white"), result, slide_width=2000, region=(400, 100, 800, 400))
    ys, xs = np.nonzero(_red(region))
    assert (xs.min(), xs.max()) == (50, 300)  # (500 - 400) / 2, (1000 - 400) / 2
    assert (ys.min(), ys.max()) == (50, 199)  # (200 - 100) / 2; the bottom edge (600) is below the region


def test_fill_alpha_arcs_labels_and_default_style() -> None:
    item = {
        "style": {"strokeStyle": "#0000FF", "fillStyle": "#FF000080", "size": 2},
        "polygons": [{"points": [{"x": 0.1, "y": 0.1}, {"x": 0.4, "y": 0.1}, {"x": 0.4, "y": 0.4}]}],
        "arcs": [{"center": {"x": 0.7, "y": 0.25}, "radius": 0.1, "startAngle": 0, "endAngle": 3.1416}],
        "labels": [{"location": {"x": 0.1, "y": 0.45}, "label": "Tumor 12.5 %"}],
    }
    image = np.asarray(draw_result(Image.new("RGB", (200, 100), "white"), _result("s", item), slide_width=200))
    inside = image[25, 70]  # within the triangle: half-transparent red over white
    assert inside[0] >= 240
    assert 120 <= inside[1] <= 135
    assert 120 <= inside[2] <= 135
    assert (image[35, 130:150, 2] > 200).any()  # the lower half-circle arc, in blue
    assert (image[45:60, 20:60] != 255).any()  # the label's text
    plain = _result("s", {"polylines": [{"points": [{"x": 0.0, "y": 0.2}, {"x": 1.0, "y": 0.2}]}]})
    line = np.asarray(draw_result(Image.new("RGB", (100, 50), "black"), plain, slide_width=100))
    assert tuple(line[20, 50]) == (255, 255, 0)  # no style: DPAT-ish yellow, 2 px


def test_bad_input_raises_a_typed_error_naming_the_field() -> None:
    bad = _result("s", {"style": {"strokeStyle": "red"}, "polygons": []})
    with pytest.raises(DPATRenderError, match=r"content\[0\]\.style\.strokeStyle"):
        draw_result(Image.new("RGB", (10, 10)), bad, slide_width=10)
    with pytest.raises(DPATRenderError, match=r"polygons\[0\]\.points\[1\]"):
        draw_result(
            Image.new("RGB", (10, 10)),
            _result("s", {"polygons": [{"points": [{"x": 0, "y": 0}, {"x": "a"}]}]}),
            slide_width=10,
        )
    with pytest.raises(DPATRenderError, match=r"data\.result\.type"):
        draw_result(Image.new("RGB", (10, 10)), {"data": {"result": {"type": "heatmap"}}}, slide_width=10)


def test_render_result_over_the_simulators_thumbnail_and_a_region() -> None:
    with DPATSimulator(slides=1) as sim, DPATAIClient(sim.url, token=sim.token, app_id=sim.app_id) as client:
        slide_id = sim.slide_ids[0]
        slide = sim.slide(slide_id)
        result = _result(
            slide_id,
            {
                "style": {"strokeStyle": "#FF0000", "size": 1},
                "polylines": [{"points": [{"x": 0.5, "y": 0.0}, {"x": 0.5, "y": 0.7}]}],
            },
        )
        thumb = render_result(client, result, max_size=400)
        assert max(thumb.size) == 400
        assert thumb.size[1] == round(400 * slide.height / slide.width)
        xs = np.nonzero(_red(thumb).any(axis=0))[0]
        assert abs(xs.mean() - 200) <= 1
        region = render_result(client, result, region=(9000, 2000, 2000, 1000), max_size=500)
        assert region.size == (500, 250)
        xs = np.nonzero(_red(region).any(axis=0))[0]
        assert abs(xs.mean() - (10_000 - 9000) / 4) <= 1


def test_the_render_command_writes_a_png(tmp_path: Path) -> None:
    with DPATSimulator(slides=1) as sim:
        slide_id = sim.slide_ids[0]
        result_file = tmp_path / "result.json"
        result_file.write_text(
            json.dumps(
                _result(
                    slide_id,
                    {"polygons": [{"points": [{"x": 0.2, "y": 0.2}, {"x": 0.6, "y": 0.2}, {"x": 0.6, "y": 0.5}]}]},
                )
            )
        )
        out = tmp_path / "overlay.png"
        connection = ["--url", sim.url, "--token", sim.token, "--app-id", sim.app_id]
        run = CliRunner().invoke(
            main, ["render", str(result_file), "--slide", slide_id, "-o", str(out), "--max-size", "300", *connection]
        )
        assert run.exit_code == 0, run.output
        assert Image.open(out).size[0] == 300
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(_result(slide_id, {"style": {"fillStyle": "#12"}})))
        run = CliRunner().invoke(main, ["render", str(bad), "-o", str(tmp_path / "no.png"), *connection])
        assert run.exit_code == 1
        assert "fillStyle" in run.output
        assert not (tmp_path / "no.png").exists()
        (tmp_path / "nojson.json").write_text("{")
        run = CliRunner().invoke(main, ["render", str(tmp_path / "nojson.json"), "-o", str(out), *connection])
        assert run.exit_code == 2


def test_patch_gallery_patches_are_squares_of_patch_size_at_their_magnification() -> None:
    content = {
        "description": "d",
        "polygons": [],
        "patches": [{"tag": 1, "position": {"x": 0.5, "y": 0.25}, "sortKeyValue": 1.0}],
        "tags": ["a", "b"],
        "patchSize": 50,
        "magnification": 20,
    }
    result = {"data": {"result": {"type": "patchCollection", "content": content}}}
    # 0.25 µm/px is 40x: a 50 px patch at 20x covers 100 full-resolution pixels; the image is at full resolution
    image = np.asarray(draw_result(Image.new("RGB", (400, 200), "black"), result, slide_width=400))
    blue = (image[:, :, 2] > 200) & (image[:, :, 0] < 120)  # tag 1's colour
    ys, xs = np.nonzero(blue)
    assert (xs.min(), xs.max()) == (150, 250)
    assert (ys.min(), ys.max()) == (50, 150)
