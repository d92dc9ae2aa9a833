"""P4: a 10,000-study QIDO-RS answer to typed objects, ours against dicomweb-client + pydicom, same run.

Both fetch the same body (Orthanc's study attribute set, synthetic values) from a local HTTP server on
127.0.0.1 and build one typed object per study, reading PatientID and StudyDate from each:
ours is ``DPATQidoClient.search_studies()`` (validated generated models → `DicomObject`), the baseline
``DICOMwebClient.search_for_studies()`` then ``pydicom.Dataset.from_json`` per study. The parse step
alone (same bytes, no HTTP) is reported as well, and ours with every attribute validated against
the generated models up front (`DicomObject.validate`), since our client otherwise checks the
answer's shape at once and validates each attribute when it is first read.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dicomweb_client.api import DICOMwebClient
from pydicom import Dataset

from bench._common import median_seconds, report
from sectra_dpat_client.qido import DicomCodes, DPATQidoClient
from sectra_dpat_client.qido.result import parse_datasets

STUDIES = 10_000
TARGET = 2.0


def _study(i: int) -> dict[str, Any]:
    day = (dt.date(2020, 1, 1) + dt.timedelta(days=i % 2000)).strftime("%Y%m%d")
    uid = f"1.2.826.0.1.3680043.8.498.{10**20 + i}"
    return {
        "00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
        "00080020": {"vr": "DA", "Value": [day]},
        "00080030": {"vr": "TM", "Value": ["120000"]},
        "00080050": {"vr": "SH", "Value": [f"ACC{i:06d}"]},
        "00080056": {"vr": "CS", "Value": ["ONLINE"]},
        "00080061": {"vr": "CS", "Value": ["SM"]},
        "00080090": {"vr": "PN", "Value": [{"Alphabetic": "Ref^Doc"}]},
        "00081190": {"vr": "UR", "Value": [f"http://127.0.0.1/dicom-web/studies/{uid}"]},
        "00100010": {"vr": "PN", "Value": [{"Alphabetic": f"Test^Patient{i:06d}"}]},
        "00100020": {"vr": "LO", "Value": [f"PAT{i:06d}"]},
        "00100030": {"vr": "DA", "Value": ["19700101"]},
        "00100040": {"vr": "CS", "Value": ["O"]},
        "0020000D": {"vr": "UI", "Value": [uid]},
        "00200010": {"vr": "SH", "Value": [f"S{i:06d}"]},
        "00201206": {"vr": "IS", "Value": [1]},
        "00201208": {"vr": "IS", "Value": [3]},
    }


def make_body(count: int = STUDIES) -> bytes:
    """A QIDO-RS study-search answer with ``count`` studies."""
    return json.dumps([_study(i) for i in range(count)]).encode()


@contextmanager
def serving(body: bytes) -> Iterator[str]:
    """Serve ``body`` as ``application/dicom+json`` for every GET on 127.0.0.1; yields the DICOMweb root."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/dicom+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dicom-web"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run() -> dict[str, Any]:
    body = make_body()
    with serving(body) as url, DPATQidoClient(url) as ours_client:
        baseline_client = DICOMwebClient(url)

        def ours() -> None:
            studies = ours_client.search_studies()
            assert len(studies) == STUDIES
            for study in studies:
                study.get_value_as_string(DicomCodes.PATIENT_ID)
                study.get_date(DicomCodes.STUDY_DATE)

        def baseline() -> None:
            studies = [Dataset.from_json(item) for item in baseline_client.search_for_studies()]
            assert len(studies) == STUDIES
            for study in studies:
                _ = study.PatientID
                _ = study.StudyDate

        ours_s = median_seconds(ours)
        baseline_s = median_seconds(baseline)

    def ours_parse() -> None:
        parse_datasets(body)

    def baseline_parse() -> None:
        [Dataset.from_json(item) for item in json.loads(body)]

    def ours_parse_and_validate_all() -> None:
        for study in parse_datasets(body):
            study.validate()

    parse_ours_s = median_seconds(ours_parse)
    full_validation_s = median_seconds(ours_parse_and_validate_all)
    parse_baseline_s = median_seconds(baseline_parse)
    return report(
        f"P4 QIDO-RS {STUDIES:,} studies to typed objects (HTTP on 127.0.0.1)",
        ours=ours_s,
        baseline=baseline_s,
        unit="s",
        higher_is_better=False,
        target=TARGET,
        baseline_name="dicomweb-client search_for_studies + pydicom Dataset.from_json",
        body_mib=round(len(body) / 2**20, 1),
        parse_only_ours_s=parse_ours_s,
        parse_only_baseline_s=parse_baseline_s,
        parse_only_ratio=parse_baseline_s / parse_ours_s,
        parse_and_validate_every_attribute_ours_s=full_validation_s,
        parse_and_validate_every_attribute_ratio=parse_baseline_s / full_validation_s,
    )


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
