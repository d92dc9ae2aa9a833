"""Issue 13 item 2: big point arrays checked in the raw body (`pointscan`, `offload.fast_examine`).

The in-place check may only ever say "valid"; for everything else the body goes the full way, so the
answers must be those of the in-thread path, over real sockets too, for hostile items inside the
big arrays (NaN, Infinity, out-of-range, malformed numbers, wrong types, nesting, duplicate keys).
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings

from sectra_dpat_client.app import AnalysisApp, BackgroundServer, CallbackPolicy, InvocationContext, pointscan
from sectra_dpat_client.app.fastcheck import PointRun, is_valid, verdict
from sectra_dpat_client.app.offload import examine, fast_examine
from sectra_dpat_client.app.pointscan import point_count, restore_runs, split_points
from sectra_dpat_client.app.replays import replay_key
from sectra_dpat_client.models import InputTemplate, InputType, Result

from . import fakes
from .test_fastcheck import mutated

JSON = {"Content-Type": "application/json"}
POINTS = 15_000  # ~330 kB of points: over RAW_KEY_BYTES, and cut into two pieces
MIDDLE = 7_777


def points_text(count: int = POINTS) -> list[bytes]:
    return [orjson.dumps({"x": round(i / count, 6), "y": 0.5}) for i in range(count)]


def create_body(items: list[bytes], **overrides: Any) -> bytes:
    """A create whose polygon's points are ``items`` (raw item texts), written as DPAT writes them."""
    marker = "@@points@@"
    payload = fakes.create(input={"type": "taggedPolygon", "content": {"polygon": {"points": marker}}}, **overrides)
    return orjson.dumps(payload).replace(orjson.dumps(marker), b"[" + b",".join(items) + b"]")


def with_item(text: bytes, index: int = MIDDLE) -> bytes:
    items = points_text()
    items[index] = text
    return create_body(items)


# (item text, valid per the schema): each replaces one point of a valid 15,000-point create
ITEMS: list[tuple[bytes, bool]] = [
    (b'{"x":NaN,"y":0.5}', False),
    (b'{"x":Infinity,"y":0.5}', False),
    (b'{"x":-Infinity,"y":0.5}', False),
    (b'{"x":1e400,"y":0.5}', False),
    (b'{"x":-1.8e308,"y":0.5}', False),
    (b'{"x":"0.5","y":0.5}', False),
    (b'{"x":null,"y":0.5}', False),
    (b'{"x":true,"y":0.5}', False),
    (b'{"x":[1],"y":0.5}', False),
    (b'{"x":{"x":1,"y":2},"y":0.5}', False),
    (b'{"x":01,"y":0.5}', False),
    (b'{"x":-01,"y":0.5}', False),
    (b'{"x":1.,"y":0.5}', False),
    (b'{"x":.5,"y":0.5}', False),
    (b'{"x":+1,"y":0.5}', False),
    (b'{"x":1e,"y":0.5}', False),
    (b'{"x":1e+,"y":0.5}', False),
    (b'{"x":--1,"y":0.5}', False),
    (b'{"x":1-2,"y":0.5}', False),
    (b'{"x":1.2.3,"y":0.5}', False),
    (b'{"x":1e5e5,"y":0.5}', False),
    (b'{"x":1e5.5,"y":0.5}', False),
    (b'{"x":0x1,"y":0.5}', False),
    (b'{"x":1/2,"y":0.5}', False),
    ('{"x":\u0661,"y":0.5}'.encode(), False),  # ARABIC-INDIC DIGIT ONE
    (b'{"x":,"y":0.5}', False),
    (b'{"x":1}', False),
    (b'{"x":1,"x":2}', False),
    (b'{"y":1}', False),
    (b"{}", False),
    (b"[1,2]", False),
    (b"0.5", False),
    (b"null", False),
    (b'{"x":1,,"y":2}', False),
    (b'{"x":1"y":2}', False),
    (b'{"x"1:,"y":2}', False),
    (b'{"x":1,"y":2}}', False),
    (b'{"x":1,"y":2', False),
    (b'{"x":1,"y":2},', False),
    (b'{"x":1,"y":2,"y":"dup"}', False),  # orjson keeps the last of duplicate keys
    (b'{"x":1,"y":2,"y":3}', True),
    (b'{"y":1,"x":2}', True),
    (b'{"x":1,"y":2,"z":"extra"}', True),
    (b'{"x": 1, "y": 2}', True),
    (b'{"x":1E-05,"y":-2.5e+3}', True),
    (b'{"x":-0,"y":0e0}', True),
    (b'{"x":-0.0,"y":1e-400}', True),
    (b'{"x":12345678901234567890123,"y":1}', True),
    (b'{"x":1.7976931348623157e308,"y":1}', True),
    (b'{"x":0.12345678901234567890123456789,"y":1}', True),
]


def full_verdict(body: bytes) -> dict[str, Any]:
    reply, _payload = examine(body, "Invocation", fakes.APP_ID)
    return reply


@pytest.mark.parametrize(("text", "valid"), ITEMS, ids=[text.decode() for text, _ in ITEMS])
@pytest.mark.parametrize("index", [0, MIDDLE, 12_000, POINTS - 1])
def test_in_place_check_accepts_only_what_the_full_check_accepts(text: bytes, valid: bool, index: int) -> None:
    body = with_item(text, index)
    full = full_verdict(body)
    assert ("refused" not in full and not full.get("faults")) is valid
    fast = fast_examine(body, "Invocation", fakes.APP_ID)
    if not valid:
        assert fast is None
    elif fast is not None:
        assert fast == full


def test_valid_compact_bodies_get_the_full_verdict_and_replay_key_in_place() -> None:
    for items in (points_text(), [b'{"x":-1E-05,"y":2e+2}'] * POINTS, [b'{"x":0,"y":-1}'] * 50_000):
        body = create_body(items)
        fast = fast_examine(body, "Invocation", fakes.APP_ID)
        assert fast is not None
        assert fast == full_verdict(body)
        assert fast["key"] == replay_key(orjson.loads(body), body)
    payload = orjson.loads(create_body(points_text()))
    input_first = orjson.dumps({"input": payload.pop("input"), **payload})  # the token after the big array
    fast = fast_examine(input_first + b" " * 10, "Invocation", fakes.APP_ID)
    assert fast is not None
    assert fast == full_verdict(input_first + b" " * 10)
    areas = {"type": "multiArea", "content": {"polygons": ["@@a@@", "@@b@@", "@@c@@"]}}
    multi = orjson.dumps({"input": areas, **payload})
    for name in (b"a", b"b", b"c"):
        multi = multi.replace(b'"@@' + name + b'@@"', b'{"points":[' + b",".join(points_text()) + b"]}")
    assert len(split_points(multi).counts) == 3
    fast = fast_examine(multi, "Invocation", fakes.APP_ID)
    assert fast is not None
    assert fast == full_verdict(multi)
    notification_body = orjson.dumps(fakes.notification())
    assert fast_examine(notification_body, "ImageNotification", fakes.APP_ID) is None  # no big array: full way


def test_point_count_is_exact_on_the_compact_form() -> None:
    text = b",".join(points_text(40_000))  # cut into pieces at "},{"
    assert point_count(text, 0, len(text)) == 40_000
    assert point_count(b'{"x":1,"y":2}', 0, 13) == 1
    assert point_count(text + b",", 0, len(text) + 1) is None
    assert point_count(b"," + text, 0, len(text) + 1) is None
    assert point_count(text.replace(b'"y"', b'"Y"', 1), 0, len(text)) is None


def test_pieces_stay_small_when_items_are_not_joined_by_a_bare_comma(monkeypatch: pytest.MonkeyPatch) -> None:
    lengths: list[int] = []
    piece_count = pointscan._piece_count

    def measured(piece: bytes, c: Any) -> int | None:
        lengths.append(len(piece))
        return piece_count(piece, c)

    monkeypatch.setattr(pointscan, "_piece_count", measured)
    items = points_text(40_000)
    hostile = create_body([b"1,".join(items).removesuffix(b"1,")])  # "}1,{" between items: no "},{"
    assert fast_examine(hostile, "Invocation", fakes.APP_ID) is None  # the full way, which refuses it
    assert full_verdict(hostile)["refused"] == "the body is not valid JSON"
    valid = create_body(items)
    assert fast_examine(valid, "Invocation", fakes.APP_ID) == full_verdict(valid)
    assert lengths
    assert max(lengths) <= pointscan._MAX_PIECE == 2 * pointscan._CHUNK


@pytest.mark.parametrize(
    ("prefix", "suffix"),
    [
        (b'{"action":"create","note":"', b'"}'),  # the array inside a string: not JSON
        (b'{"action":"create","note":"\\', b'"}'),  # after a backslash in a string
        (b'{"action":"create","note":', b"}"),  # JSON; not an invocation
        (b'{"action":"create","note"', b"}"),  # no colon
        (b"[", b"]"),
    ],
)
def test_the_skeleton_is_json_exactly_when_the_body_is(prefix: bytes, suffix: bytes) -> None:
    array = b"[" + b",".join(points_text()) + b"]"
    body = prefix + array + suffix
    skeleton = split_points(body)
    assert len(skeleton.counts) == 1
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        body_is_json = False
    else:
        body_is_json = True
    try:
        orjson.loads(skeleton.text)
    except orjson.JSONDecodeError:
        skeleton_is_json = False
    else:
        skeleton_is_json = True
    assert skeleton_is_json is body_is_json
    assert fast_examine(body, "Invocation", fakes.APP_ID) is None


def test_runs_outside_input_send_the_body_the_full_way() -> None:
    items = points_text()
    body = create_body(items, context={"copy": "@@c@@"}).replace(b'"@@c@@"', b"[" + b",".join(items) + b"]")
    assert "faults" not in full_verdict(body)
    skeleton = split_points(body)
    assert len(skeleton.counts) == 2
    payload, outside = restore_runs(orjson.loads(skeleton.text), skeleton)
    assert outside == 1
    assert isinstance(payload["input"]["content"]["polygon"]["points"], PointRun)
    assert fast_examine(body, "Invocation", fakes.APP_ID) is None


def test_deeply_nested_runs_in_an_unknown_input_are_checked_in_place() -> None:
    array = b"[" + b",".join(points_text()) + b"]"
    nested = b'{"a":' * 200 + array + b"}" * 200
    base = orjson.dumps(fakes.create(input={"type": "somethingNew", "content": "@@n@@"}))
    body = base.replace(b'"@@n@@"', nested)
    fast = fast_examine(body, "Invocation", fakes.APP_ID)
    assert fast is not None
    assert fast == full_verdict(body)


def test_verdict_treats_a_run_as_its_points() -> None:
    def with_points(points: Any) -> dict[str, Any]:
        content = {"polygon": {"points": points}, "tags": ["a"], "tagIndex": 0}
        return fakes.create(input={"type": "taggedPolygon", "content": content})

    assert verdict(with_points(PointRun(3)), "Invocation") is True
    assert verdict(with_points(PointRun(2)), "Invocation") is False  # minItems 3
    tags = copy.deepcopy(with_points(PointRun(3)))
    tags["input"]["content"]["tags"] = PointRun(3)  # an array of strings: only the items could tell
    assert verdict(tags, "Invocation") is None
    slide = copy.deepcopy(with_points(PointRun(3)))
    slide["slideId"] = PointRun(3)
    assert verdict(slide, "Invocation") is False  # not a string


def _as_runs(value: Any) -> Any:
    """``value`` with each non-empty list of exactly ``{"x": number, "y": number}`` items as a PointRun."""
    if isinstance(value, dict):
        return {key: _as_runs(item) for key, item in value.items()}
    if isinstance(value, list):
        if value and all(_is_point(item) for item in value):
            return PointRun(len(value))
        return [_as_runs(item) for item in value]
    return value


def _is_point(item: Any) -> bool:
    return (
        type(item) is dict
        and set(item) == {"x", "y"}
        and all(type(v) in (int, float) and v - v == 0 for v in item.values())
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_verdict_on_runs_agrees_with_is_valid(case: tuple[str, Any]) -> None:
    schema, payload = case
    assert verdict(_as_runs(payload), schema) in (None, is_valid(payload, schema))


def make_app(**options: Any) -> AnalysisApp:
    app = AnalysisApp(
        application_id=fakes.APP_ID,
        display_name="Points",
        manufacturer="Acme",
        input_template=InputTemplate(type=InputType.TAGGED_POLYGON),
        client_factory=fakes.FakeResults().factory,
        callback_policy=CallbackPolicy(hosts=["127.0.0.1"]),
        max_body_bytes=64 * 1024 * 1024,
        **options,
    )
    seen: list[Any] = []

    @app.on_create
    async def create(ctx: InvocationContext) -> Result:
        points = ctx.create_input.content.polygon.points  # type: ignore[union-attr]
        seen.append((len(points), points[-1].x))
        return Result(slideId=ctx.slide_id, displayResult="done")

    app.state.seen = seen
    return app


def answers(app: AnalysisApp, bodies: list[bytes]) -> list[tuple[int, Any]]:
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        out = []
        for body in bodies:
            answer = http.post("/", content=body, headers=JSON)
            out.append((answer.status_code, answer.json() if answer.content else None))
        return out


def test_over_sockets_the_answers_are_those_of_the_in_thread_path() -> None:
    bodies = [with_item(text).replace(b'"ct-1"', f'"ct-{n}"'.encode()) for n, (text, _) in enumerate(ITEMS)]
    bodies.append(create_body(points_text()))
    fast = make_app(offload_above=64 * 1024)
    in_thread = make_app(offload_above=None)
    ours = answers(fast, bodies)
    assert ours == answers(in_thread, bodies)
    statuses = [status for status, _ in ours]
    assert statuses == [200 if valid else 400 for _, valid in ITEMS] + [200]
    for (_status, reply), (text, valid) in zip(ours, ITEMS, strict=False):
        if not valid and "faults" in reply:
            assert reply["faults"][0]["path"].startswith("$.input"), text
    assert fast.state.seen == in_thread.state.seen
    assert fast.state.seen[-1] == (POINTS, round((POINTS - 1) / POINTS, 6))  # the handler reads every point


def test_a_valid_compact_body_needs_no_worker_process() -> None:
    app = make_app(offload_above=64 * 1024)
    app.offload.prestart()  # with the in-place check on, a worker starts only when a body needs one
    assert len(app.offload) == 0
    with BackgroundServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post("/", content=create_body(points_text()), headers=JSON).status_code == 200
        assert len(app.offload) == 0
        assert http.post("/", content=with_item(b'{"x":NaN,"y":0}'), headers=JSON).status_code == 400
        assert len(app.offload) == 1  # that one went the full way
    assert app.state.seen == [(POINTS, round((POINTS - 1) / POINTS, 6))]
