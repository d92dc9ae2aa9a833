"""What the sync and async QIDO-RS clients share around a search besides I/O: headers, ``find_one_*``."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import DPATNoMatchError, DPATQueryError
from .dicom_object import DicomObject
from .query import Fields, FilterValue, QidoQuery, build_query
from .result import QidoResult

__all__ = ["ACCEPT_HEADERS", "find_one_query", "one_of"]

ACCEPT_HEADERS = {"Accept": "application/dicom+json, application/json;q=0.9"}


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
