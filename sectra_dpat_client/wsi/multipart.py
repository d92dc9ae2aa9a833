"""Incremental multipart (RFC 2046) parser fed arbitrary chunks, in constant memory.

`MultipartParser.feed` takes bytes split at any position and returns events: `PartStart` (the part's
headers), `PartData` (body bytes, in order) and `PartEnd`. A part with a Content-Length header is passed
on without scanning for the boundary, which must then follow exactly. `close` checks that the body ended with
its closing delimiter. Preamble and epilogue are skipped, transport padding after a delimiter is
allowed, and a missing CRLF after the closing delimiter is accepted. Anything malformed or truncated
raises `DPATDownloadError`.

Also here: header-parameter parsing (`parse_header_params`), the boundary of a Content-Type
(`boundary_from_content_type`) and the file name of a Content-Disposition with RFC 5987/2231
`filename*=` support (`filename_from_disposition`).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from enum import Enum, auto
from urllib.parse import unquote_to_bytes

from ..errors import DPATDownloadError

__all__ = [
    "MultipartEvent",
    "MultipartParser",
    "PartData",
    "PartEnd",
    "PartStart",
    "boundary_from_content_type",
    "filename_from_disposition",
    "parse_content_length",
    "parse_header_params",
]

MAX_HEADER_BYTES = 64 * 1024
MAX_PADDING_BYTES = 1024
MAX_BOUNDARY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class PartStart:
    """A part begins; ``headers`` are (lower-cased name, value) pairs in wire order."""

    index: int
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    @property
    def filename(self) -> str | None:
        """The file name from the part's Content-Disposition, or None."""
        disposition = self.header("content-disposition")
        return filename_from_disposition(disposition) if disposition is not None else None

    @property
    def content_length(self) -> int | None:
        """The part's Content-Length when given; a malformed value raises `DPATDownloadError`."""
        return parse_content_length(self.header("content-length"), where=f"part {self.index}")


@dataclass(frozen=True, slots=True)
class PartData:
    """The next bytes of the current part's body."""

    data: bytes


@dataclass(frozen=True, slots=True)
class PartEnd:
    """The current part's body is complete."""

    index: int


MultipartEvent = PartStart | PartData | PartEnd


class _State(Enum):
    PREAMBLE = auto()
    HEADERS = auto()
    BODY = auto()
    EPILOGUE = auto()


class _Delimiter(Enum):
    NEED_MORE = auto()
    NOT_A_DELIMITER = auto()
    NEXT_PART = auto()
    CLOSE = auto()


class MultipartParser:
    """Push parser for a multipart body with a known boundary."""

    def __init__(self, boundary: str | bytes, *, max_header_bytes: int = MAX_HEADER_BYTES) -> None:
        raw = boundary.encode("latin-1", "replace") if isinstance(boundary, str) else bytes(boundary)
        if not raw or len(raw) > MAX_BOUNDARY_LENGTH or b"\r" in raw or b"\n" in raw:
            raise DPATDownloadError(f"invalid multipart boundary (length {len(raw)})")
        self._delimiter = b"\r\n--" + raw
        self._max_header_bytes = max_header_bytes
        self._state = _State.PREAMBLE
        # A virtual CRLF lets a body that starts directly with "--boundary" match the delimiter.
        self._pending = b"\r\n"
        self._parts = 0
        self._closed = False
        self._error: DPATDownloadError | None = None
        self._remaining: int | None = None  # bytes left in a part of known Content-Length
        self._declared: int | None = None

    @property
    def complete(self) -> bool:
        """True once the closing delimiter has been read."""
        return self._state is _State.EPILOGUE

    @property
    def parts_started(self) -> int:
        """How many parts have begun so far."""
        return self._parts

    def feed(self, data: bytes) -> list[MultipartEvent]:
        """Parse the next chunk (any length, split anywhere) and return the events it completes.

        Malformed input raises `DPATDownloadError`; events that precede the fault in the same chunk are
        returned first and the error is raised by the next `feed` or `close`.
        """
        if self._closed:
            raise DPATDownloadError("multipart parser fed after close")
        if not data:
            return []
        if self._error is not None:
            raise self._error
        buf = self._pending + data if self._pending else data
        events: list[MultipartEvent] = []
        try:
            pos = self._run(buf, events)
        except DPATDownloadError as exc:
            # Hand out the events before the fault first; the fault is raised by the next call.
            self._error = exc
            if not events:
                raise
            return events
        self._pending = buf[pos:] if pos < len(buf) else b""
        return events

    def close(self) -> list[MultipartEvent]:
        """Signal the end of the body; raises `DPATDownloadError` unless it ended properly."""
        self._closed = True
        if self._error is not None:
            raise self._error
        state = self._state
        if state is _State.EPILOGUE:
            return []
        if state is _State.PREAMBLE:
            raise DPATDownloadError("multipart body holds no boundary line (malformed or truncated)")
        if state is _State.HEADERS:
            raise DPATDownloadError(f"multipart body truncated in the headers of part {self._parts + 1}")
        raise DPATDownloadError(f"multipart body truncated in part {self._parts} (no closing boundary)")

    def _run(self, buf: bytes, events: list[MultipartEvent]) -> int:
        pos = 0
        delimiter = self._delimiter
        while True:
            state = self._state
            if state is _State.EPILOGUE:
                return len(buf)
            if state is _State.HEADERS:
                end = self._read_headers(buf, pos, events)
                if end < 0:
                    return pos
                pos = end
                continue
            if state is _State.BODY and self._remaining is not None:
                pos = self._counted_body(buf, pos, events)
                if self._state is _State.BODY:
                    return pos
                continue
            in_body = state is _State.BODY
            found = buf.find(delimiter, pos)
            if found < 0:
                # Keep back a tail that may be the start of a delimiter split across chunks.
                keep_from = max(pos, len(buf) - len(delimiter) + 1)
                cr = buf.find(b"\r", keep_from)
                safe_end = cr if cr >= 0 else len(buf)
                if in_body and safe_end > pos:
                    events.append(PartData(buf if pos == 0 and safe_end == len(buf) else buf[pos:safe_end]))
                return safe_end
            kind, after = self._classify(buf, found + len(delimiter))
            if kind is _Delimiter.NEED_MORE:
                if in_body and found > pos:
                    events.append(PartData(buf[pos:found]))
                return found
            if kind is _Delimiter.NOT_A_DELIMITER:
                # "--boundary" followed by other text is content (a different, longer boundary).
                if in_body:
                    events.append(PartData(buf[pos : found + 1]))
                pos = found + 1
                continue
            if in_body:
                if found > pos:
                    events.append(PartData(buf[pos:found]))
                events.append(PartEnd(self._parts))
            pos = after
            self._state = _State.EPILOGUE if kind is _Delimiter.CLOSE else _State.HEADERS

    def _counted_body(self, buf: bytes, pos: int, events: list[MultipartEvent]) -> int:
        """A part of known Content-Length: pass its bytes on unscanned, then expect the delimiter."""
        remaining = self._remaining or 0
        if remaining:
            take = min(remaining, len(buf) - pos)
            if take:
                events.append(PartData(buf if pos == 0 and take == len(buf) else buf[pos : pos + take]))
                pos += take
                remaining = self._remaining = remaining - take
            if remaining:
                return pos
        delimiter = self._delimiter
        ahead = buf[pos : pos + len(delimiter)]
        if not delimiter.startswith(ahead):
            raise self._length_mismatch()
        if len(ahead) < len(delimiter):
            return pos
        kind, after = self._classify(buf, pos + len(delimiter))
        if kind is _Delimiter.NEED_MORE:
            return pos
        if kind is _Delimiter.NOT_A_DELIMITER:
            raise self._length_mismatch()
        events.append(PartEnd(self._parts))
        self._remaining = None
        self._state = _State.EPILOGUE if kind is _Delimiter.CLOSE else _State.HEADERS
        return after

    def _length_mismatch(self) -> DPATDownloadError:
        return DPATDownloadError(
            f"malformed multipart body: part {self._parts} does not end after its Content-Length "
            f"of {self._declared} bytes"
        )

    def _classify(self, buf: bytes, after: int) -> tuple[_Delimiter, int]:
        """What follows a delimiter at ``after``: a closing ``--``, padding + CRLF, or neither."""
        size = len(buf)
        if after + 2 > size:
            return _Delimiter.NEED_MORE, after
        if buf[after] == 0x2D and buf[after + 1] == 0x2D:  # "--"
            return _Delimiter.CLOSE, after + 2
        end = after
        while end < size and buf[end] in (0x20, 0x09):
            end += 1
        if end - after > MAX_PADDING_BYTES:
            raise DPATDownloadError("malformed multipart body: endless padding after a boundary")
        if end + 2 > size:
            if end < size and buf[end] != 0x0D:
                return _Delimiter.NOT_A_DELIMITER, after
            return _Delimiter.NEED_MORE, after
        if buf[end] == 0x0D and buf[end + 1] == 0x0A:
            return _Delimiter.NEXT_PART, end + 2
        return _Delimiter.NOT_A_DELIMITER, after

    def _read_headers(self, buf: bytes, pos: int, events: list[MultipartEvent]) -> int:
        """Parse a complete header block at ``pos``; -1 when more bytes are needed."""
        if len(buf) - pos < 2:
            return -1
        if buf[pos] == 0x0D and buf[pos + 1] == 0x0A:
            block, end = b"", pos + 2
        else:
            found = buf.find(b"\r\n\r\n", pos)
            if found < 0:
                if len(buf) - pos > self._max_header_bytes:
                    raise DPATDownloadError(f"malformed multipart body: headers of part {self._parts + 1} too long")
                return -1
            if found - pos > self._max_header_bytes:
                raise DPATDownloadError(f"malformed multipart body: headers of part {self._parts + 1} too long")
            block, end = buf[pos:found], found + 4
        self._parts += 1
        start = PartStart(self._parts, _parse_header_block(block, self._parts))
        events.append(start)
        length = (start.header("content-length") or "").strip()
        # A known length lets the body pass unscanned; a malformed one is reported by PartStart.content_length.
        self._remaining = self._declared = (
            parse_content_length(length, where=f"part {self._parts}") if length.isdigit() and length.isascii() else None
        )
        self._state = _State.BODY
        return end


def _parse_header_block(block: bytes, index: int) -> tuple[tuple[str, str], ...]:
    if not block:
        return ()
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("latin-1")
    headers: list[list[str]] = []
    for line in text.split("\r\n"):
        if line[:1] in (" ", "\t") and headers:
            headers[-1][1] += " " + line.strip()
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name or any(ch in name for ch in " \t"):
            raise DPATDownloadError(f"malformed multipart body: bad header line in part {index}")
        headers.append([name.lower(), value.strip()])
    return tuple((name, value) for name, value in headers)


MAX_LENGTH_DIGITS = 19
"""Digits a Content-Length may have (2**63 has 19): more is not a size any file has."""


def parse_content_length(value: str | None, *, where: str) -> int | None:
    """A Content-Length value as int, None when absent; malformed raises `DPATDownloadError`."""
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        raise DPATDownloadError(f"malformed Content-Length in {where}")
    if len(text.lstrip("0")) > MAX_LENGTH_DIGITS:  # int() refuses over 4,300 digits with a bare ValueError
        raise DPATDownloadError(f"Content-Length in {where} is too large ({len(text)} digits)")
    return int(text)


def _split_params(value: str) -> list[str]:
    """Split a header value on ``;`` outside quoted strings."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            pieces.append("".join(current))
            current = []
            continue
        current.append(ch)
    pieces.append("".join(current))
    return pieces


def _unquote(value: str) -> str:
    """Strip a quoted string's quotes; ``\\"`` and ``\\\\`` are escapes, other backslashes stay (Windows paths)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        inner = value[1:-1]
        out: list[str] = []
        i = 0
        while i < len(inner):
            if inner[i] == "\\" and i + 1 < len(inner) and inner[i + 1] in '"\\':
                i += 1
            out.append(inner[i])
            i += 1
        return "".join(out)
    return value


def parse_header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type; a=1; b="x;y"`` into the lower-cased main value and its parameters.

    Parameter names are lower-cased and values unquoted; the first occurrence of a name wins.
    """
    main, *rest = _split_params(value)
    params: dict[str, str] = {}
    for piece in rest:
        name, sep, raw = piece.partition("=")
        name = name.strip().lower()
        if sep and name and name not in params:
            params[name] = _unquote(raw)
    return main.strip().lower(), params


def boundary_from_content_type(content_type: str) -> str:
    """The boundary of a ``multipart/*`` Content-Type; raises `DPATDownloadError` when absent."""
    media_type, params = parse_header_params(content_type)
    boundary = params.get("boundary", "")
    if not media_type.startswith("multipart/") or not boundary:
        raise DPATDownloadError(f"response Content-Type {media_type or '(empty)'!r} has no multipart boundary")
    return boundary


def _decode_extended(value: str, *, with_charset: bool, charset: str = "utf-8") -> tuple[str, str]:
    """Decode an RFC 5987 ext-value (``charset'lang'pct-encoded``); returns (text, charset)."""
    if with_charset:
        charset, _, rest = value.partition("'")
        _, _, value = rest.partition("'")
        charset = charset.strip() or "utf-8"
    codecs.lookup(charset)  # LookupError for an unknown charset
    return unquote_to_bytes(value).decode(charset), charset


def _extended_filename(params: dict[str, str]) -> str | None:
    """``filename*=`` (RFC 5987) or its RFC 2231 continuations ``filename*0*=``, ``filename*1=``, …"""
    if "filename*" in params:
        return _decode_extended(params["filename*"], with_charset=True)[0]
    segments: list[tuple[int, bool, str]] = []
    for name, value in params.items():
        if not name.startswith("filename*"):
            continue
        index = name[len("filename*") :].removesuffix("*")
        if index.isdigit() and index.isascii():
            segments.append((int(index), name.endswith("*"), value))
    if not segments:
        return None
    segments.sort()
    if [number for number, _, _ in segments] != list(range(len(segments))):
        return None
    text: list[str] = []
    charset = "utf-8"
    for number, extended, value in segments:
        if extended:
            decoded, charset = _decode_extended(value, with_charset=number == 0, charset=charset)
            text.append(decoded)
        else:
            text.append(value)
    return "".join(text)


def filename_from_disposition(disposition: str) -> str | None:
    """The file name of a Content-Disposition value (``filename*=`` preferred over ``filename=``)."""
    _, params = parse_header_params(disposition)
    try:
        extended = _extended_filename(params)
    except (LookupError, UnicodeDecodeError, ValueError):
        extended = None
    if extended:
        return extended
    plain = params.get("filename")
    return plain if plain else None
