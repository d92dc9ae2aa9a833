"""The error hierarchy (rooted at `DPATError`) and the one place a wire failure becomes a typed error.

Messages never carry a token, a password or patient data: request errors name the operation's
path *template* (``/requests/{accessionNumber}/images/info``), not the filled-in path, and keep the
server's body on ``.text`` only (it may echo patient data), out of ``str()`` and ``repr()``.

Following one error from the wire: a client puts the operation (method and path template) on the
request as the `OPERATION` extension (`operation_extension`). After the retries are spent,
`error_for_response` turns a non-2xx answer into the `DPATRequestError` subclass of its status,
`error_for_failure` turns what httpx raised into `DPATConnectionError`/`DPATTimeoutError`/
`DPATResponseError`, `unusable_answer` names an answer that does not parse, `answer_too_large` and
`deadline_passed` the answer-size limit and the deadline (`_core.limits`). Each reads the operation from
the request (`operation_of`), so nothing is relabelled later. The public names live in
`sectra_dpat_client.errors`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from .aio_pool import PoolClosedError
from .redact import redact_url

__all__ = [
    "NO_OPERATION",
    "OPERATION",
    "DPATAuthenticationError",
    "DPATBadRequestError",
    "DPATConflictError",
    "DPATConnectionError",
    "DPATDownloadError",
    "DPATError",
    "DPATForbiddenError",
    "DPATMissingExtraError",
    "DPATNoMatchError",
    "DPATNotFoundError",
    "DPATQueryError",
    "DPATRateLimitError",
    "DPATRequestError",
    "DPATResponseError",
    "DPATServerError",
    "DPATSlideFormatError",
    "DPATTimeoutError",
    "DPATValidationError",
    "DPATVersionError",
    "Named",
    "NamedOperation",
    "ValidationFault",
    "answer_too_large",
    "deadline_passed",
    "download_broken",
    "error_for_failure",
    "error_for_response",
    "error_for_status",
    "operation_extension",
    "operation_of",
    "retry_after_seconds",
    "unusable_answer",
]


class DPATError(Exception):
    """Root of every error this library raises."""


class DPATRequestError(DPATError):
    """The server answered with an error status.

    ``path`` is the operation's path template (no ids, no patient data); ``text`` is the server's
    body, which may echo patient data and is therefore never part of the message.
    """

    def __init__(self, status_code: int, text: str, path: str, *, method: str = "", retry_after: float | None = None):
        self.status_code = status_code
        self.text = text
        self.path = path
        self.method = method
        self.retry_after = retry_after
        super().__init__(status_code, path)

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        return f"HTTP {self.status_code} from {where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, path={self.path!r}, method={self.method!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_request_error,
            (type(self), self.status_code, self.text, self.path, self.method, self.retry_after),
        )


def _rebuild_request_error(
    cls: type[DPATRequestError], status_code: int, text: str, path: str, method: str, retry_after: float | None
) -> DPATRequestError:
    return cls(status_code, text, path, method=method, retry_after=retry_after)


class DPATBadRequestError(DPATRequestError):
    """HTTP 400 (or another 4xx without a class of its own)."""


class DPATAuthenticationError(DPATRequestError):
    """HTTP 401: the token or the credentials are missing, invalid or expired."""


class DPATForbiddenError(DPATRequestError):
    """HTTP 403: the caller may not do this."""


class DPATNotFoundError(DPATRequestError):
    """HTTP 404: no such slide, case, result, … (or an endpoint the server does not have)."""


class DPATConflictError(DPATRequestError):
    """HTTP 409: the ``versionId`` sent is stale."""


class DPATRateLimitError(DPATRequestError):
    """HTTP 429 after the retries were spent."""


class DPATServerError(DPATRequestError):
    """HTTP 5xx after the retries were spent."""


_STATUS_CLASSES: dict[int, type[DPATRequestError]] = {
    400: DPATBadRequestError,
    401: DPATAuthenticationError,
    403: DPATForbiddenError,
    404: DPATNotFoundError,
    409: DPATConflictError,
    429: DPATRateLimitError,
}


def error_for_status(
    status_code: int, text: str, path: str, *, method: str = "", retry_after: float | None = None
) -> DPATRequestError:
    """The `DPATRequestError` subclass for a status code."""
    cls = _STATUS_CLASSES.get(status_code)
    if cls is None:
        cls = DPATServerError if status_code >= 500 else DPATBadRequestError if status_code >= 400 else DPATRequestError
    return cls(status_code, text, path, method=method, retry_after=retry_after)


class DPATConnectionError(DPATError):
    """The server could not be reached (after the retries were spent)."""


class DPATTimeoutError(DPATConnectionError):
    """The server did not answer in time."""


class DPATVersionError(DPATError):
    """The operation is newer than the server's IA-API version; nothing was sent."""

    def __init__(self, operation: str, required: str, server: str):
        self.operation = operation
        self.required = required
        self.server = server
        super().__init__(f"{operation} needs IA-API {required}, the server speaks {server}")


class DPATResponseError(DPATError):
    """The server's answer could not be understood (bad JSON, wrong shape, wrong content type)."""

    def __init__(self, message: str, *, path: str = "", status_code: int | None = None):
        self.path = path
        self.status_code = status_code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ValidationFault:
    """One violation: where (a JSON path such as ``$.data.result.content[0]``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DPATValidationError(DPATError, ValueError):
    """A payload does not match its schema; ``faults`` lists every violation."""

    def __init__(self, schema: str, faults: Sequence[ValidationFault]):
        self.schema = schema
        self.faults = tuple(faults)
        listing = "\n".join(f"  - {fault}" for fault in self.faults)
        super().__init__(f"{len(self.faults)} fault(s) against {schema}:\n{listing}")


class DPATQueryError(DPATError, ValueError):
    """A query (e.g. a QIDO-RS filter) is malformed, and nothing was sent; or, from ``find_one_*``, its filters
    matched more than one item, so it must be narrowed."""


class DPATNoMatchError(DPATError, LookupError):
    """A search the server answered (200/204) matched nothing where one match was asked for (``find_one_*``)."""


class DPATDownloadError(DPATError):
    """A download failed; no file was left under its final name. ``slide_id`` names the slide when known."""

    def __init__(self, message: str, *, filename: str | None = None, slide_id: str | None = None):
        self.filename = filename
        self.slide_id = slide_id
        super().__init__(message)


class DPATSlideFormatError(DPATError):
    """A file or folder is not a whole-slide image any installed reader (wsidicom, OpenSlide, tiffslide) opens."""


class DPATMissingExtraError(DPATError, ImportError):
    """An optional dependency is not installed; the message names the extra to install (``pip install ...[wsi]``)."""


# -- the builder ------------------------------------------------------------------------------------

OPERATION = "sectra_dpat_client.operation"
"""The httpx request extension that carries the operation (a `NamedOperation`) with the request."""


class NamedOperation(Protocol):
    """What an error names: the request method and the operation's path template (never a filled-in path)."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Named:
    """An operation named by hand (method and path template), for callers without an operation table."""

    method: str
    path: str


NO_OPERATION = Named("", "")
"""What an error names when no operation is known (its text then has no ``METHOD /path:`` prefix)."""


def operation_extension(operation: NamedOperation) -> dict[str, Any]:
    """The request extensions that make every error of this request name ``operation``."""
    return {OPERATION: operation}


def operation_of(request: httpx.Request | None) -> NamedOperation:
    """The operation a request carries; else its method alone (the error then names no path)."""
    if request is None:
        return NO_OPERATION
    carried = request.extensions.get(OPERATION)
    if carried is not None:
        return carried  # type: ignore[no-any-return]
    return Named(request.method, "")


def _where(operation: NamedOperation) -> str:
    return f"{operation.method.upper()} {operation.path}".strip()


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delay or HTTP date), or None if absent or unreadable."""
    value = headers.get("Retry-After", headers.get("retry-after", "")).strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:
        return None


def error_for_response(response: httpx.Response, operation: NamedOperation | None = None) -> DPATRequestError:
    """The `DPATRequestError` subclass for a (non-2xx) answer, naming the request's operation.

    ``operation`` defaults to the one the request carries (`operation_of`), as in `error_for_failure`.
    A streamed body that was not read is reported as empty.
    """
    try:
        text = response.text
    except httpx.ResponseNotRead:
        text = ""
    if operation is None:
        operation = operation_of(_request_of(response))
    return error_for_status(
        response.status_code,
        text,
        operation.path,
        method=operation.method,
        retry_after=retry_after_seconds(response.headers),
    )


def error_for_failure(exc: httpx.HTTPError, operation: NamedOperation | None = None) -> DPATError:
    """The library error to raise (``from exc``) for anything httpx raised once the retries were spent.

    Transport failures become `DPATConnectionError` (`DPATTimeoutError` for timeouts); an error status
    the way `error_for_response` builds it; a body that cannot be decoded, too many redirects or any
    other failure of the answer `DPATResponseError`. ``operation`` defaults to the one the request carries.

    ``exc`` is chained to the error returned, so the request it carries is then replaced by one with only
    the method and the redacted URL: no Authorization header, no body, no filled-in path or query values.
    """
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    if operation is None:
        operation = operation_of(request)
    error = _error_for_failure(exc, operation)
    _scrub(exc, request)
    return error


def _error_for_failure(exc: httpx.HTTPError, operation: NamedOperation) -> DPATError:
    where = _where(operation)
    if isinstance(exc, httpx.TransportError):
        if isinstance(exc, httpx.TimeoutException):
            return DPATTimeoutError(f"{where}: no answer in time ({type(exc).__name__})")
        if isinstance(exc, PoolClosedError):
            return DPATConnectionError(f"{where}: the client was closed before the request could be (re)sent")
        return DPATConnectionError(f"{where}: the server could not be reached ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPStatusError):
        return error_for_response(exc.response, operation)
    if isinstance(exc, httpx.DecodingError):
        reason = "its body could not be decoded"
    elif isinstance(exc, httpx.TooManyRedirects):
        reason = "it redirected too often"
    else:
        reason = "httpx could not handle it"
    return DPATResponseError(f"{where}: the answer is unusable, {reason} ({type(exc).__name__})", path=operation.path)


def _scrub(exc: httpx.HTTPError, request: httpx.Request | None) -> None:
    """Make ``exc`` carry a request that holds no secret and no patient data, and no header value h11 quoted
    (the error is chained)."""
    if request is not None:
        exc.request = httpx.Request(request.method, redact_url(request.url), extensions=dict(request.extensions))
    if isinstance(exc, httpx.LocalProtocolError) and "header" in str(exc).lower():
        # h11 (under httpcore and our async transport) quotes the offending header value, maybe a secret
        exc.args = ("a request header has an illegal name or value (not shown)",)
        exc.__cause__ = exc.__context__ = None
    if isinstance(exc, httpx.HTTPStatusError):  # its message and response name the filled-in URL, its body
        exc.response = httpx.Response(exc.response.status_code, request=exc.request)
        exc.args = (f"HTTP {exc.response.status_code} for {exc.request.method} {exc.request.url}",)


def download_broken(exc: httpx.HTTPError, filename: str | None) -> DPATDownloadError:
    """`DPATDownloadError` for a download whose body broke off (connection lost, body not decodable).

    ``exc`` is chained to it, so its request is scrubbed as in `error_for_failure`.
    """
    what = filename if filename is not None else "the slide's files"
    if isinstance(exc, httpx.DecodingError):
        message = f"download of {what} failed: the body could not be decoded"
    else:
        message = f"download of {what} interrupted: the connection broke ({type(exc).__name__})"
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    _scrub(exc, request)
    return DPATDownloadError(message, filename=filename)


def unusable_answer(operation: NamedOperation, what: str, status_code: int | None = None) -> DPATResponseError:
    """`DPATResponseError` for an answer that does not match the API (``what`` says how, without its data)."""
    where = _where(operation)
    return DPATResponseError(f"{where}: {what}" if where else what, path=operation.path, status_code=status_code)


def answer_too_large(operation: NamedOperation, limit: int, setting: str) -> DPATResponseError:
    """`DPATResponseError` for an answer whose decoded body passed ``limit`` bytes (``AnswerLimits.<setting>``)."""
    return unusable_answer(
        operation,
        f"the answer is larger than the limit of {limit} bytes (AnswerLimits.{setting}); nothing past it was read",
    )


def deadline_passed(operation: NamedOperation, seconds: float | None) -> DPATTimeoutError:
    """`DPATTimeoutError` for a call, retries included, that took longer than ``AnswerLimits.deadline``."""
    where = _where(operation)
    limit = f" of {seconds} s" if seconds is not None else ""
    message = f"the call took longer than its deadline{limit} (AnswerLimits.deadline)"
    return DPATTimeoutError(f"{where}: {message}" if where else message)
