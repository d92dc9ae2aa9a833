"""Result shaping (no I/O): the wire's nesting of result data, update bodies, answer-shape checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import orjson

from sectra_dpat_client._generated.dpat_api.models import (
    Result,
    ResultResponse,
    ResultUpdate,
)

from .._core.errors import NamedOperation, unusable_answer
from ..errors import DPATQueryError
from .fastpath import FastResult

__all__ = [
    "ResultLike",
    "expect_list",
    "expect_one",
    "fast_update_body",
    "newest_result",
    "parse_result_response",
    "result_update",
]

T = TypeVar("T")
ResultLike = Result | ResultResponse | ResultUpdate


def expect_one(kind: type[T], parsed: Any, operation: NamedOperation) -> T:
    """``parsed`` if it is a ``kind``; `DPATResponseError` otherwise (e.g. an empty 2xx answer)."""
    if isinstance(parsed, kind):
        return parsed
    raise unusable_answer(operation, f"expected {kind.__name__} in the answer, got {type(parsed).__name__}")


def expect_list(kind: type[T], parsed: Any, operation: NamedOperation) -> list[T]:
    """``parsed`` if it is a list of ``kind``; `DPATResponseError` otherwise."""
    if isinstance(parsed, list) and all(isinstance(item, kind) for item in parsed):
        return parsed
    raise unusable_answer(operation, f"expected a list of {kind.__name__} in the answer")


def result_update(result: ResultLike, version_id: str | None) -> ResultUpdate:
    """The body of an update: the result's fields plus the ``versionId`` the server expects.

    ``version_id`` wins; otherwise the one carried by a `ResultResponse` (or a `Result`) is used.
    """
    chosen = version_id if version_id is not None else result.version_id
    if chosen is None or not chosen:
        raise DPATQueryError(
            "an update needs the result's versionId: pass version_id= or a ResultResponse read from the server"
        )
    update = ResultUpdate(
        slideId=result.slide_id,
        versionId=chosen,
        displayResult=result.display_result,
        displayProperties=result.display_properties,
        applicationVersion=result.application_version,
        attachments=result.attachments,
        data=result.data,
    )
    update.additional_properties = dict(result.additional_properties)
    return update


def newest_result(results: Iterable[ResultResponse]) -> ResultResponse | None:
    """The result with the highest id (the newest one), or None."""
    return max(results, key=lambda result: result.id, default=None)


def fast_update_body(result: FastResult, version_id: str | None) -> bytes:
    """The update body of a `FastResult`: its bytes with the ``versionId`` the server expects."""
    chosen = version_id if version_id is not None else result.fields.get("versionId")
    if not chosen:
        raise DPATQueryError("an update needs the result's versionId: pass version_id=")
    return result.to_bytes(str(chosen))


def parse_result_response(content: bytes, operation: NamedOperation) -> ResultResponse:
    """The generated `ResultResponse` from a fast-path answer; `DPATResponseError` if it is not one."""
    try:
        return ResultResponse.from_dict(orjson.loads(content))
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise unusable_answer(operation, f"the answer is not a ResultResponse ({type(exc).__name__})") from None
