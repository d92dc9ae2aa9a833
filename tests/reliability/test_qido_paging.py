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
from sectra_dpat_client._core.limits import AnswerLimits
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


# -- memory follows the page size (review gap 6) ---------------------------------------------------

MANY = 100_000  # about 9 MB of DICOM JSON, far more than limit x 64 KiB + 1 MiB for limit=10


@pytest.fixture(scope="module")
def huge_page() -> Behaviour:
    return page(*(study(i) for i in range(MANY)))


def test_a_huge_answer_to_a_small_limit_is_refused_sync(huge_page: Behaviour) -> None:
    with raw_server([huge_page, huge_page]) as server, DPATQidoClient(server.url, retry=NO_WAIT) as qido:
        with pytest.raises(DPATResponseError, match=r"limit=10 to 10 x 64 KiB \+ 1 MiB") as caught:
            qido.search_studies(limit=10)
        assert caught.value.path == "/studies"
        with pytest.raises(DPATResponseError, match="limit=10 "):
            next(qido.iter_studies(page_size=10))


async def test_a_huge_answer_to_a_small_limit_is_refused_async(huge_page: Behaviour) -> None:
    with raw_server([huge_page, huge_page]) as server:
        async with AsyncDPATQidoClient(server.url, retry=NO_WAIT) as qido:
            with pytest.raises(DPATResponseError, match=r"limit=10 to 10 x 64 KiB \+ 1 MiB"):
                await qido.search_studies(limit=10)
            with pytest.raises(DPATResponseError, match="limit=10 "):
                await anext(qido.iter_studies(page_size=10))


def test_the_page_bound_never_raises_json_bytes_and_no_limit_keeps_json_bytes(huge_page: Behaviour) -> None:
    small = AnswerLimits(json_bytes=500_000)
    with raw_server([huge_page, huge_page]) as server, DPATQidoClient(server.url, retry=NO_WAIT, limits=small) as qido:
        with pytest.raises(DPATResponseError, match=r"limit of 500000 bytes \(AnswerLimits.json_bytes\)"):
            qido.search_studies(limit=10)
        with DPATQidoClient(server.url, retry=NO_WAIT) as unbounded:
            assert len(unbounded.search_studies()) == MANY  # no limit: only json_bytes (256 MiB) applies
