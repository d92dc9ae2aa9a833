"""QIDO-RS paging against servers that ignore ``offset`` but vary their pages (issue #13 item 12), over
real loopback sockets, sync and async: paging must stop with a typed error once the pages bring no
study not seen before (by StudyInstanceUID), instead of running without end. Also: ``repr(QidoQuery)``
hides match values (item 11)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from sectra_dpat_client._core.http import RetryPolicy
from sectra_dpat_client.errors import DPATResponseError
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient, build_query

from .rawserver import Behaviour, raw_server

NO_WAIT = RetryPolicy(attempts=1)
PAGE = 3
CAP = 60  # more items than any scenario has distinct studies: reaching it means paging did not stop


def study(i: int, description: str = "") -> dict[str, Any]:
    return {
        "0020000D": {"vr": "UI", "Value": [f"1.2.3.{i}"]},
        "00081030": {"vr": "LO", "Value": [description or f"study {i}"]},
    }


def page(*items: dict[str, Any]) -> Behaviour:
    return Behaviour("respond", headers={"Content-Type": "application/dicom+json"}, body=orjson.dumps(list(items)))


def alternating(n: int) -> Behaviour:
    return page(*(study(i) for i in range(PAGE))) if n % 2 == 0 else page(*(study(i) for i in range(PAGE, 2 * PAGE)))


def reordered(n: int) -> Behaviour:
    items = [study(i) for i in range(PAGE)]
    return page(*(items if n % 2 == 0 else items[::-1]))


def one_attribute_changes(n: int) -> Behaviour:
    return page(*(study(i, f"version {n}") for i in range(PAGE)))


SCENARIOS: dict[str, tuple[Callable[[int], Behaviour], int]] = {
    # name: (the n-th answer, how many distinct studies the server ever shows)
    "two alternating pages": (alternating, 2 * PAGE),
    "the same page reordered": (reordered, PAGE),
    "one attribute changing per page": (one_attribute_changes, PAGE),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_sync_paging_stops_on_pages_with_nothing_new(scenario: str) -> None:
    answer, distinct = SCENARIOS[scenario]
    with raw_server([answer(n) for n in range(CAP)]) as server:
        got: list[object] = []
        with DPATQidoClient(server.url, retry=NO_WAIT) as qido:
            with pytest.raises(DPATResponseError, match="ignores offset") as caught:
                got.extend(itertools.islice(qido.iter_studies(page_size=PAGE), CAP))
        assert len(got) == distinct
        assert caught.value.path == "/studies"
        assert len(server.requests) == distinct // PAGE + 1


@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_async_paging_stops_on_pages_with_nothing_new(scenario: str) -> None:
    answer, distinct = SCENARIOS[scenario]
    with raw_server([answer(n) for n in range(CAP)]) as server:
        got: list[object] = []
        async with AsyncDPATQidoClient(server.url, retry=NO_WAIT) as qido:

            async def collect() -> None:
                async for item in qido.iter_studies(page_size=PAGE):
                    got.append(item)
                    if len(got) >= CAP:
                        return

            with pytest.raises(DPATResponseError, match="ignores offset"):
                await collect()
        assert len(got) == distinct
        assert len(server.requests) == distinct // PAGE + 1


def test_paging_still_ends_quietly_on_the_same_page_repeated() -> None:
    # A server that ignores offset and answers the same page every time: today's behaviour (stop) is kept.
    with raw_server([page(*(study(i) for i in range(PAGE)))]) as server:
        with DPATQidoClient(server.url, retry=NO_WAIT) as qido:
            assert len(list(qido.iter_studies(page_size=PAGE))) == PAGE
        assert len(server.requests) == 2


def test_query_repr_hides_match_values_and_uids() -> None:
    query = build_query("series", {"PatientID": "PAT0042", "PatientName": "DOE^JANE"}, study_instance_uid="1.2.840.99")
    shown = repr(query)
    assert "PAT0042" not in shown
    assert "DOE" not in shown
    assert "1.2.840.99" not in shown
    assert shown == "QidoQuery('/studies/{study}/series?PatientID=<redacted>&PatientName=<redacted>')"
    assert "PAT0042" not in repr([query])
