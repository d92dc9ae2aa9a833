"""Make docs/viewer.png: the simulator's result viewer with a demo result (needs /usr/bin/chromium and playwright).

.venv/bin/python scripts/viewer_screenshot.py [OUT.png]
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.simulator.synthetic import _blobs

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def demo_results(sim: DPATSimulator, slide_id: str) -> None:
    slide = sim.slide(slide_id)
    w = slide.width
    outlines = []
    for cx, cy, rx, ry in _blobs(slide).tolist()[:3]:
        points = [
            {"x": (cx + rx * 0.93 * math.cos(a)) / w, "y": (cy + ry * 0.93 * math.sin(a)) / w}
            for a in [i * 2 * math.pi / 64 for i in range(64)]
        ]
        outlines.append({"points": points})
    cx, cy, rx, ry = _blobs(slide).tolist()[0]
    content = [
        {"style": {"strokeStyle": "#FFA500", "fillStyle": "#FFA50033", "size": 2}, "polygons": outlines,
         "labels": [{"location": {"x": (cx - rx * 0.5) / w, "y": (cy - ry * 1.1) / w}, "label": "Tumour 41.2 %"}]},
        {"style": {"strokeStyle": "#00FF7F", "size": 3},
         "polylines": [{"points": [{"x": 0.12, "y": 0.62}, {"x": 0.3, "y": 0.55}, {"x": 0.45, "y": 0.63}]}],
         "arcs": [{"center": {"x": 0.8, "y": 0.2}, "radius": 0.06, "startAngle": 0.3, "endAngle": 4.5}]},
    ]  # fmt: skip
    sim.store.create_result(sim.app_id, {
        "slideId": slide_id, "displayResult": "Tumour area 41.2 %", "applicationVersion": "1.2.0",
        "displayProperties": {"Tumour area": "41.2 %", "Confidence": 0.93},
        "data": {"context": {}, "result": {"type": "primitive", "content": content}},
    })  # fmt: skip
    patches = [
        {"tag": i % 3 % 2, "position": {"x": (cx + rx * 0.6 * math.cos(i)) / w, "y": (cy + ry * 0.6 * math.sin(i)) / w},
         "sortKeyValue": round(0.5 + 0.05 * i, 2)}
        for i in range(10)
    ]  # fmt: skip
    sim.store.create_result(sim.app_id, {
        "slideId": slide_id, "displayResult": "Mitoses: 7 candidates", "applicationVersion": "1.2.0",
        "data": {"context": None, "result": {"type": "patchCollection", "content": {
            "description": "Drag patches to correct the class", "polygons": [outlines[0]], "patches": patches,
            "tags": ["Mitosis", "Not mitosis"], "patchSize": 96, "magnification": 20,
            "statuses": {"allowVerify": {"value": True, "message": "Ready for review"}},
            "actions": [{"id": "send", "state": 0, "name": "Send feedback", "tooltip": "Store feedback"}]}}},
    })  # fmt: skip


def main(out: Path) -> None:
    with DPATSimulator(slides=1) as sim, sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        slide_id = sim.slide_ids[0]
        demo_results(sim, slide_id)
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path="/usr/bin/chromium", headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 760},
        )  # fmt: skip
        page = context.new_page()
        page.goto(f"{sim.viewer_url}/{quote(slide_id, safe='')}")
        page.wait_for_function("() => window.dpatViewer && window.dpatViewer.ready === true")
        page.wait_for_function("() => window.dpatViewer.viewer.world.getItemAt(0).getFullyLoaded()")
        page.wait_for_function("() => [...document.querySelectorAll('#gallery img')].every(i => i.complete)")
        page.wait_for_timeout(500)
        page.screenshot(path=str(out))
        context.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/viewer.png"))
