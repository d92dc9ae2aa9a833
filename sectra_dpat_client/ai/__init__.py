"""The IA-API clients and every model of the spec.

>>> from sectra_dpat_client.ai import DPATAIClient, Result, ResultContent, ResultType, Point  # doctest: +SKIP

Models are the generated ones (`dpat_api.models`): construct them with the wire names
(``Style(strokeStyle="#000000")``) and read them with snake_case attributes (``style.stroke_style``).
"""

from __future__ import annotations

from dpat_api import models as _models
from dpat_api.models import *  # noqa: F403 - every generated model, whatever the spec adds

from .async_client import AsyncDPATAIClient
from .client import DPATAIClient
from .fastpath import FastResult, PrimitiveBatch, fast_primitive_result, polygon_from_array

__all__ = [
    "AsyncDPATAIClient",
    "DPATAIClient",
    "FastResult",
    "PrimitiveBatch",
    "fast_primitive_result",
    "polygon_from_array",
]
__all__ += _models.__all__
