"""A small QIDO-RS endpoint for the simulator, consistent with its slides.

Each case (accession number) is a study, each slide a series (same UIDs as ``ImageInfo``), each
DICOM file of a slide an instance. Searches match by keyword or tag with exact, wildcard, UID-list
and date/time-range matching, honour ``limit``/``offset``, answer 204 when nothing matches, and send
the ``Warning: 299`` the standard asks for when ``fuzzymatching=true`` (not supported here). Basic
auth with the simulator's user name and password.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from pydicom.datadict import dictionary_VR, tag_for_keyword
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from .app import SimulatorConfig
from .store import SimulatorStore, Slide

__all__ = ["QIDO_PATH", "qido_mount", "qido_routes"]

QIDO_PATH = "/dicom-web"
_UID_ROOT = "1.2.826.0.1.3680043.10.1379.9"  # synthetic SOP instance UIDs
_WSI_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.77.1.6"  # VL Whole Slide Microscopy Image Storage
_CONTROL = frozenset(
    {"limit", "offset", "includefield", "fuzzymatching", "emptyvaluematching", "multiplevaluematching"}
)

Dataset = dict[str, dict[str, Any]]


def qido_mount(store: SimulatorStore, config: SimulatorConfig, path: str = QIDO_PATH) -> Mount:
    """The QIDO-RS routes mounted at ``path`` (``SimulatorApp.add_route(qido_mount(...))``)."""
    return Mount(path, routes=qido_routes(store, config))


def qido_routes(store: SimulatorStore, config: SimulatorConfig) -> list[Route]:
    """The six QIDO-RS search resources over the store's slides."""

    def endpoint(level: str) -> Callable[[Request], Any]:
        async def search(request: Request) -> Response:
            if not _authorized(request, config):
                return Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="DPAT QIDO-RS"'})
            study = request.path_params.get("study")
            series = request.path_params.get("series")
            slides = list(store.slides.values())  # one C-level copy: safe against a concurrent add_slide
            return _search(slides, level, study, series, request)

        return search

    return [
        Route("/studies", endpoint("studies"), methods=["GET"]),
        Route("/series", endpoint("series"), methods=["GET"]),
        Route("/instances", endpoint("instances"), methods=["GET"]),
        Route("/studies/{study}/series", endpoint("series"), methods=["GET"]),
        Route("/studies/{study}/instances", endpoint("instances"), methods=["GET"]),
        Route("/studies/{study}/series/{series}/instances", endpoint("instances"), methods=["GET"]),
    ]


def _authorized(request: Request, config: SimulatorConfig) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return scheme.lower() == "basic" and secrets.compare_digest(
        f"{user}\0{password}".encode(), f"{config.username}\0{config.password}".encode()
    )


def _search(slides: list[Slide], level: str, study: str | None, series: str | None, request: Request) -> Response:
    try:
        limit = _count(request.query_params.get("limit"))
        offset = _count(request.query_params.get("offset")) or 0
        matchers = [_matcher(key, value) for key, value in request.query_params.multi_items() if key not in _CONTROL]
    except ValueError as error:
        return Response(str(error), status_code=400, media_type="text/plain")
    datasets = [
        dataset
        for dataset in _datasets(slides, level)
        if (study is None or _first(dataset, "0020000D") == study)
        and (series is None or _first(dataset, "0020000E") == series)
        and all(matches(dataset) for matches in matchers)
    ]
    page = datasets[offset:] if limit is None else datasets[offset : offset + limit]
    headers = {}
    if request.query_params.get("fuzzymatching") == "true":
        headers["Warning"] = (
            '299 sectra-dpat-simulator: "The fuzzymatching parameter is not supported. '
            'Only literal matching has been performed."'
        )
    if not page:
        return Response(status_code=204, headers=headers)
    body = orjson.dumps(page, option=orjson.OPT_SORT_KEYS)
    return Response(body, media_type="application/dicom+json", headers=headers)


def _count(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise ValueError("limit and offset must be unsigned integers")
    return int(text)


# --- datasets -------------------------------------------------------------------------------------


def _attr(vr: str, *values: Any) -> dict[str, Any]:
    present = [value for value in values if value not in (None, "")]
    return {"vr": vr, "Value": present} if present else {"vr": vr}


def _instance_uid(slide: Slide, name: str) -> str:
    digest = hashlib.sha256("\x1f".join((slide.id, name)).encode()).hexdigest()
    return f"{_UID_ROOT}.{int(digest[:24], 16)}"


def _dicom_files(slide: Slide) -> list[str]:
    return [file.name for file in slide.files if file.mime_type == "application/dicom"]


def _study(case: list[Slide]) -> Dataset:
    first = case[0]
    date, _, time = first.exam_date_time.partition("T")
    return {
        "00080020": _attr("DA", date.replace("-", "")),
        "00080030": _attr("TM", time.replace(":", "")),
        "00080050": _attr("SH", first.accession_number),
        "00080061": _attr("CS", "SM"),
        "00081030": _attr("LO", first.exam_description),
        "00100010": _attr("PN", {"Alphabetic": first.patient_name} if first.patient_name else None),
        "00100020": _attr("LO", first.patient_id),
        "0020000D": _attr("UI", first.study_instance_uid),
        "00200010": _attr("SH", first.exam_id),
        "00201206": _attr("IS", len(case)),
        "00201208": _attr("IS", sum(len(_dicom_files(slide)) for slide in case)),
    }


def _series(slide: Slide, number: int) -> Dataset:
    return {
        "00080060": _attr("CS", "SM"),
        "0008103E": _attr("LO", slide.staining),
        "0020000E": _attr("UI", slide.series_instance_uid),
        "00200011": _attr("IS", number),
        "00201209": _attr("IS", len(_dicom_files(slide))),
    }


def _instances(slide: Slide) -> Iterable[Dataset]:
    for number, name in enumerate(_dicom_files(slide), start=1):
        yield {
            "00080016": _attr("UI", _WSI_SOP_CLASS),
            "00080018": _attr("UI", _instance_uid(slide, name)),
            "00200013": _attr("IS", number),
        }


def _datasets(slides: list[Slide], level: str) -> list[Dataset]:
    cases: dict[str, list[Slide]] = {}
    for slide in slides:
        cases.setdefault(slide.accession_number, []).append(slide)
    found: list[Dataset] = []
    for case in cases.values():
        study = _study(case)
        if level == "studies":
            found.append(study)
            continue
        for number, slide in enumerate(case, start=1):
            series = {**study, **_series(slide, number)}
            if level == "series":
                found.append(series)
            else:
                found.extend({**series, **instance} for instance in _instances(slide))
    return found


def _first(dataset: Dataset, tag: str) -> Any:
    values = dataset.get(tag, {}).get("Value") or [None]
    return values[0]


# --- matching -------------------------------------------------------------------------------------


_HEX_TAG = re.compile(r"[0-9A-Fa-f]{8}")


def _query_tag(key: str) -> str:
    """A query key as PS3.18 allows it (an exact PS3.6 keyword or 8 hex digits) as a DICOM JSON tag."""
    if _HEX_TAG.fullmatch(key):
        return key.upper()
    number = tag_for_keyword(key)
    if number is None:
        raise ValueError("unknown attribute in the query")
    return f"{number:08X}"


def _matcher(key: str, value: str) -> Callable[[Dataset], bool]:
    tag = _query_tag(key)
    try:
        vr = str(dictionary_VR(int(tag, 16)))
    except KeyError:
        vr = "UN"
    if value in ("", "*"):
        return lambda dataset: True
    if vr == "UI":
        wanted = set(value.split(","))
        return lambda dataset: _first(dataset, tag) in wanted
    if vr in ("DA", "TM", "DT") and "-" in value:
        low, _, high = value.partition("-")
        return lambda dataset: _in_range(_first(dataset, tag), low, high)
    pattern = re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value),
        re.IGNORECASE if vr == "PN" else 0,
    )

    def matches(dataset: Dataset) -> bool:
        found = _first(dataset, tag)
        if isinstance(found, dict):
            found = found.get("Alphabetic", "")
        return found is not None and pattern.fullmatch(str(found)) is not None

    return matches


def _in_range(found: object, low: str, high: str) -> bool:
    if not isinstance(found, str) or not found:
        return False
    return (not low or found >= low) and (not high or found[: len(high)] <= high)
