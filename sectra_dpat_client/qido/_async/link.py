"""From a DPAT slide's `ImageInfo` to its QIDO-RS study and series (the I/O; the rest is in ``..link``)."""

from __future__ import annotations

from ..link import HasDicomUids, ImageLink, image_uids
from ..search import one_of
from .client import AsyncDPATQidoClient

__all__ = ["alink_image"]


async def alink_image(client: AsyncDPATQidoClient, image_info: HasDicomUids) -> ImageLink:
    """Find the image's study (and series) on the QIDO-RS server."""
    study_uid, series_uid = image_uids(image_info)
    study = await client.find_one_study(StudyInstanceUID=study_uid)
    if series_uid is None:
        return ImageLink(study, None)
    series = await client.search_series(study_uid, SeriesInstanceUID=series_uid, limit=2)
    return ImageLink(study, one_of(series, "series"))
