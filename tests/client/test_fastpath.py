"""The large-result fast path: bytes identical in meaning to the generated models' output, and sent for real."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sectra_dpat_client.ai import (
    AppContext,
    DisplayProperties,
    DPATAIClient,
    Label,
    Point,
    Polygon,
    Polyline,
    PrimitiveBatch,
    PrimitiveItem,
    Result,
    ResultContent,
    ResultData,
    ResultType,
    Style,
    _pointtext,
    fast_primitive_result,
    polygon_from_array,
)
from sectra_dpat_client.errors import DPATQueryError, DPATValidationError
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.validate import validate


def _generated(slide_id: str, arrays: list[np.ndarray], style: Style | None, labels: list[Label]) -> dict[str, object]:
    item = PrimitiveItem(polygons=[polygon_from_array(a) for a in arrays])
    if style is not None:
        item.style = style
    if labels:
        item.labels = labels
    content = ResultContent(type=ResultType.PRIMITIVES, content=[item])
    result = Result(slideId=slide_id, displayResult="n", applicationVersion="2.0", data=ResultData(result=content))
    return result.to_dict()


coordinates = hnp.arrays(
    np.float64,
    st.tuples(st.integers(3, 20), st.just(2)),
    elements=st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False, width=64),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(coordinates, min_size=1, max_size=5))
def test_fast_bytes_decode_to_the_generated_to_dict(arrays: list[np.ndarray]) -> None:
    style = Style(strokeStyle="#112233", size=2)
    labels = [Label(location=Point(x=1.5, y=2.0), label='ä "quoted"')]
    fast = fast_primitive_result(
        "slide/1",
        PrimitiveBatch(polygons=arrays, style=style, labels=labels),
        display_result="n",
        application_version="2.0",
    )
    assert json.loads(fast.to_bytes()) == _generated("slide/1", arrays, style, labels)


def test_fast_result_is_a_valid_result_and_update() -> None:
    rng = np.random.default_rng(1)
    batch = PrimitiveBatch(polygons=rng.uniform(0, 1000, size=(3, 5, 2)), polylines=[rng.uniform(0, 9, size=(4, 2))])
    fast = fast_primitive_result(
        "s",
        [batch, PrimitiveBatch(style=Style(fillStyle="#ffffff"))],
        display_properties=DisplayProperties.from_dict({"count": 3}),
        context=AppContext.from_dict({"model": "v2"}),
    )
    validate(json.loads(fast.to_bytes()), "Result")
    update = json.loads(fast.to_bytes(version_id="v9"))
    validate(update, "ResultUpdate")
    assert update["versionId"] == "v9"
    assert update["data"]["context"] == {"model": "v2"}
    assert update["displayProperties"] == {"count": 3}


def test_integer_arrays_become_floats() -> None:
    fast = fast_primitive_result("s", PrimitiveBatch(polygons=[np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int32)]))
    points = json.loads(fast.to_bytes())["data"]["result"]["content"][0]["polygons"][0]["points"]
    assert points == [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.0}, {"x": 5.0, "y": 6.0}]


@pytest.mark.parametrize(
    ("array", "where"),
    [
        (np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]]), "$.data.result.content[0].polygons[0].points[0]"),
        (np.array([[0.0, 1.0], [np.inf, 0.0], [2.0, 0.0]]), "$.data.result.content[0].polygons[0].points[1]"),
        (np.zeros((3, 3)), "$.data.result.content[0].polygons[0].points"),
        (np.array([["a", "b"]]), "$.data.result.content[0].polygons[0].points"),
    ],
)
def test_bad_arrays_are_refused_with_their_location(array: np.ndarray, where: str) -> None:
    with pytest.raises(DPATValidationError) as info:
        fast_primitive_result("s", PrimitiveBatch(polygons=[array]))
    assert info.value.faults[0].path == where


SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


@pytest.mark.parametrize("count", [0, 1, 2])
def test_polygons_with_fewer_than_three_points_are_refused(count: int) -> None:
    shapes = [SQUARE, SQUARE, SQUARE, SQUARE[:count]]
    with pytest.raises(DPATValidationError) as info:
        fast_primitive_result("s", [PrimitiveBatch(), PrimitiveBatch(polygons=shapes)])
    assert info.value.schema == "Polygon"
    assert [fault.path for fault in info.value.faults] == ["$.data.result.content[1].polygons[3].points"]
    assert f"got {count}" in info.value.faults[0].message


def test_stacked_polygons_of_two_points_are_refused() -> None:
    with pytest.raises(DPATValidationError) as info:
        fast_primitive_result("s", PrimitiveBatch(polygons=np.zeros((4, 2, 2))))
    assert info.value.faults[0].path == "$.data.result.content[0].polygons[0].points"


@pytest.mark.parametrize("count", [0, 1])
def test_polylines_with_fewer_than_two_points_are_refused(count: int) -> None:
    with pytest.raises(DPATValidationError) as info:
        fast_primitive_result("s", PrimitiveBatch(polygons=[SQUARE], polylines=[SQUARE[:2], SQUARE[:count]]))
    assert info.value.schema == "Polyline"
    assert [fault.path for fault in info.value.faults] == ["$.data.result.content[0].polylines[1].points"]


def test_shortest_shapes_the_spec_allows_pass_its_schema() -> None:
    fast = fast_primitive_result("s", PrimitiveBatch(polygons=[SQUARE[:3]], polylines=[SQUARE[:2]]))
    validate(json.loads(fast.to_bytes()), "Result")


def test_non_finite_polyline_coordinates_are_refused() -> None:
    line = np.array([[0.0, 0.0], [1.0, -np.inf]])
    with pytest.raises(DPATValidationError) as info:
        fast_primitive_result("s", PrimitiveBatch(polylines=[line]))
    assert info.value.faults[0].path == "$.data.result.content[0].polylines[0].points[1]"


def test_too_short_polygon_is_never_sent(dpat: DPATSimulator, client: DPATAIClient) -> None:
    with pytest.raises(DPATValidationError):
        client.create_results(fast_primitive_result(dpat.slide_ids[0], PrimitiveBatch(polygons=[SQUARE[:2]])))
    assert dpat.request_count("createResult") == 0


def test_polygon_from_array_needs_three_points() -> None:
    with pytest.raises(DPATValidationError) as info:
        polygon_from_array(SQUARE[:2])
    assert info.value.faults[0].path == "$.points"


def test_polygon_from_array() -> None:
    polygon = polygon_from_array(np.array([[0, 1], [2.5, 3], [4, 0]]))
    assert polygon == Polygon(points=[Point(x=0.0, y=1.0), Point(x=2.5, y=3.0), Point(x=4.0, y=0.0)])


def test_repr_hides_the_slide_id() -> None:
    fast = fast_primitive_result("ACC-PHI-SLIDE", PrimitiveBatch())
    assert "ACC-PHI-SLIDE" not in repr(fast)


def test_fast_path_create_update_and_upsert_against_the_simulator(dpat: DPATSimulator, client: DPATAIClient) -> None:
    slide_id = dpat.slide_ids[0]
    rng = np.random.default_rng(7)
    arrays = list(rng.uniform(0, 5000, size=(20, 50, 2)))
    fast = fast_primitive_result(slide_id, PrimitiveBatch(polygons=arrays), display_result="20 cells")
    created = client.create_results(fast)
    stored = dpat.result(created.id)
    assert stored["data"]["result"]["content"][0]["polygons"][19]["points"][49]["x"] == pytest.approx(arrays[19][49][0])
    with pytest.raises(DPATQueryError, match="versionId"):
        client.update_results(created.id, fast)
    updated = client.update_results(created.id, fast, version_id=created.version_id)
    assert updated.version_id != created.version_id
    again = client.upsert_results(fast)
    assert again.id == created.id
    assert again.display_result == "20 cells"


@pytest.fixture
def plain_dpat() -> Iterator[DPATSimulator]:
    """The simulator leaving absent properties out. The round trip costs 1.5-3 min per answer form on 2 cores
    (the simulator's schema check and the generated models' parse of 1M points, not the null writer), so
    it runs once; the null form of big answers is covered by tests/spec/test_nulls_writer.py, and of
    fast-path results at small sizes here."""
    with DPATSimulator(slides=3) as simulator:
        yield simulator


@pytest.mark.slow
def test_a_million_points_go_through_the_fast_path(plain_dpat: DPATSimulator) -> None:
    """The issue's 1,000 x 1,000-point result, sent and read back (the simulator validates it: ~1 min)."""
    import httpx

    dpat = plain_dpat

    from sectra_dpat_client._core.limits import AnswerLimits

    arrays = np.random.default_rng(11).uniform(0, 100_000, size=(1000, 1000, 2))
    payload = fast_primitive_result(dpat.slide_ids[0], PrimitiveBatch(polygons=arrays), display_result="1000 cells")
    slow = httpx.Timeout(connect=10.0, read=600.0, write=600.0, pool=10.0)
    unbounded = AnswerLimits(deadline=None)  # a loaded machine can take longer than the default deadline
    with DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id, timeout=slow, limits=unbounded) as client:
        created = client.create_results(payload)
        back = client.get_results(created.id)
    item = back.data.result.content[0]  # type: ignore[union-attr, index]
    assert len(item.polygons) == 1000
    assert item.polygons[999].points[999].x == arrays[999][999][0]


@pytest.mark.parametrize("cut_max", [0, 1, 1000])  # shape ends rewritten in a third pass / cut at
@pytest.mark.parametrize("chunk", [1, 2, 5, 64, 16_384])
def test_fast_bytes_equal_orjson_of_the_generated_to_dict_and_to_result(
    chunk: int, cut_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One encoder, byte for byte: the fast path, geometry's `to_result` and orjson over the generated models."""
    pytest.importorskip("shapely")
    from sectra_dpat_client.geometry import to_result

    monkeypatch.setattr(_pointtext, "_CHUNK_POINTS", chunk)
    monkeypatch.setattr(_pointtext, "_CUT_MAX", cut_max)
    rng = np.random.default_rng(chunk)
    polygons = [rng.uniform(-1e6, 1e6, (int(n), 2)) for n in rng.integers(3, 40, 25)]
    polygons.append(np.array([[1, 2], [3, 4], [5, 6]], dtype=np.int64))
    lines = [rng.uniform(0, 1, (int(n), 2)) * 10.0 ** rng.integers(-300, 300) for n in (2, 70, 3)]
    style = Style(strokeStyle="#00ff00")
    fast = fast_primitive_result(
        "slide-1",
        PrimitiveBatch(polygons=polygons, polylines=lines, style=style),
        display_result="cells",
        application_version="1.0",
    )
    item = PrimitiveItem(
        style=style,
        polygons=[polygon_from_array(a) for a in polygons],
        polylines=[Polyline(points=[Point(x=x, y=y) for x, y in a.tolist()]) for a in lines],
    )
    content = ResultContent(type=ResultType.PRIMITIVES, content=[item])
    result = Result(slideId="slide-1", displayResult="cells", applicationVersion="1.0", data=ResultData(result=content))
    assert fast.to_bytes() == orjson.dumps(result.to_dict())
    again = to_result(
        "slide-1",
        [PrimitiveBatch(polygons=polygons, polylines=lines, style=style)],
        display_result="cells",
        application_version="1.0",
    )
    assert again.to_bytes() == fast.to_bytes()


def test_stacked_polygons_encode_like_a_list_of_them() -> None:
    stacked = np.random.default_rng(3).uniform(0, 9, size=(4, 5, 2))
    assert (
        fast_primitive_result("s", PrimitiveBatch(polygons=stacked)).to_bytes()
        == fast_primitive_result("s", PrimitiveBatch(polygons=list(stacked))).to_bytes()
    )


def test_the_first_faulty_shape_is_named_whatever_its_fault() -> None:
    shapes = [SQUARE, np.array([[0.0, 0.0], [np.nan, 1.0], [1.0, 1.0]]), SQUARE[:2]]
    with pytest.raises(DPATValidationError) as info:
        fast_primitive_result("s", PrimitiveBatch(polygons=shapes))
    assert [fault.path for fault in info.value.faults] == ["$.data.result.content[0].polygons[1].points[1]"]


@pytest.mark.parametrize("extra", [0, 1])  # exactly one chunk of points (no bookkeeping), and one point over it
@pytest.mark.parametrize("stacked", [False, True])
def test_the_chunk_limit_changes_no_byte(extra: int, stacked: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to `_CHUNK_POINTS` points are encoded in one orjson call, above in chunks: the same bytes either way."""
    monkeypatch.setattr(_pointtext, "_CHUNK_POINTS", 60)
    calls: list[int] = []
    write_chunk = _pointtext._write_chunk

    def counted(sink: object, flat: np.ndarray, ends: np.ndarray) -> None:
        calls.append(len(flat))
        write_chunk(sink, flat, ends)  # type: ignore[arg-type]

    monkeypatch.setattr(_pointtext, "_write_chunk", counted)
    rng = np.random.default_rng(extra)
    points = rng.uniform(-1, 1, (60 + extra, 2)) * 10.0 ** rng.integers(-300, 300, (60 + extra, 2))
    points[:3] = [[-0.0, 0.0], [1e16, 1e-7], [np.finfo(np.float64).max, -np.finfo(np.float64).tiny]]
    if stacked:
        polygons: list[np.ndarray] | np.ndarray = (
            points.reshape(-1, 60 + extra, 2) if extra else points.reshape(-1, 6, 2)
        )
    else:
        polygons = np.split(points, [3, 7, 20, 24, 40, 57])  # 3 to 17 points each
        polygons[1] = rng.uniform(-1e30, 1e30, polygons[1].shape).astype(np.float32)  # widened as today
        polygons[2] = rng.integers(-5000, 5000, polygons[2].shape).astype(np.int32)
    fast = fast_primitive_result("s", PrimitiveBatch(polygons=polygons), display_result="n", application_version="2.0")
    assert calls == ([120] if not extra else [120, 2])  # flat x, y values per orjson call
    assert fast.to_bytes() == orjson.dumps(_generated("s", list(polygons), None, []))


@pytest.mark.parametrize(
    ("values", "whole"),
    [
        ([0.0, 3.0, -7.0, 2.0**53 - 1, -(2.0**53 - 1)], True),
        ([0.0, 1.0, 2.0**53], False),  # 2**53 and above: orjson may write an exponent
        ([0.0, 1.0, 1e16], False),  # written "1e+16"
        ([1.0, -0.0, 2.0], False),  # -0.0 is written "-0.0", an integer would lose the sign
        ([1.0, 2.0, 2.5], False),
        ([1.5, 2.0, 3.0], False),
    ],
)
def test_whole_numbers_take_the_integer_encoding_only_when_it_writes_the_same(values: list[float], whole: bool) -> None:
    flat = np.array(values * 2, dtype=np.float64)
    assert (_pointtext._integers(flat) is not None) is whole
    polygon = flat.reshape(-1, 2)
    fast = fast_primitive_result("s", PrimitiveBatch(polygons=[polygon]), display_result="n", application_version="2.0")
    assert fast.to_bytes() == orjson.dumps(_generated("s", [polygon], None, []))


@pytest.mark.parametrize("cut_max", [0, 1000])  # shape ends rewritten in a third pass / cut at
@pytest.mark.parametrize("chunk", [3, 64, 16_384])
def test_whole_and_fractional_chunks_mix_byte_for_byte(
    chunk: int, cut_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of whole numbers (integer encoding) next to chunks of fractions, in one body."""
    monkeypatch.setattr(_pointtext, "_CHUNK_POINTS", chunk)
    monkeypatch.setattr(_pointtext, "_CUT_MAX", cut_max)
    rng = np.random.default_rng(chunk)
    polygons: list[np.ndarray] = []
    for index, n in enumerate(rng.integers(3, 40, 30)):
        if index % 3 == 0:
            polygons.append(rng.uniform(-1e4, 1e4, (int(n), 2)))
        elif index % 3 == 1:
            polygons.append(rng.integers(-(2**31), 2**31 - 1, (int(n), 2), dtype=np.int64))
        else:
            polygons.append(rng.integers(0, 4000, (int(n), 2)).astype(np.float32))
    fast = fast_primitive_result("s", PrimitiveBatch(polygons=polygons), display_result="n", application_version="2.0")
    assert fast.to_bytes() == orjson.dumps(_generated("s", polygons, None, []))
