"""Python toolkit for Sectra Digital Pathology (DPAT) image-analysis apps.

Sub-packages: `ai` (IA-API clients and models), `qido` (QIDO-RS client and DICOM JSON helpers),
`app` (the receiving side), `simulator` (a fake DPAT server), `validate` (payload validation).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import DPATError, DPATRequestError

__all__ = ["DPATError", "DPATRequestError", "__version__"]

try:
    __version__ = version("sectra-dpat-client")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"
