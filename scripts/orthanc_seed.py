"""Seed a test Orthanc with synthetic pydicom studies and write a manifest of what was stored.

Usage: python scripts/orthanc_seed.py URL USER PASSWORD MANIFEST [COUNT]

Studies 0..COUNT-1 follow a fixed scheme (PatientID ``PAT0000``, PatientName ``Test^Patient0000``,
AccessionNumber ``ACC00000``, StudyID ``S0000``, StudyDate 2024-01-01 + i days, Modality SM/OT
alternating, one series, one instance). One extra study carries the awkward values (space, slash,
apostrophe, ``^``, an ideographic name), two series of three instances each and a sequence. The
manifest (JSON) lists every study's identifiers and UIDs so tests compare against the source of truth.
All data is synthetic.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

SPECIAL = {
    "PatientID": "PAT 0500",
    "PatientName": "O'Brien^Mary Ann",
    "AccessionNumber": "ACC/500",
    "StudyID": "S0500",
    "StudyDate": "20230615",
    "StudyTime": "093015.25",
    "StudyDescription": "Special characters study",
}


def _instance(study: dict[str, Any], series_uid: str, series_number: int, number: int, modality: str) -> bytes:
    meta = FileMetaDataset()
    sop_uid = generate_uid()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study["StudyInstanceUID"]
    ds.SeriesInstanceUID = series_uid
    for keyword in ("PatientID", "PatientName", "AccessionNumber", "StudyID", "StudyDate", "StudyTime"):
        setattr(ds, keyword, study[keyword])
    ds.StudyDescription = study["StudyDescription"]
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.ReferringPhysicianName = "Ref^Doc"
    ds.Modality = modality
    ds.SeriesNumber = series_number
    ds.SeriesDescription = f"Series {series_number}"
    ds.InstanceNumber = number
    ds.ConversionType = "WSD"
    request = Dataset()
    request.RequestedProcedureID = f"RP{series_number}"
    request.ScheduledProcedureStepID = f"SPS{series_number}"
    ds.RequestAttributesSequence = [request]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = 8
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = (np.arange(64, dtype=np.uint8) * (number % 4)).tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _studies(count: int) -> list[dict[str, Any]]:
    studies = []
    for i in range(count):
        studies.append(
            {
                "PatientID": f"PAT{i:04d}",
                "PatientName": f"Test^Patient{i:04d}",
                "AccessionNumber": f"ACC{i:05d}",
                "StudyID": f"S{i:04d}",
                "StudyDate": (dt.date(2024, 1, 1) + dt.timedelta(days=i)).strftime("%Y%m%d"),
                "StudyTime": "120000",
                "StudyDescription": f"Synthetic study {i}",
                "Modality": "SM" if i % 2 == 0 else "OT",
                "series": 1,
                "instances_per_series": 1,
            }
        )
    studies.append({**SPECIAL, "Modality": "SM", "series": 2, "instances_per_series": 3, "special": True})
    for study in studies:
        study["StudyInstanceUID"] = generate_uid()
        study["SeriesInstanceUIDs"] = [generate_uid() for _ in range(study["series"])]
    return studies


def main(url: str, user: str, password: str, manifest: str, count: int = 100) -> None:
    studies = _studies(count)
    with httpx.Client(base_url=url, auth=(user, password), timeout=30) as client:
        for study in studies:
            for series_number, series_uid in enumerate(study["SeriesInstanceUIDs"], start=1):
                for number in range(1, study["instances_per_series"] + 1):
                    body = _instance(study, series_uid, series_number, number, study["Modality"])
                    response = client.post("/instances", content=body, headers={"Content-Type": "application/dicom"})
                    response.raise_for_status()
    Path(manifest).write_text(json.dumps({"count": len(studies), "studies": studies}, indent=1), encoding="utf-8")
    print(f"seeded {len(studies)} studies into Orthanc")


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    main(*sys.argv[1:5], *(int(arg) for arg in sys.argv[5:]))
