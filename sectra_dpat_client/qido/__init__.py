"""QIDO-RS (DICOMweb search) client and typed DICOM JSON access.

```python
from sectra_dpat_client.qido import DPATQidoClient, DicomCodes

qido_client = DPATQidoClient(qido_url, qido_username, qido_password)
study = qido_client.find_one_study(studyInstanceUid=image_info.study_instance_uid)
patient_id = study.get_value_as_string(DicomCodes.PATIENT_ID)
```
"""

from __future__ import annotations

from .async_client import AsyncDPATQidoClient
from .auth import BearerAuth
from .client import DPATQidoClient
from .codes import DicomCodes, keyword_for, normalize_tag, tag_for
from .dicom_object import DicomObject, DicomPersonName, DicomValue, TagKey
from .link import ImageLink, alink_image, link_image
from .query import FilterValue, QidoQuery, build_query
from .result import QidoResult

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
    "TagKey",
    "alink_image",
    "build_query",
    "keyword_for",
    "link_image",
    "normalize_tag",
    "tag_for",
]
