"""The error hierarchy of sectra_dpat_client, rooted at `DPATError` (the public import path).

Optional parts add their own subclasses of these, exported by their package: `DPATGeometryError` and
`PointBudgetExceededError` (``geometry``), `DPATRenderError` (``render``), the job-backend errors
(``app.backends``); a test keeps every `DPATError` subclass public.

Messages never carry a token, a password or patient data: request errors name the operation's
path *template* (``/requests/{accessionNumber}/images/info``), not the filled-in path, and keep the
server's body on ``.text`` only (it may echo patient data), out of ``str()`` and ``repr()``.
The classes and the one builder that makes them from the wire live in `sectra_dpat_client._core.errors`.
"""

from __future__ import annotations

from ._core.errors import (
    DPATAuthenticationError,
    DPATBadRequestError,
    DPATConflictError,
    DPATConnectionError,
    DPATDownloadError,
    DPATError,
    DPATForbiddenError,
    DPATMissingExtraError,
    DPATNoMatchError,
    DPATNotFoundError,
    DPATQueryError,
    DPATRateLimitError,
    DPATRequestError,
    DPATResponseError,
    DPATServerError,
    DPATSlideFormatError,
    DPATTimeoutError,
    DPATValidationError,
    DPATVersionError,
    ValidationFault,
    error_for_status,
)

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

for _name in __all__:
    # Tracebacks and pickles name the public path, not the private module.
    _member = globals()[_name]
    if getattr(_member, "__module__", None) == "sectra_dpat_client._core.errors":
        _member.__module__ = __name__
del _name, _member
