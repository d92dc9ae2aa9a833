"""The receiver's compiled validator agrees with `sectra_dpat_client.validate` on mutated payloads."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sectra_dpat_client.app.fastcheck import fast_faults, is_valid
from sectra_dpat_client.validate import iter_faults

from . import fakes
from .test_fuzz_invocations import JSON_VALUES, paths

POLYGON = {"points": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.1}, {"x": 0.2, "y": 0.2}]}
RESULT = {
    "slideId": "s",
    "displayResult": "r",
    "displayProperties": {"a": "b", "n": 1},
    "data": {
        "context": {},
        "result": {"type": "primitive", "content": [{"type": "polygon", "polygons": [POLYGON]}]},
    },
}
BASES: list[tuple[str, Any]] = [
    ("Invocation", fakes.create()),
    ("Invocation", fakes.create(input={"type": "taggedPolygon", "content": {"polygon": POLYGON, "tags": ["a"], "tagIndex": 0}})),
    ("Invocation", fakes.create(input={"type": "multiArea", "content": {"polygons": [POLYGON]}})),
    ("Invocation", fakes.create(input={"type": "freehand", "content": {"strokes": [[0.1, 0.2]]}})),
    ("Invocation", fakes.modify()),
    ("Invocation", fakes.cancel()),
    ("ImageNotification", fakes.notification()),
    ("Result", RESULT),
    ("ResultResponse", fakes.stored_result()),
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    schema, base = draw(st.sampled_from(BASES))
    payload: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(paths(payload)))
        if not target:
            payload = draw(JSON_VALUES)
            break
        holder = payload
        for key in target[:-1]:
            holder = holder[key]
        if draw(st.booleans()) and isinstance(holder, dict):
            del holder[target[-1]]
        else:
            holder[target[-1]] = draw(JSON_VALUES)
    return schema, payload


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_same_verdict_as_the_reference_validator(case: tuple[str, Any]) -> None:
    schema, payload = case
    reference = iter_faults(payload, schema)
    assert is_valid(payload, schema) == (not reference), (schema, payload, reference)
    faults = fast_faults(payload, schema)
    assert bool(faults) == bool(reference)


def test_faults_on_a_large_invalid_polygon_are_capped_and_precise() -> None:
    points = [{"x": 0.5, "y": "0.5"} for _ in range(10_000)]
    body = fakes.create(input={"type": "taggedPolygon", "content": {"polygon": {"points": points}}})
    faults = fast_faults(body, "Invocation", limit=20)
    assert len(faults) == 20
    assert faults[0].path == "$.input.content.polygon.points[0].y"
    assert faults[0].message == "expected number (finite)"


def test_non_finite_numbers_are_invalid() -> None:
    body = fakes.create(input={"type": "multiArea", "content": {"polygons": [POLYGON]}})
    body["input"]["content"]["polygons"][0]["points"][1]["x"] = float("inf")
    assert not is_valid(body, "Invocation")
    assert iter_faults(body, "Invocation")


def test_point_loop_agrees_with_validate_on_every_kind_of_coordinate() -> None:
    """The two-property point loop (both floats tested at once) against jsonschema, x and y alike."""
    kinds: list[Any] = [0.5, 1, -2, 1e308, float("inf"), float("-inf"), float("nan"), "1", None, True, [1], {}]
    for x in kinds:
        for y in kinds:
            for index in (0, 2):
                points = copy.deepcopy(POLYGON["points"])
                points[index] = {"x": x, "y": y}
                body = fakes.create(input={"type": "taggedPolygon", "content": {"polygon": {"points": points}}})
                expected = not iter_faults(body, "Invocation")
                assert is_valid(body, "Invocation") is expected, (x, y, index)
    for broken in ({"x": 0.5}, {"y": 0.5}, [0.5, 0.5], "point"):
        points = [*copy.deepcopy(POLYGON["points"]), broken]
        body = fakes.create(input={"type": "taggedPolygon", "content": {"polygon": {"points": points}}})
        assert not is_valid(body, "Invocation")
        assert iter_faults(body, "Invocation")


def test_unknown_input_types_agree_with_validate() -> None:
    """The catch-all input member: any type outside InputType passes, a known type keeps its own rules."""
    inputs: list[Any] = [
        {"type": "freehand"},
        {"type": "freehand", "content": None},
        {"type": "", "content": [1]},
        {"type": 7},
        {"content": {}},
        {"type": "taggedPolygon"},
        {"type": "multiArea", "content": {}},
        {"type": "wholeSlide", "content": {}},
    ]
    for given_input in inputs:
        body = fakes.create(input=given_input)
        reference = iter_faults(body, "Invocation")
        assert is_valid(body, "Invocation") == (not reference), (given_input, reference)
        assert bool(fast_faults(body, "Invocation")) == bool(reference), given_input
    assert is_valid(fakes.create(input={"type": "freehand"}), "Invocation")
    assert not is_valid(fakes.create(input={"type": "taggedPolygon"}), "Invocation")
