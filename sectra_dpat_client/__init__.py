"""Python toolkit for Sectra Digital Pathology (DPAT) image-analysis apps.

Sub-packages: `ai` (IA-API clients), `models` (the generated IA-API models), `qido` (QIDO-RS client and
DICOM JSON helpers), `wsi` (whole-slide downloads, regions, patches), `geometry` (masks and shapes to
results), `render`, `app` (the receiving side), `simulator` (a fake DPAT server), `validate` (payload
validation), `errors` (every error class), `cli` (the ``sectra-dpat`` command). The top level re-exports
every error class and the HTTP settings every client takes (`RetryPolicy`, `DEFAULT_RETRY`,
`DEFAULT_TIMEOUT`, `AnswerLimits`).

Private: ``_core`` (what every client family shares: HTTP settings, errors, transports, auth, redaction)
and ``_generated`` (the generated code, linked from the repository's ``generated/``). In ``ai``, ``qido``
and ``wsi`` the ``_sync`` modules are generated from the hand-written ``_async`` ones by
``codegen/unasync.py``. The README's "How the code is made" has the whole layout.
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
