"""QIDO-RS request building shared by the sync and async clients: paths, filters, encoding, paging.

Nothing here does I/O. Query values are percent-encoded only where RFC 3986 requires it: ``*``,
``?`` and ``,`` (and ``/``, ``'``, …) stay literal, so wildcards and UID lists reach the server as
such (some servers, Orthanc 1.10 among them, do not percent-decode query values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias
from urllib.parse import quote

import orjson
from pydicom.datadict import dictionary_VR

from .._core.errors import Named, unusable_answer
from ..errors import DPATQueryError
from .codes import keyword_for, normalize_tag
from .dicom_object import DicomObject

__all__ = [
    "Fields",
    "FilterValue",
    "Level",
    "PageCursor",
    "QidoQuery",
    "SearchOptions",
    "build_query",
    "merge_filters",
    "page_cursor",
    "search_path",
]

Level: TypeAlias = Literal["studies", "series", "instances"]

Fields: TypeAlias = Iterable[str | int] | Literal["all"] | None
"""Attributes to return besides the defaults: keywords or tags, or ``"all"``."""

FilterValue: TypeAlias = (
    str
    | int
    | float
    | dt.date
    | dt.time
    | dt.datetime
    | tuple[str | dt.date | dt.time | dt.datetime | None, str | dt.date | dt.time | dt.datetime | None]
    | Sequence[str]
    | None
)
"""A match value: text (wildcards ``*``/``?`` allowed), a number, a date/time, a ``(start, end)``
range for DA/TM/DT (either end may be None), or a list of UIDs (sent as one comma-joined value).
None or ``""`` is universal matching (the attribute is returned, not filtered)."""

# Kept literal: wildcards and the UID-list comma (meaningful to QIDO-RS), and the other characters RFC 3986
# allows in a query value that carry no meaning in ``name=value&…`` (``&``, ``=``, ``+``, ``#``, ``%`` are encoded).
_SAFE = "*?,!$'();:@/"
_RANGE_VRS = frozenset({"DA", "TM", "DT"})


@dataclass(frozen=True, slots=True, repr=False)
class QidoQuery:
    """One search request: the path below the service root and the encoded query items.

    Its ``repr()`` is the redacted form logs use: match values (which may be patient data) and UIDs hidden.
    """

    path: str
    params: tuple[tuple[str, str], ...] = field(default=())
    template: str = ""
    """The path with UIDs replaced by placeholders: what errors and logs name."""

    @property
    def operation(self) -> Named:
        """What errors name (``GET`` and `template`); sent with the request as its operation extension."""
        return Named("GET", self.template)

    @property
    def limit(self) -> int | None:
        """The ``limit`` this search sends (a page's size for ``iter_*``), or None."""
        for name, value in self.params:
            if name == "limit" and value.isdigit():
                return int(value)
        return None

    @property
    def query_string(self) -> str:
        return "&".join(f"{name}={value}" for name, value in self.params)

    @property
    def target(self) -> str:
        """``path?query`` ready to append to the service root."""
        query = self.query_string
        return f"{self.path}?{query}" if query else self.path

    def with_page(self, limit: int, offset: int) -> QidoQuery:
        """The same search restricted to one page."""
        kept = tuple(item for item in self.params if item[0] not in ("limit", "offset"))
        return QidoQuery(self.path, (*kept, ("limit", str(limit)), ("offset", str(offset))), self.template)

    def redacted(self) -> str:
        """``path?name=…`` with every match value hidden, for logs (values may be patient data)."""
        shown = ("limit", "offset", "includefield", "fuzzymatching")
        query = "&".join(f"{name}={value if name in shown else '<redacted>'}" for name, value in self.params)
        return f"{self.template}?{query}" if query else self.template

    def __repr__(self) -> str:
        return f"QidoQuery({self.redacted()!r})"


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """The options every search method takes besides its filters (one type for both clients).

    Each ``search_*``/``iter_*`` method takes them as ``options=`` or as the same-named keywords (not both;
    `SearchOptions.of`). ``iter_*`` pages with ``page_size`` instead of ``limit`` and starts at ``offset``.
    """

    fields: Fields = None
    limit: int | None = None
    offset: int | None = None
    fuzzymatching: bool | None = None
    extra_params: Mapping[str, str] | None = None

    @classmethod
    def of(
        cls,
        options: SearchOptions | None,
        fields: Fields = None,
        limit: int | None = None,
        offset: int | None = None,
        fuzzymatching: bool | None = None,
        extra_params: Mapping[str, str] | None = None,
    ) -> SearchOptions:
        """``options``, else the separate keywords as one `SearchOptions`; `DPATQueryError` if both are given."""
        if options is None:
            return cls(fields, limit, offset, fuzzymatching, extra_params)
        if not isinstance(options, SearchOptions):
            raise DPATQueryError(f"options must be a SearchOptions, got {type(options).__name__}")
        if any(value is not None for value in (fields, limit, offset, fuzzymatching, extra_params)):
            raise DPATQueryError("give the search options either as options= or as keywords, not both")
        return options

    def query(
        self,
        level: Level,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        study_instance_uid: str | None = None,
        series_instance_uid: str | None = None,
    ) -> QidoQuery:
        """The validated, encoded search at ``level`` with these options."""
        return build_query(
            level,
            filters,
            study_instance_uid=study_instance_uid,
            series_instance_uid=series_instance_uid,
            fields=self.fields,
            limit=self.limit,
            offset=self.offset,
            fuzzymatching=self.fuzzymatching,
            extra_params=self.extra_params,
        )


def search_path(
    level: Level, study_instance_uid: str | None = None, series_instance_uid: str | None = None
) -> tuple[str, str]:
    """The resource path of a search and its template: ``/studies/1.2.3/series``, ``/studies/{study}/series``."""
    if series_instance_uid is not None and level != "instances":
        raise DPATQueryError("a series UID scopes only an instance search")
    if series_instance_uid is not None and study_instance_uid is None:
        raise DPATQueryError("searching instances of a series needs the study UID too")
    if study_instance_uid is not None and level == "studies":
        raise DPATQueryError("a study search is not scoped by a study UID; filter on StudyInstanceUID instead")
    for name, uid in (("study_instance_uid", study_instance_uid), ("series_instance_uid", series_instance_uid)):
        if uid is not None:
            _check_uid(name, uid)
    if study_instance_uid is None:
        return f"/{level}", f"/{level}"
    if series_instance_uid is None:
        return f"/studies/{study_instance_uid}/{level}", f"/studies/{{study}}/{level}"
    return (
        f"/studies/{study_instance_uid}/series/{series_instance_uid}/instances",
        "/studies/{study}/series/{series}/instances",
    )


def build_query(
    level: Level,
    filters: Mapping[str, FilterValue] | None = None,
    *,
    study_instance_uid: str | None = None,
    series_instance_uid: str | None = None,
    fields: Fields = None,
    limit: int | None = None,
    offset: int | None = None,
    fuzzymatching: bool | None = None,
    extra_params: Mapping[str, str] | None = None,
) -> QidoQuery:
    """Validate and encode a search; raises `DPATQueryError` naming the bad part (nothing is sent)."""
    params: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for key, value in (filters or {}).items():
        tag = _filter_tag(key)
        if tag in seen:
            raise DPATQueryError(f"filters {seen[tag]!r} and {key!r} name the same attribute")
        seen[tag] = key
        params.append((_wire_name(key, tag), _encode(_filter_text(key, tag, value))))
    includes = _includefield(fields)
    if includes:
        params.append(("includefield", includes))
    if fuzzymatching is not None:
        if not isinstance(fuzzymatching, bool):
            raise DPATQueryError("fuzzymatching must be True or False")
        params.append(("fuzzymatching", "true" if fuzzymatching else "false"))
    if limit is not None:
        params.append(("limit", str(_count("limit", limit, minimum=1))))
    if offset is not None:
        params.append(("offset", str(_count("offset", offset, minimum=0))))
    for name, value in (extra_params or {}).items():
        if not isinstance(name, str) or not isinstance(value, str) or not name:
            raise DPATQueryError("extra_params must map parameter names to text")
        params.append((_encode(name), _encode(value)))
    path, template = search_path(level, study_instance_uid, series_instance_uid)
    return QidoQuery(path, tuple(params), template)


_LEVEL_UIDS = {"studies": "0020000D", "series": "0020000E", "instances": "00080018"}


def item_key(level: Level) -> Callable[[object], Hashable]:
    """What tells the items of a search apart: their instance UID at ``level`` (else their whole content)."""
    tag = _LEVEL_UIDS[level]

    def key(item: object) -> Hashable:
        if isinstance(item, DicomObject):
            uid = item.get_value_as_string(tag)
            return uid if uid else orjson.dumps(item.to_json(), option=orjson.OPT_SORT_KEYS)
        return item if isinstance(item, Hashable) else repr(item)

    return key


@dataclass(slots=True)
class PageCursor:
    """Paging state for ``iter_*``: which page to ask for next, and when to stop.

    Stops on an empty or short page, on a page equal to the previous one (a server ignoring
    ``offset``), or once ``max_results`` were yielded. A page that differs from the previous one but
    brings no item not seen before (by ``key``: the instance UID) raises `DPATResponseError`: the server
    ignores ``offset`` while varying its pages, and paging on would never end.
    """

    query: QidoQuery
    page_size: int = 100
    max_results: int | None = None
    offset: int = 0
    yielded: int = 0
    done: bool = False
    key: Callable[[object], Hashable] = field(default=lambda item: item if isinstance(item, Hashable) else repr(item))
    # The items and UIDs seen so far are patient data: never in the repr.
    _previous: list[object] | None = field(default=None, repr=False)
    _asked: int = 0
    _seen: set[Hashable] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        _count("page_size", self.page_size, minimum=1)
        _count("offset", self.offset, minimum=0)
        if self.max_results is not None:
            _count("max_results", self.max_results, minimum=0)
            self.done = self.max_results == 0

    def next_query(self) -> QidoQuery:
        """The request for the next page."""
        size = self.page_size
        if self.max_results is not None:
            size = min(size, self.max_results - self.yielded)
        self._asked = size
        return self.query.with_page(size, self.offset)

    def accept(self, page: Sequence[object]) -> int:
        """Record the page answering `next_query`; returns how many of its items to yield."""
        raw_page = list(page)
        if not raw_page or raw_page == self._previous:
            self.done = True
            return 0
        keys = [self.key(item) for item in raw_page]
        if self._previous is not None and self._seen.issuperset(keys):
            self.done = True
            raise unusable_answer(
                self.query.operation,
                f"paging at offset {self.offset} brought only items already seen: "
                "the server ignores offset but varies its pages; narrow the search or raise page_size",
            )
        take = len(raw_page)
        if self.max_results is not None:
            take = min(take, self.max_results - self.yielded)
        self.yielded += take
        self.offset += len(raw_page)
        self._previous = raw_page
        self._seen.update(keys)
        if len(raw_page) < self._asked or (self.max_results is not None and self.yielded >= self.max_results):
            self.done = True
        return take


# --- helpers -------------------------------------------------------------------------------------


def _filter_tag(key: str) -> str:
    if not isinstance(key, str):
        raise DPATQueryError(f"filter names must be text, got {type(key).__name__}")
    try:
        return ".".join(normalize_tag(part) for part in key.split("."))
    except KeyError:
        raise DPATQueryError(
            f"unknown DICOM attribute in filter {key!r} (use a keyword or an 8-hex-digit tag)"
        ) from None


def _wire_name(key: str, tag: str) -> str:
    """Keywords go out as their exact PS3.6 spelling, tags as upper-case hex."""
    parts = []
    for part, part_tag in zip(key.split("."), tag.split("."), strict=True):
        if part.upper() == part_tag:
            parts.append(part_tag)
        else:
            parts.append(keyword_for(part_tag))
    return ".".join(parts)


def _vr(tag: str) -> str:
    last = tag.rsplit(".", 1)[-1]
    try:
        return str(dictionary_VR(int(last, 16)))
    except KeyError:
        return "UN"  # private or unknown tag: no VR-specific rules


def _filter_text(key: str, tag: str, value: FilterValue) -> str:
    vr = _vr(tag)
    if value is None:
        return ""
    if isinstance(value, bool):
        raise DPATQueryError(f"filter {key!r}: a boolean is not a DICOM value")
    if isinstance(value, tuple) and len(value) == 2 and vr in _RANGE_VRS:
        start, end = (_scalar_text(key, vr, part) if part is not None else "" for part in value)
        if not start and not end:
            raise DPATQueryError(f"filter {key!r}: a range needs a start or an end")
        return f"{start}-{end}"
    if isinstance(value, list | tuple):
        if vr != "UI":
            raise DPATQueryError(f"filter {key!r}: a list of values is only allowed for UID attributes ({vr})")
        uids = [str(_check_uid(key, uid)) for uid in value]
        if not uids:
            raise DPATQueryError(f"filter {key!r}: the UID list is empty")
        return ",".join(uids)
    if isinstance(value, str | int | float | dt.date | dt.time):
        text = _scalar_text(key, vr, value)
        if vr == "UI" and "," in text:
            for uid in text.split(","):
                _check_uid(key, uid)
        return text
    raise DPATQueryError(f"filter {key!r}: unsupported value type {type(value).__name__}")


def _scalar_text(key: str, vr: str, value: str | int | float | dt.date | dt.time | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        if vr == "DA":
            return value.strftime("%Y%m%d")
        if vr == "TM":
            return value.strftime("%H%M%S")
        return value.strftime("%Y%m%d%H%M%S") + (value.strftime("%z") if value.tzinfo else "")
    if isinstance(value, dt.date):
        if vr not in ("DA", "DT"):
            raise DPATQueryError(f"filter {key!r}: a date is only a value for DA/DT attributes ({vr})")
        return value.strftime("%Y%m%d")
    if isinstance(value, dt.time):
        if vr != "TM":
            raise DPATQueryError(f"filter {key!r}: a time is only a value for TM attributes ({vr})")
        return value.strftime("%H%M%S")
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        raise DPATQueryError(f"filter {key!r}: unsupported value type {type(value).__name__}")
    if "\\" in value:
        raise DPATQueryError(f"filter {key!r}: a backslash is not allowed in a match value")
    return value


def _check_uid(name: str, uid: object) -> str:
    if not isinstance(uid, str) or not uid or len(uid) > 64 or not all(c.isdigit() or c == "." for c in uid):
        raise DPATQueryError(f"{name}: not a DICOM UID (digits and dots, at most 64 characters)")
    return uid


def _includefield(fields: Fields) -> str:
    if fields is None:
        return ""
    if isinstance(fields, str):
        if fields == "all":
            return "all"
        fields = [fields]
    names: dict[str, str] = {}  # tag -> wire name
    for name in fields:
        if name == "all":
            raise DPATQueryError("includefield 'all' cannot be combined with named fields")
        if isinstance(name, int):
            try:
                tag = normalize_tag(name)
            except KeyError:
                raise DPATQueryError(f"not a DICOM tag in fields: {name!r}") from None
            names.setdefault(tag, tag)
            continue
        try:
            tag = ".".join(normalize_tag(part) for part in name.split("."))
        except KeyError:
            raise DPATQueryError(f"unknown DICOM attribute in fields: {name!r}") from None
        names.setdefault(tag, _wire_name(name, tag))
    return ",".join(names.values())


def _count(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DPATQueryError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise DPATQueryError(f"{name} must be at least {minimum}, got {value}")
    return value


def _encode(text: str) -> str:
    return quote(text, safe=_SAFE)


def merge_filters(
    filters: Mapping[str, FilterValue] | None, match: Mapping[str, FilterValue]
) -> dict[str, FilterValue]:
    """``filters`` (any key, e.g. ``"00100020"``) plus keyword arguments; a key given twice is an error."""
    merged = dict(filters or {})
    for key, value in match.items():
        if key in merged:
            raise DPATQueryError(f"filter {key!r} is given twice")
        merged[key] = value
    return merged


def page_cursor(
    level: Level,
    filters: Mapping[str, FilterValue] | None,
    options: SearchOptions,
    *,
    study_instance_uid: str | None = None,
    series_instance_uid: str | None = None,
    page_size: int = 100,
    max_results: int | None = None,
) -> PageCursor:
    """The paging state of an ``iter_*`` search (the sync and async clients' shared logic).

    Pages are ``page_size`` long from ``options.offset`` (0 if unset); ``options.limit`` has no meaning
    here (`DPATQueryError`: use ``page_size`` or ``max_results``).
    """
    if options.limit is not None:
        raise DPATQueryError("iter_* pages by page_size (and stops at max_results); leave SearchOptions.limit unset")
    query = replace(options, offset=None).query(
        level, filters, study_instance_uid=study_instance_uid, series_instance_uid=series_instance_uid
    )
    offset = 0 if options.offset is None else options.offset
    return PageCursor(query, page_size, max_results, offset, key=item_key(level))
