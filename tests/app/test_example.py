"""The example tissue-area app: its analysis on known images, and the whole app against the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from examples.tissue_area.analysis import convex_hull, measure_tissue, tissue_mask, tissue_regions
from examples.tissue_area.app import create_app, read_thumbnail, thumbnail_from_tiles
from sectra_dpat_client.ai import AsyncDPATAIClient
from sectra_dpat_client.app import AnalysisApp, BackgroundServer, JobState
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.validate import iter_faults

WAIT = 30.0
STAIN = (160, 90, 170)
GLASS = (242, 240, 245)


def two_squares() -> np.ndarray:
    image = np.full((200, 400, 3), GLASS, dtype=np.uint8)
    image[20:80, 20:80] = STAIN  # 60 x 60
    image[100:180, 250:350] = STAIN  # 80 x 100
    return image


def test_mask_and_fraction_on_a_known_image() -> None:
    image = two_squares()
    assert int(tissue_mask(image).sum()) == 60 * 60 + 80 * 100
    measured = measure_tissue(image, image_size=(40_000, 20_000), microns_per_pixel=0.5)
    expected_fraction = (60 * 60 + 80 * 100) / (200 * 400)
    assert measured.fraction == pytest.approx(expected_fraction)
    assert measured.area_mm2 == pytest.approx(expected_fraction * 40_000 * 20_000 * 0.0005**2)
    assert measured.thumbnail_size == (400, 200)


def test_regions_outline_each_square() -> None:
    regions = tissue_regions(tissue_mask(two_squares()), cells=40)  # 10 px cells
    assert len(regions) == 2
    boxes = sorted((r[:, 0].min(), r[:, 1].min(), r[:, 0].max(), r[:, 1].max()) for r in regions)
    assert boxes == [(20, 20, 80, 80), (250, 100, 350, 180)]


def test_blank_glass_has_no_tissue() -> None:
    blank = np.full((64, 64, 3), GLASS, dtype=np.uint8)
    measured = measure_tissue(blank, image_size=(6400, 6400), microns_per_pixel=0.25)
    assert (measured.fraction, measured.regions) == (0.0, [])


def test_bad_thumbnail_is_refused() -> None:
    with pytest.raises(ValueError, match="RGB"):
        measure_tissue(np.zeros((4, 4), dtype=np.uint8), image_size=(4, 4), microns_per_pixel=1.0)


def test_convex_hull_drops_inner_and_collinear_points() -> None:
    points = np.array([(0, 0), (2, 0), (1, 0), (2, 2), (0, 2), (1, 1)], dtype=float)
    assert convex_hull(points).tolist() == [[0, 0], [2, 0], [2, 2], [0, 2]]


def test_normalized_regions_use_width_units() -> None:
    measured = measure_tissue(two_squares(), image_size=(40_000, 20_000), microns_per_pixel=0.5)
    normalized = measured.normalized_regions(40_000, 20_000)
    for region in normalized:
        for x, y in region:
            assert 0.0 <= x <= 1.0
            assert 0.0 <= y <= 0.5  # height / width


@pytest.fixture
def dpat(nulls: bool) -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=3, nulls=nulls) as simulator:
        yield simulator


@pytest.fixture
def example(dpat: DPATSimulator) -> AnalysisApp:
    return create_app(application_id=dpat.app_id)


@pytest.fixture
def app_url(example: AnalysisApp) -> Iterator[str]:
    with BackgroundServer(example) as server:
        yield server.url + "/"


async def test_tile_fallback_matches_the_region_reader(dpat: DPATSimulator) -> None:
    async with AsyncDPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id) as client:
        for slide_id in dpat.slide_ids:
            info = await client.get_image_info(slide_id)
            from_reader = await read_thumbnail(client, slide_id, info)
            from_tiles = await thumbnail_from_tiles(client, slide_id, info)
            assert from_reader.shape == from_tiles.shape
            assert max(from_reader.shape[:2]) == 512
            assert np.abs(from_reader.astype(int) - from_tiles.astype(int)).mean() < 2.0


def test_create_measures_outlines_and_sets_qc(dpat: DPATSimulator, example: AnalysisApp, app_url: str) -> None:
    registration = dpat.fetch_registration(app_url)
    assert registration["displayName"] == "Tissue area"
    for slide_id in dpat.slide_ids:
        answer = dpat.invoke(app_url, action="create", slide_id=slide_id)
        assert answer.status_code == 200, answer.text
        assert answer.json()["displayResult"] == "Tissue detection running"
    assert example.jobs.wait_idle(WAIT)
    assert [job.state for job in example.jobs.snapshot()] == [JobState.DONE] * 3
    for stored in dpat.results:
        assert iter_faults(stored, "ResultResponse") == []
        assert stored["displayResult"].startswith("Tissue ")
        properties = stored["displayProperties"]
        assert properties["Quality control"] == "QualityOk"
        (item,) = stored["data"]["result"]["content"]
        assert len(item["polygons"]) == properties["Regions"] >= 1
        assert dpat.quality_control(stored["slideId"])["status"] == "QualityOk"


def test_empty_slide_is_rejected_in_qc(dpat: DPATSimulator, example: AnalysisApp, app_url: str) -> None:
    slide_id = dpat.slide_ids[0]
    answer = dpat.invoke(app_url, action="create", slide_id=slide_id, context={"minTissueFraction": 0.99})
    assert answer.status_code == 200
    assert example.jobs.wait_idle(WAIT)
    assert dpat.quality_control(slide_id)["status"] == "Rejected"
    assert dpat.results[0]["displayProperties"]["Quality control"] == "Rejected"


def test_notification_pre_analyses_and_modify_keeps_edits(
    dpat: DPATSimulator, example: AnalysisApp, app_url: str
) -> None:
    slide_id = dpat.slide_ids[1]
    assert dpat.notify_new_image(app_url, slide_id).json() == {}
    assert example.jobs.wait_idle(WAIT)
    (stored,) = dpat.results
    assert stored["slideId"] == slide_id
    modified = dpat.invoke(app_url, action="modify", result_id=stored["id"])
    assert modified.status_code == 200, modified.text
    assert modified.json()["displayProperties"]["Edited by user"] == "yes"
    assert dpat.result(stored["id"])["data"] == stored["data"]


@pytest.mark.parametrize(
    "context", [{"demoDelaySeconds": 1e300}, {"demoDelaySeconds": -1}, {"minTissueFraction": "all"}]
)
def test_example_refuses_a_context_asking_for_too_much(context: dict[str, object]) -> None:
    import httpx

    from . import fakes

    app = create_app()
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        answer = http.post("/", json=fakes.create(applicationId="tissue-area", context=context))
        assert answer.status_code == 422, answer.text
        assert answer.json()["faults"][0]["path"].startswith("$.context.")
        assert app.jobs.running() == []
