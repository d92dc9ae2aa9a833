"""One options type: every ``search_*``/``iter_*`` method (sync and async) takes ``options=`` (`SearchOptions`)
as well as the separate keywords, and sends the same request either way."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from sectra_dpat_client.errors import DPATQueryError
from sectra_dpat_client.qido import AsyncDPATQidoClient, DPATQidoClient, SearchOptions

from .test_client_unit import JSON, Both, sent, study

OPTIONS = SearchOptions(fields=["StudyDescription"], fuzzymatching=True, extra_params={"x": "y"})
KEYWORDS: dict[str, Any] = {"fields": ["StudyDescription"], "fuzzymatching": True, "extra_params": {"x": "y"}}
SCOPES: dict[str, tuple[str, ...]] = {"studies": (), "series": ("1.2",), "instances": ("1.2", "3.4")}


@pytest.fixture(params=["sync", "async"])
def both(request: pytest.FixtureRequest) -> Both:
    return Both(request.param)


@pytest.mark.parametrize("level", ["studies", "series", "instances"])
async def test_search_methods_take_options_like_keywords(both: Both, httpx_mock: HTTPXMock, level: str) -> None:
    httpx_mock.add_response(json=[study(1)], headers=JSON, is_reusable=True)
    scope = SCOPES[level]
    options = SearchOptions(**{**KEYWORDS, "limit": 5, "offset": 2})
    await both.call(both.client(), f"search_{level}", *scope, options=options, Modality="SM")
    await both.call(both.client(), f"search_{level}", *scope, limit=5, offset=2, Modality="SM", **KEYWORDS)
    first, second = sent(httpx_mock)
    assert first == second
    assert "limit=5&offset=2" in first
    with pytest.raises(DPATQueryError, match="not both"):
        await both.call(both.client(), f"search_{level}", *scope, options=options, limit=5)


@pytest.mark.parametrize("level", ["studies", "series", "instances"])
async def test_iter_methods_take_options_like_keywords(both: Both, httpx_mock: HTTPXMock, level: str) -> None:
    httpx_mock.add_response(json=[study(1)], headers=JSON, is_reusable=True)
    scope = SCOPES[level]
    with_options = await both.collect(both.client(), f"iter_{level}", *scope, options=OPTIONS, page_size=3)
    with_keywords = await both.collect(both.client(), f"iter_{level}", *scope, page_size=3, **KEYWORDS)
    assert len(with_options) == len(with_keywords) == 1
    first, second = sent(httpx_mock)
    assert first == second
    assert "includefield=StudyDescription&fuzzymatching=true" in first
    started = await both.collect(both.client(), f"iter_{level}", *scope, options=SearchOptions(offset=7), page_size=3)
    assert len(started) == 1
    assert sent(httpx_mock)[-1].endswith("limit=3&offset=7")
    with pytest.raises(DPATQueryError, match="not both"):
        await both.collect(both.client(), f"iter_{level}", *scope, options=OPTIONS, fuzzymatching=False)
    with pytest.raises(DPATQueryError, match="page_size"):
        await both.collect(both.client(), f"iter_{level}", *scope, options=SearchOptions(limit=5))


@pytest.mark.parametrize("cls", [DPATQidoClient, AsyncDPATQidoClient])
def test_every_search_and_iter_method_has_options(cls: type) -> None:
    names = [name for name in vars(cls) if name.startswith(("search", "iter_")) and name != "iter_pages"]
    assert len(names) == 7
    for name in names:
        parameter = inspect.signature(getattr(cls, name)).parameters["options"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameter.default is None, name
