"""The viewer in a real headless Chromium: overlay geometry, speed, live refresh, CSP, toggles, patch gallery."""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
from PIL import Image

from sectra_dpat_client.simulator import DPATSimulator

from .conftest import BrowserLog, open_slide, post_result, primitive, put_result, settle

GREEN = "#00FF00"


def _screenshot(page: Any) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB")).astype(float)


def _api_pixel(page: Any, x: float, y: float) -> tuple[float, float]:
    """Where OpenSeadragon's coordinate API puts a viewport point, in page pixels."""
    px, py = page.evaluate(
        "([x, y]) => { const v = window.dpatViewer.viewer;"
        " const p = v.viewport.pixelFromPoint(new OpenSeadragon.Point(x, y), true);"
        " const r = v.container.getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
        [x, y],
    )
    return float(px), float(py)


def _tile_edge(line: np.ndarray, inside_first: bool) -> float:
    """Sub-pixel position of the step from black background to slide along a line of RGB pixels.

    ``line`` runs from outside to inside (``inside_first`` False) or inside to outside; the result is the
    coordinate, in the line's pixel units, where the slide begins (or ends).
    """
    brightness = line.sum(axis=1)
    foreground = np.median(brightness[-8:] if not inside_first else brightness[:8])
    coverage = np.clip(brightness / max(foreground, 1.0), 0.0, 1.0)
    covered = float(coverage.sum())
    return len(line) - covered if not inside_first else covered


def _green_centre(line: np.ndarray) -> float:
    """Weighted centre (pixel centres at i + 0.5) of the pure-green stroke pixels along a line."""
    weight = np.clip((line[:, 1] - np.maximum(line[:, 0], line[:, 2])) / 255.0, 0.0, 1.0)
    weight[weight < 0.15] = 0.0
    assert weight.sum() > 0.3, "no overlay stroke found on the probe line"
    return float((weight * (np.arange(len(line)) + 0.5)).sum() / weight.sum())


def _toggle_overlay(page: Any, result_id: int, on: bool) -> None:
    page.evaluate(
        "([id, on]) => { window.dpatViewer.resultOn.set(id, on); }",
        [result_id, on],
    )
    page.evaluate("() => window.dpatViewer.viewer.forceRedraw()")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_overlay_vertices_land_where_the_tiles_put_them_at_three_zoom_levels(
    sim: DPATSimulator, page: tuple[Any, BrowserLog]
) -> None:
    tab, log = page
    slide_id = sim.add_slide(width=8192, height=6144, tile_size=256)
    ratio = 6144 / 8192
    corners = [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 0.0}, {"x": 1.0, "y": ratio}, {"x": 0.0, "y": ratio}]
    stored = post_result(
        sim, primitive(slide_id, [{"style": {"strokeStyle": GREEN, "size": 1}, "polygons": [{"points": corners}]}])
    )
    open_slide(tab, sim, slide_id)
    views = [  # (bounds to fit, the corner probed)
        ((-0.1, -0.1, 1.2, 0.95), (0.0, 0.0)),
        ((-0.03, -0.02, 0.25, 0.2), (0.0, 0.0)),
        ((1.0 - 0.04, ratio - 0.03, 0.06, 0.045), (1.0, ratio)),
    ]
    zooms = []
    for (bx, by, bw, bh), (cx, cy) in views:
        tab.evaluate(
            "([x, y, w, h]) => window.dpatViewer.viewer.viewport.fitBounds(new OpenSeadragon.Rect(x, y, w, h), true)",
            [bx, by, bw, bh],
        )
        settle(tab)
        zooms.append(tab.evaluate("() => window.dpatViewer.viewer.viewport.getZoom(true)"))
        ax, ay = _api_pixel(tab, cx, cy)
        _toggle_overlay(tab, stored["id"], False)
        settle(tab)
        tiles = _screenshot(tab)
        _toggle_overlay(tab, stored["id"], True)
        settle(tab)
        overlay = _screenshot(tab)
        ix, iy = round(ax), round(ay)
        top_left = cx == 0.0
        span = 10
        # a column just inside the slide crosses its top/bottom edge; a row crosses its left/right edge
        inside_x = ix + 25 if top_left else ix - 25
        inside_y = iy + 25 if top_left else iy - 25
        if top_left:
            col = tiles[iy - span : iy + span, inside_x]
            row = tiles[inside_y, ix - span : ix + span]
            edge_y = iy - span + _tile_edge(col, inside_first=False)
            edge_x = ix - span + _tile_edge(row, inside_first=False)
        else:
            col = tiles[iy - span : iy + span, inside_x]
            row = tiles[inside_y, ix - span : ix + span]
            edge_y = iy - span + _tile_edge(col, inside_first=True)
            edge_x = ix - span + _tile_edge(row, inside_first=True)
        # OpenSeadragon's canvas drawer draws every tile without overlap 1 device pixel larger (no seams,
        # TiledImage._positionTile): the slide's far edge shows 1 px further out than the image ends
        pad = 0.0 if top_left else 1.0
        edge_x, edge_y = edge_x - pad, edge_y - pad
        stroke_y = iy - span + _green_centre(overlay[iy - span : iy + span, inside_x])
        stroke_x = ix - span + _green_centre(overlay[inside_y, ix - span : ix + span])
        for name, measured, expected in [
            ("tile edge x", edge_x, ax),
            ("tile edge y", edge_y, ay),
            ("overlay x", stroke_x, ax),
            ("overlay y", stroke_y, ay),
            ("overlay vs tiles x", stroke_x, edge_x),
            ("overlay vs tiles y", stroke_y, edge_y),
        ]:
            assert abs(measured - expected) <= 1.0, f"zoom {zooms[-1]:.2f}: {name} {measured:.2f} vs {expected:.2f}"
    assert zooms[0] < 1.5 < zooms[1] < 10 < zooms[2], zooms  # three distinct zoom levels
    assert log.errors == []


def test_a_100000_point_result_is_drawn(sim: DPATSimulator, page: tuple[Any, BrowserLog]) -> None:
    """1000 polygons of 100 points reach the screen (how fast: bench/p11_viewer.py, `make bench`)."""
    tab, log = page
    slide_id = sim.slide_ids[0]
    rng = np.random.default_rng(7)
    polygons = []
    for _ in range(1000):  # 1000 polygons of 100 points: 100,000 vertices
        cx, cy, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.6), rng.uniform(0.002, 0.01)
        angles = np.linspace(0, 2 * np.pi, 100, endpoint=False)
        polygons.append({"points": [{"x": float(cx + r * np.cos(a)), "y": float(cy + r * np.sin(a))} for a in angles]})
    # straight into the store: the IA-API's schema validation of 100,000 points takes seconds and is tested elsewhere
    stored = sim.store.create_result(
        sim.app_id, primitive(slide_id, [{"style": {"strokeStyle": GREEN, "size": 1}, "polygons": polygons}])
    )
    key = f"{stored['id']}|{stored['versionId']}"
    open_slide(tab, sim, slide_id)
    tab.wait_for_function("(k) => window.dpatViewer.drawnKeys.includes(k)", arg=key, timeout=60_000)
    assert tab.evaluate("(k) => window.dpatViewer.firstDrawnAt[k]", key) > 0
    shot = _screenshot(tab)
    green = ((shot[:, :, 1] > 200) & (shot[:, :, 0] < 80) & (shot[:, :, 2] < 80)).sum()
    assert green > 1000, "the polygons are not on screen"
    assert log.errors == []


def test_a_progress_result_posted_by_an_app_appears_without_reload(
    sim: DPATSimulator, page: tuple[Any, BrowserLog]
) -> None:
    tab, log = page
    slide_id = sim.slide_ids[0]
    open_slide(tab, sim, slide_id)
    tab.evaluate("() => { window.__noReload = 'still here'; }")
    square = [{"x": 0.3, "y": 0.2}, {"x": 0.5, "y": 0.2}, {"x": 0.5, "y": 0.4}, {"x": 0.3, "y": 0.4}]
    body = primitive(
        slide_id, [{"style": {"strokeStyle": GREEN, "size": 3}, "polygons": [{"points": square}]}], "Progress 10%"
    )
    stored = post_result(sim, body)
    tab.wait_for_function(
        "() => document.querySelector('#results').textContent.includes('Progress 10%')", timeout=30_000
    )
    body.update(displayResult="Progress 60%", versionId=stored["versionId"])
    updated = put_result(sim, stored["id"], body)
    key = f"{stored['id']}|{updated['versionId']}"
    tab.wait_for_function(
        "() => document.querySelector('#results').textContent.includes('Progress 60%')", timeout=30_000
    )
    tab.wait_for_function("(k) => window.dpatViewer.drawnKeys.includes(k)", arg=key, timeout=30_000)
    assert tab.evaluate("() => window.__noReload") == "still here"
    assert tab.evaluate("() => window.dpatViewer.events") >= 2
    # both versions are listed; the older one can be switched on next to the current one
    old = f"{stored['id']}|{stored['versionId']}"
    tab.click(f"input[data-toggle-version='{old}']")
    tab.wait_for_function("(k) => window.dpatViewer.drawnKeys.includes(k)", arg=old, timeout=30_000)
    assert log.errors == []


def test_quality_control_and_display_text_are_shown_and_follow_changes(
    sim: DPATSimulator, page: tuple[Any, BrowserLog]
) -> None:
    tab, log = page
    slide_id = sim.slide_ids[0]
    body = primitive(
        slide_id, [{"labels": [{"location": {"x": 0.4, "y": 0.3}, "label": "Ki67 18.5%"}]}], "Ki67 Index: 18.5%"
    )
    post_result(sim, body)
    open_slide(tab, sim, slide_id)
    assert "Ki67 Index: 18.5%" in tab.text_content("#results")
    assert "NotSet" in tab.text_content("#qc")
    version = sim.quality_control(slide_id)["versionId"]
    sim.store.set_quality_control(slide_id, "Rejected", version)
    tab.wait_for_function("() => document.querySelector('#qc').textContent.includes('Rejected')", timeout=30_000)
    assert log.errors == []


def test_a_change_made_before_the_live_stream_connected_is_shown(
    sim: DPATSimulator, page: tuple[Any, BrowserLog]
) -> None:
    """The page read its state, then the change came, then the event stream connected: still shown."""
    tab, log = page
    held: list[Any] = []
    tab.route("**/api/events*", lambda route: held.append(route))  # the stream connects only when the test lets it
    slide_id = sim.slide_ids[0]
    post_result(sim, primitive(slide_id, [{"labels": [{"location": {"x": 0.4, "y": 0.3}, "label": "Ki67"}]}]))
    open_slide(tab, sim, slide_id)
    tab.wait_for_function("() => document.getElementById('live') !== null", timeout=30_000)
    for _ in range(600):  # until the page asked for the stream
        if held:
            break
        tab.wait_for_timeout(50)
    assert held, "the page never opened its event stream"
    assert "NotSet" in tab.text_content("#qc")
    sim.store.set_quality_control(slide_id, "Rejected", sim.quality_control(slide_id)["versionId"])
    held[0].continue_()
    tab.wait_for_function("() => document.querySelector('#qc').textContent.includes('Rejected')", timeout=30_000)
    assert log.errors == []


def test_unticking_a_result_removes_it_from_the_picture(sim: DPATSimulator, page: tuple[Any, BrowserLog]) -> None:
    tab, log = page
    slide_id = sim.slide_ids[0]
    square = [{"x": 0.3, "y": 0.2}, {"x": 0.5, "y": 0.2}, {"x": 0.5, "y": 0.4}, {"x": 0.3, "y": 0.4}]
    stored = post_result(
        sim,
        primitive(
            slide_id,
            [{"style": {"strokeStyle": GREEN, "fillStyle": "#00FF0080", "size": 3}, "polygons": [{"points": square}]}],
        ),
    )
    open_slide(tab, sim, slide_id)
    settle(tab)

    def green() -> int:
        shot = _screenshot(tab)
        return int(((shot[:, :, 1] > 180) & (shot[:, :, 0] < 120) & (shot[:, :, 2] < 140)).sum())

    before = green()
    tab.click(f"input[data-toggle-result='{stored['id']}']")
    tab.wait_for_function("() => window.dpatViewer.drawnKeys.length === 0", timeout=30_000)
    after = green()
    assert before > 2000, before
    assert after < before / 20, (before, after)
    assert log.errors == []


def test_patch_gallery_is_a_side_panel_grouped_by_tag(sim: DPATSimulator, page: tuple[Any, BrowserLog]) -> None:
    tab, log = page
    slide_id = sim.slide_ids[0]
    patches = [
        {"tag": i % 2, "position": {"x": 0.3 + 0.01 * i, "y": 0.3}, "sortKeyValue": float(10 - i)} for i in range(7)
    ]
    body = {
        "slideId": slide_id,
        "displayResult": "7 patches",
        "applicationVersion": "1.0",
        "data": {
            "context": None,
            "result": {
                "type": "patchCollection",
                "content": {
                    "description": "Drag patches to correct the class",
                    "polygons": [{"points": [{"x": 0.2, "y": 0.2}, {"x": 0.5, "y": 0.2}, {"x": 0.5, "y": 0.4}]}],
                    "patches": patches,
                    "tags": ["Positive", "Negative"],
                    "patchSize": 64,
                    "magnification": 10,
                    "statuses": {"allowVerify": {"value": True, "message": "Ready for review"}},
                    "actions": [{"id": "send", "state": 0, "name": "Send feedback", "tooltip": "Store feedback"}],
                },
            },
        },
    }
    post_result(sim, body)
    open_slide(tab, sim, slide_id)
    headings = tab.eval_on_selector_all("#gallery h3", "els => els.map(e => e.textContent)")
    assert headings == ["Positive (4)", "Negative (3)"]
    assert "Ready for review" in tab.text_content("#gallery")
    assert tab.text_content("#gallery button") == "Send feedback"
    tab.wait_for_function(
        "() => [...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth === 64)",
        timeout=30_000,
    )
    titles = tab.eval_on_selector_all("#gallery .thumbs:first-of-type img", "els => els.map(e => e.title)")
    values = [float(t.rsplit(" ", 1)[1]) for t in titles]
    assert values == sorted(values)
    assert log.errors == []


def test_the_page_loads_nothing_from_outside_and_says_so_in_its_csp(
    sim: DPATSimulator, page: tuple[Any, BrowserLog]
) -> None:
    import httpx

    from sectra_dpat_client.simulator.viewer import CONTENT_SECURITY_POLICY

    tab, log = page
    slide_id = sim.slide_ids[0]
    for address in [sim.viewer_url + "/", f"{sim.viewer_url}/{slide_id}", f"{sim.viewer_url}/-/static/viewer.js"]:
        response = httpx.get(address, timeout=10)
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        assert csp == CONTENT_SECURITY_POLICY
        directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        assert directives["default-src"] == ["'none'"]
        assert directives["script-src"] == ["'self'"]  # no inline script, no eval, no other host
        for name, sources in directives.items():
            assert all(s in ("'self'", "'none'", "data:", "blob:") or s.startswith("'sha256-") for s in sources), name
        if address.endswith(slide_id):
            assert "<script>" not in response.text
            assert "style=" not in response.text
    post_result(sim, primitive(slide_id, [{"polylines": [{"points": [{"x": 0.1, "y": 0.1}, {"x": 0.6, "y": 0.5}]}]}]))
    tab.goto(sim.viewer_url)
    tab.click(f"a:text('{slide_id}')")
    tab.wait_for_function("() => window.dpatViewer && window.dpatViewer.ready === true", timeout=30_000)
    settle(tab)
    assert log.urls
    assert all(u.startswith(sim.root_url + "/") for u in log.urls), [
        u for u in log.urls if not u.startswith(sim.root_url)
    ]
    # an attempt to reach elsewhere is refused by the browser under this policy
    blocked = tab.evaluate("() => fetch('http://example.invalid/x').then(() => 'loaded', e => 'blocked: ' + e.name)")
    assert blocked.startswith("blocked")
    log.errors[:] = [e for e in log.errors if "example.invalid" not in e and "Content Security Policy" not in e]
    assert log.errors == []


def test_an_open_viewer_does_not_hold_up_stopping_the_simulator(page: tuple[Any, BrowserLog]) -> None:
    tab, _ = page
    sim = DPATSimulator(slides=1).start()
    try:
        open_slide(tab, sim, sim.slide_ids[0])
        tab.wait_for_function("() => document.querySelector('#live').textContent === 'live'", timeout=30_000)
    finally:
        started = time.perf_counter()
        sim.stop()
        stopped_in = time.perf_counter() - started
    assert stopped_in < 1.5  # the event stream ends when the server stops (uvicorn would wait 2 s for it)


def test_a_reconnect_refreshes_only_when_something_changed(sim: DPATSimulator, page: tuple[Any, BrowserLog]) -> None:
    """The first connect and a reconnect with the stamp the page holds re-read nothing; another stamp does."""
    tab, log = page
    slide_id = sim.slide_ids[0]
    post_result(sim, primitive(slide_id, [{"labels": [{"location": {"x": 0.4, "y": 0.3}, "label": "Ki67"}]}]))
    open_slide(tab, sim, slide_id)
    tab.wait_for_function("() => document.querySelector('#live').textContent === 'live'", timeout=30_000)
    tab.wait_for_timeout(500)  # a refresh the hello started would have ended by now
    assert tab.evaluate("() => window.dpatViewer.refreshes") == 0
    hello = (
        "(s) => window.dpatViewer.stream.dispatchEvent(new MessageEvent('hello', {data: JSON.stringify({state: s})}))"
    )
    tab.evaluate(hello, tab.evaluate("() => window.dpatViewer.stamp"))  # reconnected, nothing changed
    tab.wait_for_timeout(500)
    assert tab.evaluate("() => window.dpatViewer.refreshes") == 0
    tab.evaluate(hello, "changed-while-away")
    tab.wait_for_function("() => window.dpatViewer.refreshes === 1", timeout=30_000)
    assert log.errors == []
