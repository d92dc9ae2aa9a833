"""The IA-API clients, their HTTP settings, every error class and every model of the spec.

>>> from sectra_dpat_client.ai import DPATAIClient, Result, ResultContent, ResultType, Point  # doctest: +SKIP

Models are the generated ones (`sectra_dpat_client.models` is their documented import path): construct
them with the wire names (``Style(strokeStyle="#000000")``) and read them with snake_case attributes
(``style.stroke_style``). Errors are those of `sectra_dpat_client.errors`.

Layout: ``_async/`` is hand-written: ``client.py`` (`AsyncDPATAIClient`), ``auth.py`` (its
`AsyncTokenAuth`), ``regions.py`` and ``downloads.py`` (the whole-slide loops, which the client takes as
its ``read_region``/``get_thumbnail`` and ``download_slide_files``/``download_case`` methods) and
``caller_http.py`` (the deprecated raw-httpx download). ``_sync/`` (`DPATAIClient`, `TokenAuth`, ...) is
generated from it by ``codegen/unasync.py`` (never edit it; ``make check-generated`` holds it equal).
Both clients send every request through one method, ``_request`` (version gate, headers, errors); the
loops use it too (tiles through ``get_tile``, the files answer through ``_stream``). The rest does
no I/O: ``operations`` (the spec's operation table of ``wsi.paths``, by generated module; version rules),
``calls`` (a request built by the generated ``_get_kwargs``, its answer parsed by the generated parser),
``arguments``, ``results``, ``tiles``, ``fastpath`` (pre-encoded large results), ``auth`` (the auth flows'
public names), ``token_state`` (when a token is renewed), ``_base`` (shared state).
Async clients close with ``await client.aclose()`` (or ``async with``), sync ones with ``close()``.
"""

from __future__ import annotations

from sectra_dpat_client._generated.dpat_api import models as _models
from sectra_dpat_client._generated.dpat_api.models import *  # noqa: F403 - every generated model, whatever the spec adds

from .. import errors as _errors
from .._core.http import DEFAULT_RETRY, DEFAULT_TIMEOUT, RetryPolicy
from .._core.limits import AnswerLimits
from ..errors import *  # noqa: F403 - every error class, as errors.__all__ lists them
from ._async.client import AsyncDPATAIClient
from ._sync.client import DPATAIClient
from .fastpath import FastResult, PrimitiveBatch, fast_primitive_result, polygon_from_array

__all__ = [
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "AnswerLimits",
    "AsyncDPATAIClient",
    "DPATAIClient",
    "FastResult",
    "PrimitiveBatch",
    "RetryPolicy",
    "fast_primitive_result",
    "polygon_from_array",
]
__all__ += _errors.__all__
__all__ += _models.__all__
