"""What the sync and async QIDO-RS clients share around a search besides I/O: headers, ``find_one_*``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core.errors import operation_extension
from .._core.limits import MAX_ANSWER_BYTES
from .._core.transports import BUFFER_BODY
from ..errors import DPATNoMatchError, DPATQueryError
from .dicom_object import DicomObject
from .query import Fields, FilterValue, QidoQuery, build_query
from .result import QidoResult

__all__ = ["ACCEPT_HEADERS", "BYTES_PER_RESULT", "answer_bytes", "find_one_query", "one_of", "request_extensions"]

ACCEPT_HEADERS = {"Accept": "application/dicom+json, application/json;q=0.9"}

BYTES_PER_RESULT = 64 * 1024
"""Decoded answer bytes allowed per requested result (``limit``), on top of `_SLACK`."""
_SLACK = 1024 * 1024


def answer_bytes(query: QidoQuery, json_bytes: int | None) -> tuple[int, str] | None:
    """The answer-size limit of ``query`` when its ``limit`` lowers the client's ``json_bytes``, else None.

    A search with ``limit=n`` (every ``iter_*`` page has one) may read ``n`` x 64 KiB + 1 MiB, at most
    ``json_bytes``; with ``json_bytes=None`` (limits off) nothing is bounded. Returns the bytes and what
    the error names (the setting and the ``limit`` that lowered it).
    """
    limit = query.limit
    if limit is None or json_bytes is None:
        return None
    bound = limit * BYTES_PER_RESULT + _SLACK
    if bound >= json_bytes:
        return None
    return bound, f"json_bytes, lowered for limit={limit} to {limit} x 64 KiB + 1 MiB"


def request_extensions(query: QidoQuery, json_bytes: int | None) -> dict[str, Any]:
    """The extensions a search's request carries: its operation, its answer-size limit (`answer_bytes`), and
    `BUFFER_BODY` (the answer is read whole inside the retries, in memory when it came with its head)."""
    extensions = operation_extension(query.operation)
    extensions[BUFFER_BODY] = True
    bound = answer_bytes(query, json_bytes)
    if bound is not None:
        extensions[MAX_ANSWER_BYTES] = bound
    return extensions


def find_one_query(filters: Mapping[str, FilterValue], fields: Fields) -> QidoQuery:
    """The search behind ``find_one_study``: two results are enough to tell "one" from "several"."""
    if not filters:
        raise DPATQueryError("find_one_study needs at least one filter")
    return build_query("studies", filters, fields=fields, limit=2)


def one_of(result: QidoResult, what: str) -> DicomObject:
    """The single match of a ``find_one_*`` search; none is `DPATNoMatchError`, several `DPATQueryError`."""
    if not result:
        raise DPATNoMatchError(f"no {what} matched the filters")
    if len(result) > 1:
        raise DPATQueryError(f"the filters match more than one {what}; add filters (e.g. its instance UID)")
    return result[0]
