"""Every IA-API model of the spec, from the generated client: the one import path for models.

>>> from sectra_dpat_client.models import ImageInfo, Result, ResultContent, Point  # doctest: +SKIP

Construct models with the wire names (``Style(strokeStyle="#000000")``) and read them with snake_case
attributes (``style.stroke_style``).
"""

from __future__ import annotations

from sectra_dpat_client._generated.dpat_api import models as _models
from sectra_dpat_client._generated.dpat_api.models import *  # noqa: F403 - every generated model, whatever the spec adds

__all__ = list(_models.__all__)
