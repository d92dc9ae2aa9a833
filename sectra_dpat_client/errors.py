"""The one error hierarchy of sectra_dpat_client, rooted at `DPATError`.

Messages never carry a token, a password or patient data: request errors name the operation's
path *template* (``/requests/{accessionNumber}/images/info``), not the filled-in path, and keep the
server's body on ``.text`` only (it may echo patient data), out of ``str()`` and ``repr()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
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
    "ValidationFault",
    "error_for_status",
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
    """A query (e.g. a QIDO-RS filter) is malformed; nothing was sent."""


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
