"""The simulator's in-memory state: slides, applications, results, attachments, QC and tokens.

Every method takes the store's lock, so the test thread and the server thread can share one store.
Slide data is synthetic and deterministic: the same arguments give the same ids, UIDs and pixels.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "Application",
    "SimulatorStore",
    "Slide",
    "SlideFile",
    "StoredResult",
    "TokenGrant",
    "default_dicom_files",
    "single_file",
]

_UID_ROOT = "1.2.826.0.1.3680043.10.1379"  # a UID root for synthetic test data


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def _uid(*parts: object) -> str:
    return f"{_UID_ROOT}.{int(_digest(*parts)[:24], 16)}"


@dataclass(frozen=True, slots=True)
class SlideFile:
    """One originally imported file of a slide; its bytes are synthesised on demand (see `synthetic`)."""

    name: str
    size: int
    mime_type: str = "application/dicom"
    source: str | None = None
    """A real file on disk served as this file's bytes (``add_slide(path=...)``); None: synthetic bytes."""


@dataclass(slots=True)
class Slide:
    """A synthetic slide with DICOM identity, LIS data, a Deep Zoom pyramid and original files.

    Patient-identifying fields stay out of ``repr`` (the data are synthetic, the habit is not).
    """

    id: str
    width: int = 20_000
    height: int = 15_000
    tile_size: int = 256
    microns_per_pixel: float = 0.25
    focal_planes: tuple[tuple[str, float], ...] = (("0", 0.0),)
    optical_paths: tuple[tuple[str, str], ...] = (("0", "Brightfield"),)
    is_streamable: bool = True
    staining: str = "HE"
    block: str = "A1"
    specimen_anatomy: str = "Breast"
    specimen_description: str = "Resection"
    files: tuple[SlideFile, ...] = ()
    has_label: bool = True
    # DICOM identity (QIDO) and LIS data
    accession_number: str = field(default="", repr=False)
    accession_number_issuer: str = "SIMLAB"
    study_instance_uid: str = field(default="", repr=False)
    series_instance_uid: str = ""
    patient_id: str = field(default="", repr=False)
    patient_name: str = field(default="", repr=False)
    exam_id: str = field(default="", repr=False)
    exam_date_time: str = field(default="2026-01-15T09:30:00", repr=False)
    exam_free_fields: tuple[tuple[str, str], ...] = field(default=(("Referrer", "Dr Simulated"),), repr=False)
    lis_slide_id: str = ""
    body_part: str = "BREAST"
    exam_code: str = "PAT01"
    exam_description: str = "Histology"
    station_name: str = "SIMSCANNER1"
    priority: int = 3
    # quality control (IA-API 1.10)
    qc_status: str = "NotSet"
    qc_version: int = 1
    # real pixels (``add_slide(path=...)``): a `pyramid.FilePyramid`; None renders the synthetic pattern
    pixels: Any = field(default=None, repr=False)

    @property
    def file_mime_type(self) -> str:
        """The mime type of the imported files (`ImageInfo.fileFormat`)."""
        return self.files[0].mime_type if self.files else "application/octet-stream"

    @property
    def qc_version_id(self) -> str:
        """The current QC `versionId`."""
        return str(self.qc_version)


_SLIDE_FIELDS = frozenset(f.name for f in fields(Slide))


@dataclass(slots=True)
class Application:
    """A registered application as DPAT holds it."""

    application_id: str
    display_name: str
    manufacturer: str
    context: Mapping[str, Any] | None = None


@dataclass(slots=True)
class StoredResult:
    """A result as stored: the app's body plus the server-owned `id` and `versionId`."""

    app_id: str
    body: dict[str, Any]

    @property
    def id(self) -> int:
        """The result id."""
        return int(self.body["id"])

    @property
    def version_id(self) -> str:
        """The current `versionId`."""
        return str(self.body["versionId"])

    @property
    def slide_id(self) -> str:
        """The slide the result belongs to."""
        return str(self.body["slideId"])


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """A bearer token and when it stops working (``None``: never)."""

    token: str = field(repr=False)
    expires_at: float | None = None


@dataclass(slots=True)
class _Counters:
    results: int = 0
    slides: int = 0
    cases: int = 0


class SimulatorStore:
    """Slides, applications, results, attachments, QC and tokens of one simulated DPAT server."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._clock_offset = 0.0
        self.slides: dict[str, Slide] = {}
        self.applications: dict[str, Application] = {}
        self.results: dict[int, StoredResult] = {}
        self.attachments: dict[tuple[int, str], bytes] = {}
        self.tokens: dict[str, TokenGrant] = {}
        self.session_tokens: set[str] = set()
        # called (under the lock) with each result just created or updated; e.g. the viewer's version history
        self.result_observers: list[Callable[[StoredResult], None]] = []
        self._counters = _Counters()

    # --- time -------------------------------------------------------------------------------

    def now(self) -> float:
        """The store's clock (monotonic seconds, moved forward by `advance_clock`)."""
        return self._clock() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move the store's clock forward (to expire tokens without sleeping)."""
        with self._lock:
            self._clock_offset += seconds

    # --- tokens -----------------------------------------------------------------------------

    def issue_token(self, ttl: float | None) -> TokenGrant:
        """A new bearer token valid for ``ttl`` seconds (``None``: until revoked)."""
        grant = TokenGrant(secrets.token_urlsafe(24), None if ttl is None else self.now() + ttl)
        with self._lock:
            self.tokens[grant.token] = grant
        return grant

    def add_token(self, token: str, ttl: float | None = None) -> TokenGrant:
        """Accept a given bearer token."""
        grant = TokenGrant(token, None if ttl is None else self.now() + ttl)
        with self._lock:
            self.tokens[token] = grant
        return grant

    def revoke_token(self, token: str) -> None:
        """Stop accepting a token."""
        with self._lock:
            self.tokens.pop(token, None)

    def token_valid(self, token: str) -> bool:
        """Whether a bearer token is known and not expired."""
        with self._lock:
            grant = self.tokens.get(token)
        return grant is not None and (grant.expires_at is None or self.now() < grant.expires_at)

    # --- applications -----------------------------------------------------------------------

    def register_app(
        self,
        application_id: str,
        *,
        display_name: str | None = None,
        manufacturer: str = "Simulated manufacturer",
        context: Mapping[str, Any] | None = None,
    ) -> Application:
        """Register (or replace) an application."""
        app = Application(application_id, display_name or application_id, manufacturer, context)
        with self._lock:
            self.applications[application_id] = app
        return app

    # --- slides -----------------------------------------------------------------------------

    def add_slide(
        self,
        slide_id: str | None = None,
        *,
        accession_number: str | None = None,
        files: Sequence[SlideFile] | None = None,
        **overrides: Any,
    ) -> Slide:
        """Add a slide; unspecified fields get deterministic synthetic values.

        ``accession_number`` groups slides into a case (a new case when omitted); slides of one case
        share the study, patient and exam. ``files`` defaults to three DICOM instances.
        """
        unknown = sorted(set(overrides) - _SLIDE_FIELDS | ({"id"} & set(overrides)))
        if unknown:
            raise TypeError(f"Slide has no settable field(s) {unknown}")
        with self._lock:
            n = self._counters.slides + 1
            sid = slide_id if slide_id is not None else _digest("slide", n)[:12]
            if sid in self.slides:
                raise ValueError("a slide with this id already exists")
            while accession_number is None:
                self._counters.cases += 1
                candidate = f"SIM{self._counters.cases:06d}"
                if not self.case_slides(candidate):
                    accession_number = candidate
            case = next((s for s in self.slides.values() if s.accession_number == accession_number), None)
            case_size = sum(1 for s in self.slides.values() if s.accession_number == accession_number)
            if files is None:
                files = default_dicom_files()
            slide = Slide(
                id=sid,
                files=tuple(files),
                accession_number=accession_number,
                study_instance_uid=case.study_instance_uid if case else _uid("study", accession_number),
                series_instance_uid=_uid("series", sid),
                patient_id=case.patient_id if case else f"PAT{int(_digest('patient', accession_number)[:8], 16):010d}",
                patient_name=case.patient_name if case else f"Simulated^Patient{accession_number[-3:]}",
                exam_id=case.exam_id if case else f"EX{accession_number}",
                lis_slide_id=f"LIS-{_digest('lis', sid)[:8].upper()}-{case_size + 1}",
                block=f"A{case_size + 1}",
            )
            for name, value in overrides.items():
                setattr(slide, name, value)
            self.slides[sid] = slide
            self._counters.slides = n
        return slide

    def slide(self, slide_id: str) -> Slide | None:
        """The slide with this id, if any."""
        with self._lock:
            return self.slides.get(slide_id)

    def case_slides(self, accession_number: str) -> list[Slide]:
        """The slides of a case, in insertion order."""
        with self._lock:
            return [s for s in self.slides.values() if s.accession_number == accession_number]

    def set_quality_control(self, slide_id: str, status: str, version_id: str) -> str | None:
        """Set a slide's QC status; returns the new versionId, or ``None`` if ``version_id`` is stale."""
        with self._lock:
            slide = self.slides[slide_id]
            if version_id != slide.qc_version_id:
                return None
            slide.qc_status = status
            slide.qc_version += 1
            return slide.qc_version_id

    # --- results ----------------------------------------------------------------------------

    def create_result(self, app_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new result; returns the ResultResponse (a copy)."""
        with self._lock:
            self._counters.results += 1
            rid = self._counters.results
            stored = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "versionId")}
            stored.update(id=rid, versionId=f"{rid}.1")
            self.results[rid] = StoredResult(app_id, stored)
            self._observe(self.results[rid])
            return copy.deepcopy(stored)

    def get_result(self, app_id: str, result_id: int) -> dict[str, Any] | None:
        """A copy of one of this app's results."""
        with self._lock:
            stored = self.results.get(result_id)
            return copy.deepcopy(stored.body) if stored is not None and stored.app_id == app_id else None

    def update_result(self, app_id: str, result_id: int, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """Replace a result whose `versionId` matches; ``None`` if it is stale (the caller checked existence)."""
        with self._lock:
            stored = self.results[result_id]
            if body.get("versionId") != stored.version_id:
                return None
            version = int(stored.version_id.rsplit(".", 1)[1]) + 1
            new = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "versionId")}
            new.update(id=result_id, versionId=f"{result_id}.{version}")
            stored.body = new
            self._observe(stored)
            return copy.deepcopy(new)

    def _observe(self, stored: StoredResult) -> None:
        for observer in self.result_observers:
            observer(stored)

    def results_for_slide(self, app_id: str, slide_id: str) -> list[dict[str, Any]]:
        """This app's results on a slide, oldest first."""
        with self._lock:
            return [
                copy.deepcopy(r.body)
                for _, r in sorted(self.results.items())
                if r.app_id == app_id and r.slide_id == slide_id
            ]

    def add_attachment(self, result_id: int, name: str, data: bytes) -> None:
        """Store an attachment's bytes and list it as ``stored`` on the result."""
        with self._lock:
            stored = self.results[result_id]
            self.attachments[(result_id, name)] = bytes(data)
            listed = [a for a in (stored.body.get("attachments") or []) if a.get("name") != name]
            stored.body["attachments"] = [*listed, {"name": name, "state": "stored"}]


def default_dicom_files(*, count: int = 3, size: int = 256 * 1024, extension: str = ".dcm") -> tuple[SlideFile, ...]:
    """DICOM instances named like DPAT 4.2 names them (``i0000,0000b.dcm``, with a gap as seen live).

    ``extension=""`` gives the extension-less names older servers seem to have sent.
    """
    numbers = [i if i < 2 else i + 1 for i in range(count)]
    return tuple(SlideFile(f"i{n:04d},0000b{extension}", size + 4096 * n) for n in numbers)


def single_file(name: str, size: int, mime_type: str = "image/tiff") -> tuple[SlideFile, ...]:
    """A single imported file (e.g. an SVS), served as `application/octet-stream`."""
    return (SlideFile(name, size, mime_type),)
