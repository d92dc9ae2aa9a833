"""QIDO-RS responses: the typed result list and the parsing shared by the sync and async clients."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable

import httpx
import orjson

from .._core.errors import NO_OPERATION, NamedOperation, error_for_response, operation_of, unusable_answer
from .dicom_object import DicomObject, check_dataset, not_dicom_json
from .query import QidoQuery

__all__ = ["QidoResult", "parse_datasets", "parse_response"]

logger = logging.getLogger("sectra_dpat_client.qido")

_JSON_TYPES = ("application/dicom+json", "application/json")


class QidoResult(list[DicomObject]):
    """The matches of one search, in the server's order.

    ``warnings`` holds the response's ``Warning`` header values (e.g. ``299 …: fuzzy matching not
    supported`` or a note that more results exist); ``status_code`` is 200, 204 (no match) or 206.
    """

    __slots__ = ("status_code", "warnings")

    def __init__(self, items: Iterable[DicomObject] = (), *, warnings: Iterable[str] = (), status_code: int = 200):
        super().__init__(items)
        self.warnings: tuple[str, ...] = tuple(warnings)
        self.status_code = status_code

    def __repr__(self) -> str:
        return f"QidoResult({len(self)} matches, warnings={len(self.warnings)})"  # values may be patient data


def parse_datasets(
    body: bytes, operation: NamedOperation = NO_OPERATION, *, status_code: int | None = None
) -> list[DicomObject]:
    """A QIDO-RS JSON body (an array of datasets; a lone dataset is tolerated) as `DicomObject`s.

    The shape is checked here; each attribute is validated against the generated models when read. A body
    that is not DICOM JSON raises `DPATResponseError` naming ``operation`` (the search that answered it).
    """
    if not body.strip():
        return []
    paused = gc.isenabled()
    if paused:
        gc.disable()  # the cyclic collector would rescan every new dict many times over (cost per study grows)
    try:
        return _parse(body, operation, status_code)
    finally:
        if paused:
            gc.enable()


def _parse(body: bytes, operation: NamedOperation, status_code: int | None) -> list[DicomObject]:
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise not_dicom_json(operation, "not JSON", status_code) from None
    if type(decoded) is dict:
        return [DicomObject.wrap(check_dataset(decoded, "$", operation, status_code))]
    if type(decoded) is not list:
        raise not_dicom_json(operation, "$ is neither an array nor an object", status_code)
    return [
        DicomObject.wrap(check_dataset(item, f"$[{index}]", operation, status_code))
        for index, item in enumerate(decoded)
    ]


def parse_response(response: httpx.Response, query: QidoQuery) -> QidoResult:
    """Map a search response to a `QidoResult`; 204 and ``200 []`` both mean no match.

    Non-2xx statuses raise the library's `DPATRequestError` subclasses (413: narrow the query or page).
    Every error names the operation the request carries (`QidoQuery.operation`), built by `_core.errors`.
    """
    if not 200 <= response.status_code < 300:
        raise error_for_response(response)
    warnings = response.headers.get_list("warning")
    if warnings:
        logger.debug("QIDO-RS %s returned %d Warning header(s)", query.template, len(warnings))
    if response.status_code == 204:
        return QidoResult(warnings=warnings, status_code=204)
    operation = operation_of(response.request)
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    body = response.content
    if body.strip() and content_type not in _JSON_TYPES:
        what = f"expected DICOM JSON, got content type {content_type or 'none'!r}"
        raise unusable_answer(operation, what, response.status_code)
    items = parse_datasets(body, operation, status_code=response.status_code)
    return QidoResult(items, warnings=warnings, status_code=response.status_code)
