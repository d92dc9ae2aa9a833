"""From a DPAT slide's `ImageInfo` (fetched with ``includePHI=true``) to its QIDO-RS study and series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..errors import DPATNotFoundError, DPATQueryError
from .async_client import AsyncDPATQidoClient
from .client import DPATQidoClient
from .dicom_object import DicomObject
from .result import QidoResult

__all__ = ["ImageLink", "alink_image", "link_image"]


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


def link_image(client: DPATQidoClient, image_info: HasDicomUids) -> ImageLink:
    """Find the image's study (and series) on the QIDO-RS server."""
    study_uid, series_uid = _uids(image_info)
    study = client.find_one_study(StudyInstanceUID=study_uid)
    if series_uid is None:
        return ImageLink(study, None)
    return ImageLink(study, _one_series(client.search_series(study_uid, SeriesInstanceUID=series_uid, limit=2)))


async def alink_image(client: AsyncDPATQidoClient, image_info: HasDicomUids) -> ImageLink:
    """The async twin of `link_image`."""
    study_uid, series_uid = _uids(image_info)
    study = await client.find_one_study(StudyInstanceUID=study_uid)
    if series_uid is None:
        return ImageLink(study, None)
    series = await client.search_series(study_uid, SeriesInstanceUID=series_uid, limit=2)
    return ImageLink(study, _one_series(series))


def _uids(image_info: HasDicomUids) -> tuple[str, str | None]:
    study_uid = image_info.study_instance_uid
    if not isinstance(study_uid, str) or not study_uid:
        raise DPATQueryError("the image info has no studyInstanceUid: fetch it with includePHI=true")
    series_uid = image_info.series_instance_uid
    return study_uid, series_uid if isinstance(series_uid, str) and series_uid else None


def _one_series(result: QidoResult) -> DicomObject:
    if not result:
        raise DPATNotFoundError(404, "no series matched the image's series UID", "/studies/{study}/series")
    if len(result) > 1:
        raise DPATQueryError("the image's series UID matches more than one series")
    return result[0]
