"""`DPATQidoClient`: QIDO-RS searches (studies, series, instances) with typed results."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Literal, Self

import httpx

from .._http import DEFAULT_TIMEOUT, RetryPolicy, build_client, http_failure
from ..errors import DPATNotFoundError, DPATQueryError, DPATRequestError, error_for_status
from .auth import resolve_auth
from .dicom_object import DicomObject
from .query import FilterValue, Level, PageCursor, QidoQuery, build_query, merge_filters, page_cursor
from .result import QidoResult, parse_response

__all__ = ["DPATQidoClient"]

logger = logging.getLogger("sectra_dpat_client.qido")

ACCEPT_HEADERS = {"Accept": "application/dicom+json, application/json;q=0.9"}

DEFAULT_RETRY = RetryPolicy()

Fields = Iterable[str | int] | Literal["all"] | None


def find_one_query(filters: Mapping[str, FilterValue], fields: Fields) -> QidoQuery:
    """The search behind ``find_one_study``: two results are enough to tell "one" from "several"."""
    if not filters:
        raise DPATQueryError("find_one_study needs at least one filter")
    return build_query("studies", filters, fields=fields, limit=2)


def one_of(result: QidoResult, query: QidoQuery) -> DicomObject:
    """The single match of ``find_one_study``; no match is a `DPATNotFoundError` (404), several a query error."""
    if not result:
        raise DPATNotFoundError(404, "no study matched the filters", query.template, method="GET")
    if len(result) > 1:
        raise DPATQueryError("the filters match more than one study; add filters (e.g. StudyInstanceUID)")
    return result[0]


def relabel(error: DPATRequestError, query: QidoQuery) -> DPATRequestError:
    """An error raised below us without a path, named after the search's path template."""
    if error.path:
        return error
    return error_for_status(error.status_code, error.text, query.template, method="GET")


class DPATQidoClient:
    """A QIDO-RS (DICOMweb search) client.

    ``DPATQidoClient(url, username, password)`` uses HTTP Basic auth, as the seed did; pass
    ``token=`` for a bearer token or ``auth=`` for any `httpx.Auth`. ``url`` is the DICOMweb service
    root (e.g. ``https://pacs/dicom-web``). Retries, timeouts and errors are those of the IA-API client.
    Filters take DICOM keywords or tags: ``search_studies(PatientID="PAT*")``,
    ``search_studies({"00100020": "PAT0042"})``, ``search_studies(studyInstanceUid=uid)``.
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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = build_client(
            self.url,
            auth=resolve_auth(username, password, token, auth),
            headers={**ACCEPT_HEADERS, **(headers or {})},
            timeout=timeout,
            retry=retry,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- searches ---------------------------------------------------------------------------

    def search_studies(
        self,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        **match: FilterValue,
    ) -> QidoResult:
        """Studies matching the filters (``/studies``)."""
        return self.search(
            "studies",
            merge_filters(filters, match),
            fields=fields,
            limit=limit,
            offset=offset,
            fuzzymatching=fuzzymatching,
            extra_params=extra_params,
        )

    def search_series(
        self,
        study_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        **match: FilterValue,
    ) -> QidoResult:
        """Series of one study (``/studies/{uid}/series``) or of all studies (``/series``)."""
        return self.search(
            "series",
            merge_filters(filters, match),
            study_instance_uid=study_instance_uid,
            fields=fields,
            limit=limit,
            offset=offset,
            fuzzymatching=fuzzymatching,
            extra_params=extra_params,
        )

    def search_instances(
        self,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        **match: FilterValue,
    ) -> QidoResult:
        """Instances of one series, of one study, or of all studies."""
        return self.search(
            "instances",
            merge_filters(filters, match),
            study_instance_uid=study_instance_uid,
            series_instance_uid=series_instance_uid,
            fields=fields,
            limit=limit,
            offset=offset,
            fuzzymatching=fuzzymatching,
            extra_params=extra_params,
        )

    def find_one_study(
        self, filters: Mapping[str, FilterValue] | None = None, *, fields: Fields = None, **match: FilterValue
    ) -> DicomObject:
        """The one study matching the filters; `DPATNotFoundError` if none, `DPATQueryError` if several."""
        query = find_one_query(merge_filters(filters, match), fields)
        return one_of(self.send(query), query)

    def search(
        self,
        level: Level,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
    ) -> QidoResult:
        """Any search level; the ``search_*`` methods are shorthands for this."""
        query = build_query(
            level,
            filters,
            study_instance_uid=study_instance_uid,
            series_instance_uid=series_instance_uid,
            fields=fields,
            limit=limit,
            offset=offset,
            fuzzymatching=fuzzymatching,
            extra_params=extra_params,
        )
        return self.send(query)

    # --- paging -----------------------------------------------------------------------------

    def iter_studies(
        self,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        fields: Fields = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        page_size: int = 100,
        max_results: int | None = None,
        offset: int = 0,
        **match: FilterValue,
    ) -> Iterator[DicomObject]:
        """Every matching study, fetched ``page_size`` at a time with limit/offset."""
        cursor = page_cursor(
            "studies",
            filters,
            match,
            fields=fields,
            fuzzymatching=fuzzymatching,
            extra_params=extra_params,
            page_size=page_size,
            max_results=max_results,
            offset=offset,
        )
        return self.iter_pages(cursor)

    def iter_series(
        self,
        study_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        fields: Fields = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        page_size: int = 100,
        max_results: int | None = None,
        offset: int = 0,
        **match: FilterValue,
    ) -> Iterator[DicomObject]:
        """Every matching series, page by page."""
        cursor = page_cursor(
            "series",
            filters,
            match,
            study_instance_uid=study_instance_uid,
            fields=fields,
            fuzzymatching=fuzzymatching,
            extra_params=extra_params,
            page_size=page_size,
            max_results=max_results,
            offset=offset,
        )
        return self.iter_pages(cursor)

    def iter_instances(
        self,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        fields: Fields = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
        page_size: int = 100,
        max_results: int | None = None,
        offset: int = 0,
        **match: FilterValue,
    ) -> Iterator[DicomObject]:
        """Every matching instance, page by page."""
        cursor = page_cursor(
            "instances",
            filters,
            match,
            study_instance_uid=study_instance_uid,
            series_instance_uid=series_instance_uid,
            fields=fields,
            fuzzymatching=fuzzymatching,
            extra_params=extra_params,
            page_size=page_size,
            max_results=max_results,
            offset=offset,
        )
        return self.iter_pages(cursor)

    def iter_pages(self, cursor: PageCursor) -> Iterator[DicomObject]:
        """The items of every page the cursor asks for, until it says stop."""
        while not cursor.done:
            page = self.send(cursor.next_query())
            yield from page[: cursor.accept(page)]

    # --- transport --------------------------------------------------------------------------

    def send(self, query: QidoQuery) -> QidoResult:
        """Send one prepared search and parse its answer."""
        logger.debug("QIDO-RS GET %s", query.redacted())
        try:
            response = self._http.get(query.target)
        except DPATRequestError as error:
            raise relabel(error, query) from None
        except httpx.HTTPError as exc:
            raise http_failure(exc, "GET", query.template) from exc
        return parse_response(response, query)
