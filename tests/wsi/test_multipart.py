"""The incremental multipart parser against a corpus of bodies, fed whole, byte by byte and in random pieces."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import pytest

from sectra_dpat_client.errors import DPATDownloadError
from sectra_dpat_client.wsi.multipart import (
    MultipartParser,
    PartData,
    PartEnd,
    PartStart,
    boundary_from_content_type,
    filename_from_disposition,
    parse_header_params,
)


@dataclass(frozen=True)
class Part:
    data: bytes
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Body:
    """A multipart body built from parts, with every wire quirk switchable."""

    parts: Sequence[Part]
    boundary: str = "sectra-boundary-42"
    preamble: bytes = b""
    leading_crlf: bool = False
    padding: bytes = b""
    final_crlf: bool = True
    epilogue: bytes = b""
    extra: dict[str, object] = field(default_factory=dict)

    def encode(self) -> bytes:
        b = self.boundary.encode()
        out = bytearray()
        if self.preamble:
            out += self.preamble + b"\r\n"
        elif self.leading_crlf:
            out += b"\r\n"
        for i, part in enumerate(self.parts):
            out += (b"" if i == 0 else b"\r\n") + b"--" + b + self.padding + b"\r\n"
            for header in part.headers:
                out += header.encode("utf-8") + b"\r\n"
            out += b"\r\n" + part.data
        out += b"\r\n--" + b + b"--"
        if self.final_crlf or self.epilogue:
            out += b"\r\n" + self.epilogue
        return bytes(out)

    @property
    def close_end(self) -> int:
        """Length of the shortest complete prefix (ends right after the closing ``--``)."""
        return len(replace(self, final_crlf=False, epilogue=b"").encode())


def disposition(name: str) -> str:
    return f'Content-Disposition: attachment; filename="{name}"'


def parse(body: bytes, boundary: str, chunks: Iterable[bytes] | None = None) -> list[tuple[PartStart, bytes]]:
    parser = MultipartParser(boundary)
    events = []
    for chunk in chunks if chunks is not None else [body]:
        events += parser.feed(chunk)
    events += parser.close()
    return collect(events)


def collect(events: Sequence[object]) -> list[tuple[PartStart, bytes]]:
    parts: list[tuple[PartStart, bytes]] = []
    current: PartStart | None = None
    data = bytearray()
    for event in events:
        if isinstance(event, PartStart):
            assert current is None, "a part began inside a part"
            current, data = event, bytearray()
        elif isinstance(event, PartData):
            assert current is not None, "data outside a part"
            data += event.data
        else:
            assert isinstance(event, PartEnd)
            assert current is not None
            assert event.index == current.index
            parts.append((current, bytes(data)))
            current = None
    assert current is None, "a part never ended"
    return parts


def byte_chunks(body: bytes) -> list[bytes]:
    return [body[i : i + 1] for i in range(len(body))]


def random_chunks(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(1, 12))))
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]


BINARY = bytes(range(256)) * 3 + b"\r\n\r\n--\r\r\n-"
CORPUS: dict[str, Body] = {
    "two-files": Body([Part(b"first file", (disposition("a.dcm"),)), Part(b"second", (disposition("b.dcm"),))]),
    "dicom-names": Body(
        [Part(b"x" * 100, (disposition(f"i{n:04d},0000b.dcm"), "Content-Type: application/dicom")) for n in (0, 1, 3)]
    ),
    "preamble": Body([Part(b"data", (disposition("p.dcm"),))], preamble=b"This is a preamble\r\n--not-it\r\nmore"),
    "leading-crlf": Body([Part(b"data", (disposition("l.dcm"),))], leading_crlf=True),
    "epilogue": Body(
        [Part(b"data", (disposition("e.dcm"),))], epilogue=b"trailing words\r\n--sectra-boundary-42--\r\n"
    ),
    "no-final-crlf": Body([Part(b"data", (disposition("n.dcm"),))], final_crlf=False),
    "transport-padding": Body([Part(b"1", (disposition("t1"),)), Part(b"2", (disposition("t2"),))], padding=b" \t "),
    "rfc5987": Body([Part(b"euro", ("Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC%20rates.dcm",))]),
    "rfc5987-over-plain": Body(
        [Part(b"x", ("Content-Disposition: attachment; filename=\"fallback.dcm\"; filename*=utf-8'en'na%C3%AFve.dcm",))]
    ),
    "rfc2231-continuation": Body(
        [Part(b"x", ("Content-Disposition: attachment; filename*0*=UTF-8''long%20; filename*1=name.dcm",))]
    ),
    "binary-with-crlf-and-dashes": Body([Part(BINARY, (disposition("bin"),)), Part(BINARY[::-1], (disposition("r"),))]),
    "boundary-prefix-in-data": Body(
        [Part(b"a\r\n--sectra-boundary-42X\r\nb\r\n--sectra-boundary-4", (disposition("x"),))]
    ),
    "data-ends-with-crlf": Body([Part(b"line\r\n", (disposition("c"),)), Part(b"\r\n", (disposition("d"),))]),
    "empty-part": Body([Part(b"", (disposition("empty"),)), Part(b"z", (disposition("z"),))]),
    "no-headers": Body([Part(b"anonymous")]),
    "folded-header": Body([Part(b"f", ('Content-Disposition: attachment;\r\n filename="folded.dcm"',))]),
    "quoted-filename-specials": Body([Part(b"q", ('Content-Disposition: attachment; filename="a;b\\"c.dcm"',))]),
    "traversal-names": Body(
        [
            Part(b"1", (disposition("../../etc/passwd"),)),
            Part(b"2", (disposition("C:\\Windows\\evil.dcm"),)),
            Part(b"3", (disposition("/abs/path.dcm"),)),
        ]
    ),
    "content-length": Body([Part(b"12345", (disposition("cl"), "Content-Length: 5"))]),
    "content-length-hides-delimiter": Body(
        [
            Part(b"x\r\n--sectra-boundary-42\r\ny", (disposition("a"), "Content-Length: 26")),
            Part(b"\r\n--sectra-boundary-42--\r\n", (disposition("b"), "content-length:  26 ")),
            Part(BINARY, (disposition("c"),)),
            Part(b"", (disposition("d"), "Content-Length: 0")),
        ]
    ),
    "odd-boundary": Body([Part(b"o", (disposition("o"),))], boundary="'()+_,-./:=? ok"),
}
EXPECTED_NAMES = {
    "rfc5987": ["\u20ac rates.dcm"],
    "rfc5987-over-plain": ["na\u00efve.dcm"],
    "rfc2231-continuation": ["long name.dcm"],
    "folded-header": ["folded.dcm"],
    "quoted-filename-specials": ['a;b"c.dcm'],
    "traversal-names": ["../../etc/passwd", "C:\\Windows\\evil.dcm", "/abs/path.dcm"],
    "no-headers": [None],
}


def expected_name(part: Part) -> str | None:
    for header in part.headers:
        if header.startswith("Content-Disposition") and 'filename="' in header:
            return header.split('filename="', 1)[1].rstrip('"')
    return None


@pytest.mark.parametrize("case", sorted(CORPUS))
@pytest.mark.parametrize("feeding", ["whole", "bytes", "random"])
def test_corpus_parses_to_its_parts(case: str, feeding: str) -> None:
    body = CORPUS[case]
    encoded = body.encode()
    chunks = {"whole": [encoded], "bytes": byte_chunks(encoded), "random": random_chunks(encoded, len(case))}[feeding]
    parts = parse(encoded, body.boundary, chunks)
    assert [data for _, data in parts] == [p.data for p in body.parts]
    names = EXPECTED_NAMES.get(case) or [expected_name(p) for p in body.parts]
    assert [start.filename for start, _ in parts] == names
    assert [start.index for start, _ in parts] == list(range(1, len(body.parts) + 1))


def test_part_headers_and_content_length() -> None:
    parts = parse(CORPUS["content-length"].encode(), CORPUS["content-length"].boundary)
    start = parts[0][0]
    assert start.content_length == 5
    assert start.header("CONTENT-DISPOSITION") == 'attachment; filename="cl"'
    assert start.header("x-missing") is None
    dicom = parse(CORPUS["dicom-names"].encode(), CORPUS["dicom-names"].boundary)
    assert dicom[0][0].header("content-type") == "application/dicom"
    assert dicom[0][0].content_length is None


def test_malformed_part_content_length_is_a_typed_error() -> None:
    body = Body([Part(b"x", (disposition("x"), "Content-Length: 12abc"))])
    start = parse(body.encode(), body.boundary)[0][0]
    with pytest.raises(DPATDownloadError, match="Content-Length"):
        _ = start.content_length


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_truncation_at_every_position_raises(case: str) -> None:
    body = CORPUS[case]
    encoded = body.encode()
    expected = [p.data for p in body.parts]
    for cut in range(body.close_end):
        parser = MultipartParser(body.boundary)
        events = parser.feed(encoded[:cut])
        with pytest.raises(DPATDownloadError, match=r"truncated|no boundary"):
            parser.close()
        # Whatever was reported complete before the cut is exactly right; nothing extra is complete.
        ended = sum(isinstance(e, PartEnd) for e in events)
        assert ended < len(expected) or cut >= body.close_end - 2
        done = collect([*events[: _last_end(events) + 1]])
        assert [data for _, data in done] == expected[: len(done)]
    for cut in range(body.close_end, len(encoded) + 1):
        assert len(parse(encoded[:cut], body.boundary)) == len(expected)


def _last_end(events: Sequence[object]) -> int:
    ends = [i for i, e in enumerate(events) if isinstance(e, PartEnd)]
    return ends[-1] if ends else -1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "no boundary"),
        (b"just some text without any delimiter\r\n", "no boundary"),
        (b"--b\r\nContent-Disposition: x\r\n", "headers of part 1"),
        (b"--b\r\n\r\nbody without end", "part 1"),
        (b"--b\r\n\r\nbody\r\n--b", "part 1"),
        (b"--b\r\n\r\nbody\r\n--b-", "part 1"),
        (b"--b\r\n\r\nbody\r\n--b\r\n", "headers of part 2"),
    ],
)
def test_truncated_or_empty_bodies_name_the_place(body: bytes, message: str) -> None:
    parser = MultipartParser("b")
    parser.feed(body)
    with pytest.raises(DPATDownloadError, match=message):
        parser.close()


def test_bad_header_line_is_a_typed_error() -> None:
    with pytest.raises(DPATDownloadError, match="bad header line in part 1"):
        MultipartParser("b").feed(b"--b\r\nno colon here\r\n\r\ndata")


def test_headers_are_bounded() -> None:
    parser = MultipartParser("b", max_header_bytes=100)
    parser.feed(b"--b\r\nX-Long: " + b"y" * 60)
    with pytest.raises(DPATDownloadError, match="too long"):
        parser.feed(b"y" * 60)


def test_endless_padding_is_bounded() -> None:
    with pytest.raises(DPATDownloadError, match="padding"):
        MultipartParser("b").feed(b"--b" + b" " * 5000)


@pytest.mark.parametrize("boundary", ["", "x" * 201, "a\r\nb"])
def test_invalid_boundaries_are_refused(boundary: str) -> None:
    with pytest.raises(DPATDownloadError, match="invalid multipart boundary"):
        MultipartParser(boundary)


def test_feed_after_close_is_refused() -> None:
    parser = MultipartParser("b")
    parser.feed(b"--b--")
    assert parser.complete
    parser.close()
    with pytest.raises(DPATDownloadError, match="after close"):
        parser.feed(b"x")


def test_memory_stays_bounded_on_a_large_part() -> None:
    """Fed 8 MiB in 64 KiB chunks, the parser never holds more than a delimiter's worth of bytes."""
    parser = MultipartParser("bnd")
    parser.feed(b"--bnd\r\n\r\n")
    chunk = (b"\r" * 7 + b"a") * 8192
    total = 0
    for _ in range(128):
        for event in parser.feed(chunk):
            assert isinstance(event, PartData)
            total += len(event.data)
        assert len(parser._pending) < len(b"\r\n--bnd") + 2
    assert total > 128 * len(chunk) - 16


@pytest.mark.parametrize(
    ("content_type", "boundary"),
    [
        ("multipart/related; boundary=abc", "abc"),
        ('multipart/related; type="application/dicom"; boundary="a b;c"', "a b;c"),
        ('Multipart/Related; BOUNDARY="q\\"uoted"', 'q"uoted'),
        ("multipart/form-data;boundary=x-y", "x-y"),
    ],
)
def test_boundary_from_content_type(content_type: str, boundary: str) -> None:
    assert boundary_from_content_type(content_type) == boundary


@pytest.mark.parametrize(
    "content_type", ["application/octet-stream", "multipart/related", 'multipart/related; boundary=""']
)
def test_content_type_without_boundary_is_a_typed_error(content_type: str) -> None:
    with pytest.raises(DPATDownloadError, match="no multipart boundary"):
        boundary_from_content_type(content_type)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ('attachment; filename="slide.svs"', "slide.svs"),
        ("attachment; filename=slide.svs", "slide.svs"),
        ("attachment; filename*=UTF-8''%C3%A5%C3%A4%C3%B6.ndpi", "\u00e5\u00e4\u00f6.ndpi"),
        ("attachment; filename*=iso-8859-1'sv'%E5.tif; filename=plain.tif", "\u00e5.tif"),
        ("attachment; filename*=unknown-charset''x.tif; filename=plain.tif", "plain.tif"),
        ("attachment; filename*=UTF-8''%FF%FE.tif; filename=plain.tif", "plain.tif"),
        ("attachment; filename*0=ab; filename*2=cd; filename=gap.tif", "gap.tif"),
        ("attachment", None),
        ('attachment; filename=""', None),
    ],
)
def test_filename_from_disposition(value: str, name: str | None) -> None:
    assert filename_from_disposition(value) == name


def test_parse_header_params_keeps_first_and_unquotes() -> None:
    assert parse_header_params('Text/Plain; a="1;2"; A=3; b') == ("text/plain", {"a": "1;2"})


def test_events_before_a_fault_are_delivered_first() -> None:
    parser = MultipartParser("b")
    events = parser.feed(b"--b\r\n\r\nabc\r\n--b\r\nno colon\r\n\r\nmore")
    assert [type(e) for e in events] == [PartStart, PartData, PartEnd]
    with pytest.raises(DPATDownloadError, match="bad header line in part 2"):
        parser.feed(b"x")
    with pytest.raises(DPATDownloadError, match="bad header line in part 2"):
        parser.close()


@pytest.mark.parametrize(
    ("declared", "message"),
    [(3, "part 1 does not end after its Content-Length of 3 bytes"), (7, "does not end"), (50, "truncated in part 1")],
)
def test_wrong_part_content_length_is_a_typed_error(declared: int, message: str) -> None:
    body = Body([Part(b"12345", (disposition("x"), f"Content-Length: {declared}"))])
    with pytest.raises(DPATDownloadError, match=message):
        parse(body.encode(), body.boundary)
    with pytest.raises(DPATDownloadError, match=message):
        parse(body.encode(), body.boundary, byte_chunks(body.encode()))


def test_malformed_part_content_length_falls_back_to_scanning() -> None:
    body = Body([Part(b"abc", (disposition("x"), "Content-Length: 3x")), Part(b"d", (disposition("y"),))])
    parts = parse(body.encode(), body.boundary)
    assert [data for _, data in parts] == [b"abc", b"d"]
