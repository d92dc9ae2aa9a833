"""Real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-python; no browser download)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sectra_dpat_client.simulator import BASE_PATH, DPATSimulator

CHROMIUM = os.environ.get("SECTRA_DPAT_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class BrowserLog:
    """Console errors, page errors, failed requests and every URL the page asked for."""

    errors: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


# package scope: playwright's sync API holds a running event loop; close it before other packages' asyncio tests
@pytest.fixture(scope="package")
def browser_context() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (scripts/chromium.sh installs it)")
        pytest.skip(f"{CHROMIUM} is missing (scripts/chromium.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="dpat-viewer-chromium-")
    try:
        with sync_api.sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=FLAGS,
                viewport={"width": 1100, "height": 760},
                device_scale_factor=1,
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def sim() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=1) as simulator:
        yield simulator


@pytest.fixture
def page(browser_context: Any) -> Iterator[tuple[Any, BrowserLog]]:
    page = browser_context.new_page()
    log = BrowserLog()
    page.on("console", lambda m: log.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: log.errors.append(f"request failed: {r.url} {r.failure}"))
    page.on("request", lambda r: log.urls.append(r.url))
    try:
        yield page, log
    finally:
        page.close()


def post_result(sim: DPATSimulator, body: dict[str, Any]) -> dict[str, Any]:
    """POST a result as an app does (bearer token, IA-API path)."""
    response = httpx.post(
        f"{sim.url}/applications/{sim.app_id}/results",
        json=body,
        headers={"Authorization": f"Bearer {sim.token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def put_result(sim: DPATSimulator, result_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.put(
        f"{sim.url}/applications/{sim.app_id}/results/{result_id}",
        json=body,
        headers={"Authorization": f"Bearer {sim.token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def primitive(slide_id: str, content: list[dict[str, Any]], text: str = "demo") -> dict[str, Any]:
    return {
        "slideId": slide_id,
        "displayResult": text,
        "displayProperties": {"Points": str(sum(len(p["points"]) for c in content for p in c.get("polygons", [])))},
        "applicationVersion": "1.0.0",
        "data": {"context": {}, "result": {"type": "primitive", "content": content}},
    }


def open_slide(page: Any, sim: DPATSimulator, slide_id: str) -> None:
    """Open the slide's viewer page and wait until OpenSeadragon opened it and the results were drawn once."""
    from urllib.parse import quote

    page.goto(f"{sim.viewer_url}/{quote(slide_id, safe='')}")
    page.wait_for_function("() => window.dpatViewer && window.dpatViewer.ready === true", timeout=30_000)


def settle(page: Any) -> None:
    """Wait until every tile of the current view is drawn, then two more frames."""
    page.wait_for_function(
        "() => { const v = window.dpatViewer.viewer; const item = v.world.getItemAt(0);"
        " return item && item.getFullyLoaded() && Math.abs(v.viewport.getZoom(true) - v.viewport.getZoom(false)) < 1e-9; }",
        timeout=20_000,
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


__all__ = ["BASE_PATH", "BrowserLog", "open_slide", "post_result", "primitive", "put_result", "settle"]
