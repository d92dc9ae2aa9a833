"""QIDO-RS (DICOMweb search) client and typed DICOM JSON access.

```python
from sectra_dpat_client.qido import DPATQidoClient, DicomCodes

qido_client = DPATQidoClient(qido_url, qido_username, qido_password)
study = qido_client.find_one_study(studyInstanceUid=image_info.study_instance_uid)
patient_id = study.get_value_as_string(DicomCodes.PATIENT_ID)
```

Layout: ``_async/`` holds the hand-written async I/O shell (`AsyncDPATQidoClient`, `alink_image`);
``_sync/`` is generated from it by ``codegen/unasync.py`` (`DPATQidoClient`, `link_image`; never edit it,
``make check-generated`` holds it equal). Everything else is shared and does no I/O: ``query`` (filters,
encoding, `SearchOptions`, the paging cursor), ``result`` (answer parsing), ``search`` (``find_one_*``),
``dicom_object``/``codes`` (typed DICOM JSON), ``link`` (`ImageLink`), ``auth`` (credentials).
"""

from __future__ import annotations

from .._core import redact as _redact
from ._async.client import AsyncDPATQidoClient
from ._async.link import alink_image
from ._sync.client import DPATQidoClient
from ._sync.link import link_image
from .auth import BearerAuth
from .codes import DicomCodes, keyword_for, normalize_tag, tag_for
from .dicom_object import DicomObject, DicomPersonName, DicomValue, TagKey
from .link import ImageLink
from .query import FilterValue, QidoQuery, SearchOptions, build_query
from .result import QidoResult

# The DICOMweb resource paths whose UID segments log redaction hides (it knows no endpoint itself).
_PATH_TEMPLATES = (
    "/studies/{uid}",
    "/studies/{uid}/series",
    "/studies/{uid}/instances",
    "/studies/{uid}/series/{uid}",
    "/studies/{uid}/series/{uid}/instances",
    "/studies/{uid}/series/{uid}/instances/{uid}",
    "/series/{uid}",
    "/instances/{uid}",
)
_redact.add_path_templates(lambda: _PATH_TEMPLATES)
# The QIDO-RS query parameters whose values are never patient data (match values always are masked).
_redact.add_safe_query_keys(("limit", "offset", "fuzzymatching", "includefield"))

__all__ = [
    "AsyncDPATQidoClient",
    "BearerAuth",
    "DPATQidoClient",
    "DicomCodes",
    "DicomObject",
    "DicomPersonName",
    "DicomValue",
    "FilterValue",
    "ImageLink",
    "QidoQuery",
    "QidoResult",
    "SearchOptions",
    "TagKey",
    "alink_image",
    "build_query",
    "keyword_for",
    "link_image",
    "normalize_tag",
    "tag_for",
]
