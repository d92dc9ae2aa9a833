"""Python toolkit for Sectra Digital Pathology (DPAT) image-analysis apps.

Sub-packages: `ai` (IA-API clients), `models` (the generated IA-API models), `qido` (QIDO-RS client and
DICOM JSON helpers), `app` (the receiving side), `simulator` (a fake DPAT server), `validate` (payload
validation), `errors` (every error class). The top level re-exports every error class and the HTTP
settings every client takes (`RetryPolicy`, `DEFAULT_RETRY`, `DEFAULT_TIMEOUT`, `AnswerLimits`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import errors as _errors
from ._core.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy
from ._core.limits import AnswerLimits
from .errors import *  # noqa: F403 - every error class, as errors.__all__ lists them

__all__ = ["DEFAULT_RETRY", "DEFAULT_TIMEOUT", "AnswerLimits", "RetryPolicy", "__version__"]
__all__ += _errors.__all__

try:
    __version__ = version("sectra-dpat-client")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
