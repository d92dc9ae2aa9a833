"""P4: QIDO-RS answers of 1k / 10k / 100k studies to typed values, ours against dicomweb-client + pydicom.

Both fetch the same body (Orthanc's study attribute set of 16 attributes, synthetic values) from a
local HTTP server on 127.0.0.1 and do the same work: every one of the 16 attributes of every study is
read as a typed value. Ours is ``DPATQidoClient.search_studies()`` then ``study.get_values(tag)`` for
each tag; the baseline ``DICOMwebClient.search_for_studies()`` then ``pydicom.Dataset.from_json`` per
study and ``element.value`` for each element. Both run interleaved round by round (order rotating),
5 rounds after a warm-up; the parse step alone (same bytes, no HTTP) is reported at 10k, and our
cost per study at each size (target: within 1.3x from 1k to 100k). Target: >= 2x at every size.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from dicomweb_client.api import DICOMwebClient
from pydicom import Dataset

from bench._common import compare, interleaved
from sectra_dpat_client.qido import DPATQidoClient
from sectra_dpat_client.qido.result import parse_datasets

SIZES = (1_000, 10_000, 100_000)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
FLAT = 1.3
PARSE_ONLY_AT = 10_000  # the parse step alone (same bytes, no HTTP) at this size
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


def make_body(count: int) -> bytes:
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


def _one_size(count: int) -> dict[str, Any]:
    body = make_body(count)
    with serving(body) as url, DPATQidoClient(url) as ours_client:
        baseline_client = DICOMwebClient(url)

        def ours() -> None:
            studies = ours_client.search_studies()
            assert len(studies) == count
            for study in studies:
                for tag in study:
                    study.get_values(tag)

        def baseline() -> None:
            studies = [Dataset.from_json(item) for item in baseline_client.search_for_studies()]
            assert len(studies) == count
            for study in studies:
                for element in study:
                    _ = element.value

        times = interleaved({"ours": ours, "baseline": baseline}, rounds=ROUNDS)

    extra: dict[str, Any] = {}
    if count == PARSE_ONLY_AT:

        def ours_parse() -> None:
            for study in parse_datasets(body):
                for tag in study:
                    study.get_values(tag)

        def baseline_parse() -> None:
            for item in json.loads(body):
                for element in Dataset.from_json(item):
                    _ = element.value

        parse = compare("", interleaved({"ours": ours_parse, "baseline": baseline_parse}, rounds=ROUNDS), target=TARGET)
        extra = {
            "parse_only_ratio": round(parse["ratio"], 2),
            "parse_only_ratio_min_max": [round(parse["ratio_min"], 2), round(parse["ratio_max"], 2)],
            "parse_only_per_study_us_ours": round(parse["ours"] / count * 1e6, 1),
        }
    return compare(
        f"P4 QIDO-RS {count:,} studies, all 16 attributes read (HTTP on 127.0.0.1)",
        times,
        target=TARGET,
        studies=count,
        baseline_name="dicomweb-client search_for_studies + pydicom Dataset.from_json, every element's value",
        body_mib=round(len(body) / 2**20, 1),
        per_study_us_ours=round(statistics.median(times["ours"]) / count * 1e6, 1),
        per_study_us_baseline=round(statistics.median(times["baseline"]) / count * 1e6, 1),
        **extra,
    )


def run() -> list[dict[str, Any]]:
    """One row per size; ratio = baseline time / our time per round. The per-study cost is checked flat."""
    rows = [_one_size(count) for count in SIZES]
    per_study = [row["per_study_us_ours"] for row in rows]
    growth = per_study[-1] / per_study[0]  # cost per study at 100k over that at 1k (the gc made it grow)
    for row in rows:
        row["per_study_growth_1k_to_100k"] = round(growth, 2)
        row["per_study_flat_met"] = growth <= FLAT
        row["met"] = bool(row["met"] and growth <= FLAT)
    return rows


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['metric']}: {row['ours']:.3f} s vs {row['baseline']:.3f} s, {row['ratio']:.2f}x "
            f"({row['ratio_min']:.2f} - {row['ratio_max']:.2f}); {row['per_study_us_ours']} us/study "
            f"(baseline {row['per_study_us_baseline']}); parse only {row.get('parse_only_ratio', '-')}x"
        )
