"""The viewer's JSON and event-stream API: every (re)connect's ``hello`` carries the slide's state stamp, the
same one ``api/slide`` gives, so a page tells "changed while I was away" from "nothing new"."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from sectra_dpat_client.simulator import DPATSimulator


@pytest.fixture(scope="module")
def sim() -> Iterator[DPATSimulator]:
    with DPATSimulator(slides=2) as dpat:
        yield dpat


def _slide_state(http: httpx.Client, sim: DPATSimulator, slide_id: str) -> str:
    answer = http.get(f"{sim.viewer_url}/-/api/slide", params={"slide": slide_id})
    answer.raise_for_status()
    state = answer.json()["state"]
    assert isinstance(state, str)
    return state


def _hello_state(http: httpx.Client, sim: DPATSimulator, slide_id: str) -> str:
    with http.stream("GET", f"{sim.viewer_url}/-/api/events", params={"slide": slide_id}) as events:
        lines = events.iter_lines()
        for line in lines:
            if line == "event: hello":
                data = next(lines)
                assert data.startswith("data: ")
                state = orjson.loads(data[len("data: ") :])["state"]
                assert isinstance(state, str)
                return state
    raise AssertionError("the stream sent no hello")


def test_hello_and_api_slide_carry_the_same_stamp_until_something_changes(sim: DPATSimulator) -> None:
    slide_id, other = sim.slide_ids
    with httpx.Client(timeout=10) as http:
        before = _slide_state(http, sim, slide_id)
        assert _hello_state(http, sim, slide_id) == before
        assert _slide_state(http, sim, slide_id) == before  # reading changes nothing
        other_before = _slide_state(http, sim, other)
        sim.store.set_quality_control(slide_id, "Rejected", sim.quality_control(slide_id)["versionId"])
        after = _slide_state(http, sim, slide_id)
        assert after != before
        assert _hello_state(http, sim, slide_id) == after
        assert _slide_state(http, sim, other) == other_before  # another slide's stamp is its own
        renamed = _slide_state(http, sim, slide_id)
        sim.store.register_app(sim.app_id, display_name="Renamed app")  # api/slide shows each result's app name
        assert _slide_state(http, sim, slide_id) != renamed
