"""Everything the sync and async IA-API clients share that does no I/O.

The operation table (method, path template, the IA-API version that introduced it) is read from the
bundled spec's ``x-ia-api-since``; version comparison, the mapping of answers and failures to
`sectra_dpat_client.errors`, result normalisation and small request-building rules live here too.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar
from urllib.parse import quote

import attrs
import httpx
import orjson

import dpat_spec
from dpat_api.models import (
    InfoScope,
    Result,
    ResultContent,
    ResultData,
    ResultResponse,
    ResultUpdate,
)
from dpat_api.types import UNSET, Response, Unset

from .._core import http as _http
from .._core.tile_format import tile_extension
from ..errors import (
    DPATError,
    DPATQueryError,
    DPATRequestError,
    DPATResponseError,
    DPATVersionError,
    error_for_status,
)
from .fastpath import FastResult

__all__ = [
    "SPEC_VERSION",
    "Operation",
    "ResultLike",
    "TileFormatCache",
    "apply_range",
    "check_version",
    "content_or_none",
    "expect_list",
    "expect_one",
    "fast_update_body",
    "fill_path",
    "flag",
    "header_version",
    "info_scope",
    "mark_response_seen",
    "newest_result",
    "normalise_result",
    "operation_for",
    "operations",
    "optional",
    "parse_result_response",
    "parse_version",
    "path_segment",
    "range_header",
    "require_app_id",
    "response_seen",
    "result_update",
    "tile_extension",
    "translate_failure",
    "unwrap",
]

T = TypeVar("T")
ResultLike = Result | ResultResponse | ResultUpdate

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_VERSION_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)*)")


@dataclass(frozen=True, slots=True)
class Operation:
    """One DPAT-side operation of the spec: what to gate on and what to name in errors."""

    operation_id: str
    method: str
    path: str
    since: str
    sends_version_header: bool

    @property
    def module(self) -> str:
        """The generated module's name (``getImageInfo`` → ``get_image_info``)."""
        return _snake(self.operation_id)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@cache
def operations() -> Mapping[str, Operation]:
    """All DPAT-side operations of the bundled spec, keyed by generated module name."""
    spec = dpat_spec.ia_api()
    table: dict[str, Operation] = {}
    for path, item in spec["paths"].items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            operation = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                since=str(op["x-ia-api-since"]),
                sends_version_header=any(p.get("$ref", "").endswith("/ApiVersionHeader") for p in params),
            )
            table[operation.module] = operation
    return table


_BY_FUNCTION: dict[Any, Operation] = {}


def operation_for(function: Any) -> Operation:
    """The operation a generated ``*_detailed`` function belongs to (found by its module name)."""
    known = _BY_FUNCTION.get(function)
    if known is not None:
        return known
    module = str(getattr(function, "__module__", "")).rsplit(".", 1)[-1]
    try:
        operation = _BY_FUNCTION[function] = operations()[module]
    except KeyError:
        raise LookupError(f"{module!r} is not an operation of the bundled spec") from None
    return operation


SPEC_VERSION: str = str(dpat_spec.ia_api()["info"]["version"])


@cache
def parse_version(text: str) -> tuple[int, ...]:
    """``"1.10"`` → ``(1, 10)``, so that 1.10 > 1.9. Trailing text (``"4.2-beta"``) is ignored."""
    match = _VERSION_PATTERN.match(text)
    if match is None:
        raise ValueError(f"not a version number: {text[:40]!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def check_version(operation: Operation, server_version: str) -> None:
    """Raise `DPATVersionError` when the operation is newer than the server's IA-API version."""
    if parse_version(server_version) < parse_version(operation.since):
        raise DPATVersionError(operation.operation_id, operation.since, server_version)


def header_version(configured: str | None, server_version: str | None) -> str:
    """The ``X-Sectra-ApiVersion`` to send.

    An explicitly configured version wins. Otherwise the client targets the version it was built
    for (the spec's), lowered to the server's own version once that is known, so a server never
    sees a dialect newer than it speaks.
    """
    if configured is not None:
        return configured
    if server_version is None:
        return SPEC_VERSION
    return min(SPEC_VERSION, server_version, key=parse_version)


def parse_server_version(api_version: str) -> str:
    """The server's ``apiVersion``, checked to be comparable; `DPATResponseError` otherwise."""
    try:
        parse_version(api_version)
    except ValueError:
        raise DPATResponseError(
            "the server's /info answered an apiVersion that is not a version number", path="/info"
        ) from None
    return api_version


# Set by the auth flow once a response arrived, so that a parse failure is told apart from a
# failure while building the request (e.g. a float32 the JSON encoder rejects).
_RESPONSE_SEEN: ContextVar[bool] = ContextVar("dpat_response_seen", default=False)


def mark_response_seen() -> None:
    """Record that the current call got an answer from the server."""
    _RESPONSE_SEEN.set(True)


def response_seen() -> bool:
    """Whether the current call got an answer from the server."""
    return _RESPONSE_SEEN.get()


def reset_response_seen() -> None:
    """Forget the previous call's answer (called before each request)."""
    _RESPONSE_SEEN.set(False)


def translate_failure(exc: Exception, operation: Operation) -> Exception | None:
    """The library error for a failure raised while calling a generated function, or None to re-raise as is."""
    if isinstance(exc, DPATRequestError) and not exc.path:
        # The non-standard-status guard of the shared HTTP layer does not know the operation.
        return error_for_status(
            exc.status_code, exc.text, operation.path, method=operation.method, retry_after=exc.retry_after
        )
    if isinstance(exc, DPATError):
        return None
    if isinstance(exc, httpx.HTTPError):
        return _http.http_failure(exc, operation.method, operation.path)
    if isinstance(exc, KeyError | ValueError | TypeError | AttributeError) and response_seen():
        return DPATResponseError(
            f"{operation.method} {operation.path}: the answer does not match the API ({type(exc).__name__})",
            path=operation.path,
        )
    return None


def unwrap(response: Response[Any], operation: Operation) -> Any:
    """The parsed body of a 2xx answer; the matching `DPATRequestError` subclass for anything else."""
    status = int(response.status_code)
    if not 200 <= status < 300:
        text = response.content.decode("utf-8", "replace")
        raise error_for_status(
            status,
            text,
            operation.path,
            method=operation.method,
            retry_after=_http.retry_after_seconds(response.headers),
        )
    return response.parsed


def expect_one(kind: type[T], parsed: Any, operation: Operation) -> T:
    """``parsed`` if it is a ``kind``; `DPATResponseError` otherwise (e.g. an empty 2xx answer)."""
    if isinstance(parsed, kind):
        return parsed
    raise DPATResponseError(
        f"{operation.method} {operation.path}: expected {kind.__name__} in the answer, got {type(parsed).__name__}",
        path=operation.path,
    )


def expect_list(kind: type[T], parsed: Any, operation: Operation) -> list[T]:
    """``parsed`` if it is a list of ``kind``; `DPATResponseError` otherwise."""
    if isinstance(parsed, list) and all(isinstance(item, kind) for item in parsed):
        return parsed
    raise DPATResponseError(
        f"{operation.method} {operation.path}: expected a list of {kind.__name__} in the answer",
        path=operation.path,
    )


def path_segment(name: str, value: str) -> str:
    """``value`` if it can be sent as one URL path segment.

    Every character is percent-encoded by the generated code, but ``.``, ``..`` and the empty string
    would still change the path (dot segments are resolved by URL rules), so they are refused.
    """
    if not isinstance(value, str):
        raise DPATQueryError(f"{name} must be a string, not {type(value).__name__}")
    if value in ("", ".", ".."):
        raise DPATQueryError(f"{name} must not be empty, '.' or '..': it would change the request path")
    return value


def require_app_id(app_id: str | None) -> str:
    """The client's application id; result calls cannot be made without one."""
    if app_id is None:
        raise DPATQueryError("this call needs the application id: pass app_id= when creating the client")
    return path_segment("app_id", app_id)


def info_scope(extended: bool) -> InfoScope | Unset:
    """The ``scope`` query value for `get_image_info`."""
    return InfoScope.EXTENDED if extended else UNSET


def normalise_result(result: Result) -> Result:
    """The result as the server wants it: a bare `ResultContent` in ``data`` is wrapped in `ResultData`.

    The seed README passes ``Result(data=ResultContent(...))``; the wire format nests it as
    ``data.result``. The caller's object is not changed.
    """
    if isinstance(result.data, ResultContent):
        wrapped = attrs.evolve(result, data=ResultData(result=result.data))
        wrapped.additional_properties = dict(result.additional_properties)
        return wrapped
    return result


def result_update(result: ResultLike, version_id: str | None) -> ResultUpdate:
    """The body of an update: the result's fields plus the ``versionId`` the server expects.

    ``version_id`` wins; otherwise the one carried by a `ResultResponse` (or a `Result`) is used.
    """
    if isinstance(result, Result):
        result = normalise_result(result)
    chosen = version_id if version_id is not None else result.version_id
    if isinstance(chosen, Unset) or not chosen:
        raise DPATQueryError(
            "an update needs the result's versionId: pass version_id= or a ResultResponse read from the server"
        )
    data = result.data
    if isinstance(data, ResultContent):
        data = ResultData(result=data)
    update = ResultUpdate(
        slideId=result.slide_id,
        versionId=chosen,
        displayResult=result.display_result,
        displayProperties=result.display_properties,
        applicationVersion=result.application_version,
        attachments=result.attachments,
        data=data,
    )
    update.additional_properties = dict(result.additional_properties)
    return update


def newest_result(results: Iterable[ResultResponse]) -> ResultResponse | None:
    """The result with the highest id (the newest one), or None."""
    return max(results, key=lambda result: result.id, default=None)


def range_header(byte_range: tuple[int, int | None] | None) -> str | Unset:
    """``(start, end)`` (end inclusive, None = to the end) → ``bytes=start-end``."""
    if byte_range is None:
        return UNSET
    start, end = byte_range
    if start < 0 or (end is not None and end < start):
        raise DPATQueryError("byte_range must be (start, end) with 0 <= start <= end, or (start, None)")
    return f"bytes={start}-{'' if end is None else end}"


def apply_range(status_code: int, content: bytes, byte_range: tuple[int, int | None] | None) -> bytes:
    """The requested bytes, also when the server ignored ``Range`` and sent the whole body (200)."""
    if byte_range is None or status_code == 206:
        return content
    start, end = byte_range
    return content[start : None if end is None else end + 1]


def optional(value: T | None) -> T | Unset:
    """None → UNSET, the generated code's "leave it out"."""
    return UNSET if value is None else value


def fill_path(operation: Operation, **values: str | int) -> str:
    """The operation's path with each ``{name}`` replaced by its percent-encoded value (as the generated code does)."""
    return re.sub(r"\{(\w+)\}", lambda match: quote(str(values[match.group(1)]), safe=""), operation.path)


def parse_result_response(content: bytes, operation: Operation) -> ResultResponse:
    """The generated `ResultResponse` from a fast-path answer; `DPATResponseError` if it is not one."""
    try:
        return ResultResponse.from_dict(orjson.loads(content))
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise DPATResponseError(
            f"{operation.method} {operation.path}: the answer is not a ResultResponse ({type(exc).__name__})",
            path=operation.path,
        ) from None


class TileFormatCache:
    """Remembers the tile extension per slide so `get_tile` asks ``/info`` once per slide (bounded, thread-safe)."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, slide_id: str) -> str | None:
        """The remembered extension, or None."""
        return self._entries.get(slide_id)

    def put(self, slide_id: str, extension: str) -> str:
        """Remember ``extension`` for ``slide_id`` and return it."""
        with self._lock:
            self._entries[slide_id] = extension
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return extension


def flag(value: bool) -> bool | Unset:
    """A boolean query flag: sent as ``true`` when set, left out otherwise."""
    return True if value else UNSET


def content_or_none(response: Response[Any]) -> bytes | None:
    """The body of a binary answer, or None for 204 No Content."""
    return None if int(response.status_code) == 204 else response.content


def fast_update_body(result: FastResult, version_id: str | None) -> bytes:
    """The update body of a `FastResult`: its bytes with the ``versionId`` the server expects."""
    chosen = version_id if version_id is not None else result.fields.get("versionId")
    if not chosen:
        raise DPATQueryError("an update needs the result's versionId: pass version_id=")
    return result.to_bytes(str(chosen))
