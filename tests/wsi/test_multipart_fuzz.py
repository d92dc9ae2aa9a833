"""Property tests: the multipart parser round-trips any body in any chunking and fails only with our typed error."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sectra_dpat_client.errors import DPATDownloadError
from sectra_dpat_client.wsi.multipart import MultipartParser, boundary_from_content_type, filename_from_disposition

from .test_multipart import CORPUS, Body, Part, collect

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
boundaries = st.text(alphabet="abcXYZ019'()+_,-./:=? ", min_size=1, max_size=12).filter(lambda b: b.strip() == b)
# Payloads rich in the bytes a delimiter is made of, so near-delimiters are common.
payloads = st.binary(max_size=200) | st.lists(st.sampled_from([b"\r", b"\n", b"-", b"--", b"a", b"b", b"\r\n--"])).map(
    b"".join
)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def run(boundary: str, chunks: list[bytes]) -> list[tuple[object, bytes]]:
    parser = MultipartParser(boundary)
    events = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.close()
    return [(start.filename, data) for start, data in collect(events)]


@FUZZ
@given(boundary=boundaries, data=st.binary(max_size=400), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_arbitrary_bytes_raise_only_our_error(boundary: str, data: bytes, cuts: list[int]) -> None:
    with contextlib.suppress(DPATDownloadError):
        run(boundary, split(data, cuts))


@FUZZ
@given(
    case=st.sampled_from(sorted(CORPUS)),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["drop", "flip", "dup", "crlf"])), max_size=5),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
)
def test_mutated_bodies_raise_only_our_error(case: str, edits: list[tuple[int, str]], cuts: list[int]) -> None:
    body = bytearray(CORPUS[case].encode())
    for position, edit in edits:
        i = position % (len(body) + 1)
        if edit == "drop" and i < len(body):
            del body[i]
        elif edit == "flip" and i < len(body):
            body[i] ^= 0x55
        elif edit == "dup":
            body[i:i] = body[i : i + 7]
        else:
            body[i:i] = b"\r\n"
    with contextlib.suppress(DPATDownloadError):
        run(CORPUS[case].boundary, split(bytes(body), cuts))


def _valid(boundary: str, data: list[bytes]) -> bool:
    delimiter = b"\r\n--" + boundary.encode()
    return all(delimiter not in b"\r\n" + d + b"\r\n" for d in data)


@FUZZ
@given(
    boundary=boundaries,
    data=st.lists(payloads, min_size=1, max_size=4),
    padding=st.sampled_from([b"", b" ", b"\t \t"]),
    preamble=st.binary(max_size=30),
    final_crlf=st.booleans(),
    epilogue=st.binary(max_size=30),
    counted=st.booleans(),
    cuts=st.lists(st.integers(0, 2000), max_size=10),
)
def test_any_valid_body_round_trips_in_any_chunking(
    boundary: str,
    data: list[bytes],
    padding: bytes,
    preamble: bytes,
    final_crlf: bool,
    epilogue: bytes,
    counted: bool,
    cuts: list[int],
) -> None:
    # With Content-Length a part may even contain the delimiter; without, it must not.
    if not _valid(boundary, [preamble] if counted else [*data, preamble]):
        return
    parts = [
        Part(d, (f'Content-Disposition: attachment; filename="f{i}.dcm"', *([f"Content-Length: {len(d)}"] * counted)))
        for i, d in enumerate(data)
    ]
    body = Body(parts, boundary=boundary, preamble=preamble, padding=padding, final_crlf=final_crlf, epilogue=epilogue)
    encoded = body.encode()
    expected = [(f"f{i}.dcm", d) for i, d in enumerate(data)]
    assert run(boundary, split(encoded, cuts)) == expected
    assert run(boundary, [encoded[i : i + 1] for i in range(len(encoded))]) == expected


@FUZZ
@given(value=st.text(max_size=80))
def test_header_helpers_never_crash(value: str) -> None:
    filename_from_disposition(value)
    with contextlib.suppress(DPATDownloadError):
        boundary_from_content_type(value)
