"""From a DPAT slide's `ImageInfo` (fetched with ``includePHI=true``) to its QIDO-RS study and series.

`link_image` (sync) and `alink_image` (async) do the searches (``_sync/link.py``, ``_async/link.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..errors import DPATQueryError
from .dicom_object import DicomObject

__all__ = ["HasDicomUids", "ImageLink", "image_uids"]


class HasDicomUids(Protocol):
    """What the link needs of an image info: its study and series UIDs (`ImageInfo` has both)."""

    @property
    def study_instance_uid(self) -> object: ...
    @property
    def series_instance_uid(self) -> object: ...


@dataclass(frozen=True, slots=True, repr=False)
class ImageLink:
    """The QIDO-RS study of a slide and, when the image info names it, its series."""

    study: DicomObject
    series: DicomObject | None

    def __repr__(self) -> str:
        return f"ImageLink(study={self.study!r}, series={self.series!r})"


def image_uids(image_info: HasDicomUids) -> tuple[str, str | None]:
    """The image's study UID (required) and series UID (None when the info has none)."""
    study_uid = image_info.study_instance_uid
    if not isinstance(study_uid, str) or not study_uid:
        raise DPATQueryError("the image info has no studyInstanceUid: fetch it with includePHI=true")
    series_uid = image_info.series_instance_uid
    return study_uid, series_uid if isinstance(series_uid, str) and series_uid else None
