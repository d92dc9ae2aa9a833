"""`AsyncDPATQidoClient`: QIDO-RS searches (studies, series, instances) with typed results.

Only the I/O lives here; query building, paging state and result parsing are shared (``..query``,
``..result``, ``..search``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from ..._core.aio_pool import LendingTransport  # unasync: drop
from ..._core.base_url import check_base_url
from ..._core.errors import error_for_failure
from ..._core.http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    RetryPolicy,
    build_async_client,
    default_async_transport,  # unasync: drop
)
from ..._core.limits import DEFAULT_ANSWER_LIMITS, AnswerLimits
from ..._core.redact import redact_url
from ..auth import resolve_auth
from ..dicom_object import DicomObject
from ..query import Fields, FilterValue, Level, PageCursor, QidoQuery, SearchOptions, merge_filters, page_cursor
from ..result import QidoResult, parse_response
from ..search import ACCEPT_HEADERS, find_one_query, one_of, request_extensions

__all__ = ["AsyncDPATQidoClient"]

logger = logging.getLogger("sectra_dpat_client.qido")


class AsyncDPATQidoClient:
    """A QIDO-RS (DICOMweb search) client.

    ``AsyncDPATQidoClient(url, username, password)`` uses HTTP Basic auth, as the seed did; pass
    ``token=`` for a bearer token or ``auth=`` for any `httpx.Auth`. ``url`` is the DICOMweb service
    root (e.g. ``https://pacs/dicom-web``). Retries, timeouts and errors are those of the IA-API client;
    ``transport=`` (an httpx transport) is the one injection seam, wrapped by the retries and timeouts.
    Filters take DICOM keywords or tags: ``search_studies(PatientID="PAT*")``,
    ``search_studies({"00100020": "PAT0042"})``, ``search_studies(studyInstanceUid=uid)``.
    ``limits`` (`AnswerLimits`) caps an answer's decoded size and a call's duration.
    Close it with ``await client.aclose()`` or use it as ``async with AsyncDPATQidoClient(...) as client:``.
    """

    def __init__(
        self,
        url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        token: str | None = None,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: AnswerLimits = DEFAULT_ANSWER_LIMITS,
    ) -> None:
        self.url = check_base_url(url, "the DICOMweb service root")
        if transport is None:  # unasync: drop
            transport = default_async_transport()  # unasync: drop
        # unasync: drop
        # Over our own pool a search waits its turn before its request is built, as the IA-API client's calls do.
        self._lending = transport if isinstance(transport, LendingTransport) else None  # unasync: drop
        self._deadline = limits.deadline  # unasync: drop
        self._http = build_async_client(
            self.url,
            auth=resolve_auth(username, password, token, auth),
            headers={**ACCEPT_HEADERS, **(headers or {})},
            timeout=timeout,
            retry=retry,
            transport=transport,
            status_guard=False,  # every status is mapped once, by `parse_response`
            limits=limits,
        )
        self._json_bytes = limits.json_bytes

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={redact_url(self.url)!r})"

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # --- searches ---------------------------------------------------------------------------

    async def search_studies(
        self,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        options: SearchOptions | None = None,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        **match: FilterValue,
    ) -> QidoResult:
        """Studies matching the filters (``/studies``); options as ``options=`` or keywords (`SearchOptions`)."""
        chosen = SearchOptions.of(options, fields, limit, offset, fuzzymatching, extra_params)
        return await self.send(chosen.query("studies", merge_filters(filters, match)))

    async def search_series(
        self,
        study_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        options: SearchOptions | None = None,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        **match: FilterValue,
    ) -> QidoResult:
        """Series of one study (``/studies/{uid}/series``) or of all studies (``/series``)."""
        chosen = SearchOptions.of(options, fields, limit, offset, fuzzymatching, extra_params)
        query = chosen.query("series", merge_filters(filters, match), study_instance_uid=study_instance_uid)
        return await self.send(query)

    async def search_instances(
        self,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        options: SearchOptions | None = None,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        **match: FilterValue,
    ) -> QidoResult:
        """Instances of one series, of one study, or of all studies."""
        chosen = SearchOptions.of(options, fields, limit, offset, fuzzymatching, extra_params)
        query = chosen.query(
            "instances",
            merge_filters(filters, match),
            study_instance_uid=study_instance_uid,
            series_instance_uid=series_instance_uid,
        )
        return await self.send(query)

    async def find_one_study(
        self, filters: Mapping[str, FilterValue] | None = None, *, fields: Fields = None, **match: FilterValue
    ) -> DicomObject:
        """The one study matching the filters; `DPATNoMatchError` if none, `DPATQueryError` if several."""
        return one_of(await self.send(find_one_query(merge_filters(filters, match), fields)), "study")

    async def search(
        self,
        level: Level,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
        options: SearchOptions | None = None,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
    ) -> QidoResult:
        """Any search level; the ``search_*`` methods are shorthands for this.

        ``options`` gives the options as one `SearchOptions` (then leave the separate keywords out).
        """
        chosen = SearchOptions.of(options, fields, limit, offset, fuzzymatching, extra_params)
        query = chosen.query(
            level, filters, study_instance_uid=study_instance_uid, series_instance_uid=series_instance_uid
        )
        return await self.send(query)

    # --- paging -----------------------------------------------------------------------------
    # ``options`` (a `SearchOptions` without ``limit``) or the keywords; ``offset`` is where paging starts.

    def iter_studies(
        self,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        options: SearchOptions | None = None,
        fields: Fields = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        page_size: int = 100,
        max_results: int | None = None,
        offset: int | None = None,
        **match: FilterValue,
    ) -> AsyncIterator[DicomObject]:
        """Every matching study, fetched ``page_size`` at a time with limit/offset."""
        chosen = SearchOptions.of(options, fields, None, offset, fuzzymatching, extra_params)
        cursor = page_cursor(
            "studies", merge_filters(filters, match), chosen, page_size=page_size, max_results=max_results
        )
        return self.iter_pages(cursor)

    def iter_series(
        self,
        study_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        options: SearchOptions | None = None,
        fields: Fields = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        page_size: int = 100,
        max_results: int | None = None,
        offset: int | None = None,
        **match: FilterValue,
    ) -> AsyncIterator[DicomObject]:
        """Every matching series, page by page."""
        chosen = SearchOptions.of(options, fields, None, offset, fuzzymatching, extra_params)
        cursor = page_cursor(
            "series",
            merge_filters(filters, match),
            chosen,
            study_instance_uid=study_instance_uid,
            page_size=page_size,
            max_results=max_results,
        )
        return self.iter_pages(cursor)

    def iter_instances(
        self,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        options: SearchOptions | None = None,
        fields: Fields = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        page_size: int = 100,
        max_results: int | None = None,
        offset: int | None = None,
        **match: FilterValue,
    ) -> AsyncIterator[DicomObject]:
        """Every matching instance, page by page."""
        chosen = SearchOptions.of(options, fields, None, offset, fuzzymatching, extra_params)
        cursor = page_cursor(
            "instances",
            merge_filters(filters, match),
            chosen,
            study_instance_uid=study_instance_uid,
            series_instance_uid=series_instance_uid,
            page_size=page_size,
            max_results=max_results,
        )
        return self.iter_pages(cursor)

    async def iter_pages(self, cursor: PageCursor) -> AsyncIterator[DicomObject]:
        """The items of every page the cursor asks for, until it says stop (`DPATResponseError` if it cannot)."""
        while not cursor.done:
            page = await self.send(cursor.next_query())
            # unasync: yield from page[: cursor.accept(page)]
            for item in page[: cursor.accept(page)]:
                # unasync: drop
                yield item

    # --- transport --------------------------------------------------------------------------

    async def send(self, query: QidoQuery) -> QidoResult:
        """Send one prepared search and parse its answer.

        The request carries its operation (`QidoQuery.operation`), so every error, from the transport
        (`error_for_failure`), the answer-size limits or `parse_response`, names the search's template;
        with a ``limit`` its answer may be at most ``limit`` x 64 KiB + 1 MiB (`search.answer_bytes`).
        """
        logger.debug("QIDO-RS GET %s", query.redacted())
        extensions = request_extensions(query, self._json_bytes)
        lending = self._lending  # unasync: drop
        if lending is not None:  # unasync: drop
            turn = await lending.wait_turn(self._http.timeout.pool, self._deadline)  # unasync: drop
            try:  # unasync: drop
                return await self._get(query, {**extensions, **turn})  # unasync: drop
            finally:  # unasync: drop
                lending.end_turn(turn)  # unasync: drop
        return await self._get(query, extensions)

    async def _get(self, query: QidoQuery, extensions: dict[str, Any]) -> QidoResult:
        """The GET of `send`, its failures mapped, its answer parsed."""
        try:
            response = await self._http.get(query.target, extensions=extensions)
        except httpx.HTTPError as exc:
            raise error_for_failure(exc) from exc
        return parse_response(response, query)
