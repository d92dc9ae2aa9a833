"""The simulator's compiled null writer writes what the spec-walking reference writes, without validating.

The reference below is the writer the simulator had before (it picked each union's alternative by
validating the value with jsonschema: 481 s on a 1M-point answer); it stays here as the oracle.
Compared on every example payload, the simulator's own invocations and notifications, and random
valid samples of every component schema and every JSON answer schema.
"""

from __future__ import annotations

import copy
import random
import re
from functools import cache
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sectra_dpat_client._generated import dpat_spec
from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.models import AppContext, Result, ResultData
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.simulator.nulls import explicit_nulls, response_pointer, schema_pointer

from .examples import VALID

_URI = "urn:sectra-dpat:simulator-nulls"
SPEC = dpat_spec.ia_api()
SCHEMAS = sorted(SPEC["components"]["schemas"])


# --- the reference: the previous writer, verbatim but for names ------------------------------------


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(SPEC, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_URI, resource)
    return registry


@cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{_URI}#{pointer}"}, registry=_registry())


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@cache
def _at(pointer: str) -> Any:
    node: Any = SPEC
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@cache
def _fills(pointer: str) -> bool:
    return _can_fill(pointer, frozenset())


def _can_fill(pointer: str, seen: frozenset[str]) -> bool:
    if pointer in seen:
        return True
    schema = _at(pointer)
    if not isinstance(schema, dict):
        return False
    seen = seen | {pointer}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and _can_fill(ref[1:], seen):
        return True
    for key in ("allOf", "anyOf", "oneOf"):
        for index, _ in enumerate(schema.get(key, [])):
            if _can_fill(f"{pointer}/{key}/{index}", seen):
                return True
    properties = schema.get("properties")
    if isinstance(properties, dict):
        if set(properties) - set(schema.get("required", [])):
            return True
        if any(_can_fill(f"{pointer}/properties/{_escape(name)}", seen) for name in properties):
            return True
    return isinstance(schema.get("items"), dict) and _can_fill(f"{pointer}/items", seen)


def reference_nulls(value: Any, pointer: str) -> Any:
    schema = _at(pointer)
    if not isinstance(schema, dict) or not _fills(pointer):
        return value
    if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        value = reference_nulls(value, schema["$ref"][1:])
    for index, _ in enumerate(schema.get("allOf", [])):
        value = reference_nulls(value, f"{pointer}/allOf/{index}")
    for key in ("anyOf", "oneOf"):
        for index, _ in enumerate(schema.get(key, [])):
            alternative = f"{pointer}/{key}/{index}"
            if _validator(alternative).is_valid(value):
                value = reference_nulls(value, alternative)
                break
    properties = schema.get("properties")
    if isinstance(value, dict) and isinstance(properties, dict):
        required = set(schema.get("required", []))
        for name in properties:
            if name in value:
                value[name] = reference_nulls(value[name], f"{pointer}/properties/{_escape(name)}")
            elif name not in required:
                value[name] = None
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        value = [reference_nulls(item, f"{pointer}/items") for item in value]
    return value


# --- random valid samples of a schema ----------------------------------------------------------------

_STRINGS = ("1.10", "#a1b2c3", "abc", "x")


def _sample(pointer: str, rng: random.Random, depth: int = 0) -> Any:
    """A random value meant to be valid against the schema (callers keep only the valid ones)."""
    schema = _at(pointer)
    if not isinstance(schema, dict) or not schema.keys() - {"description"}:
        return rng.choice([None, 1, "x", {"k": [1, None]}, []])
    if "if" in schema:
        return {}  # an if/then part of an allOf: the other parts carry the value
    if isinstance(schema.get("$ref"), str):
        return _sample(schema["$ref"][1:], rng, depth)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for index, _ in enumerate(schema["allOf"]):
            part = _sample(f"{pointer}/allOf/{index}", rng, depth)
            merged.update(part if isinstance(part, dict) else {})
        if "properties" in schema:
            merged.update(_object(pointer, schema, rng, depth))
        return merged
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return _sample(f"{pointer}/{key}/{rng.randrange(len(schema[key]))}", rng, depth)
    if "const" in schema:
        return copy.deepcopy(schema["const"])
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kinds = schema.get("type", "object")
    kind = rng.choice(kinds) if isinstance(kinds, list) else kinds
    if kind == "null":
        return None
    if kind == "object":
        return _object(pointer, schema, rng, depth)
    if kind == "array":
        low = schema.get("minItems", 0)
        count = min(rng.randint(low, low + 3), schema.get("maxItems", low + 3))
        items = f"{pointer}/items"
        return [_sample(items, rng, depth + 1) if "items" in schema else rng.random() for _ in range(count)]
    if kind == "string":
        if "examples" in schema:
            return schema["examples"][0]
        pattern = schema.get("pattern")
        return next((s for s in _STRINGS if pattern is None or re.search(pattern, s)), "x")
    if kind == "integer":
        return rng.randint(schema.get("minimum", 0), 9)
    if kind == "number":
        return rng.uniform(schema.get("minimum", 0), 9)
    return rng.random() < 0.5


def _object(pointer: str, schema: dict[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
    if schema.get("maxProperties") == 0:
        return {}
    required = set(schema.get("required", []))
    value: dict[str, Any] = {}
    for name in schema.get("properties", {}):
        roll = rng.random()
        if name in required or (depth < 6 and roll < 0.5):
            value[name] = _sample(f"{pointer}/properties/{_escape(name)}", rng, depth + 1)
        elif roll < 0.7:
            value[name] = None
    extra = schema.get("additionalProperties")
    if extra is True and rng.random() < 0.5:
        value["extra"] = {"nested": [1, None]}
    elif isinstance(extra, dict) and rng.random() < 0.7:
        value["extra"] = _sample(f"{pointer}/additionalProperties", rng, depth + 1)
    return value


def _answer_pointers() -> list[str]:
    pointers = []
    for item in SPEC["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                for status in operation.get("responses", {}):
                    if status.isdigit() and (pointer := response_pointer(operation["operationId"], int(status))):
                        pointers.append(pointer)
    return sorted(set(pointers))


POINTERS = [schema_pointer(name) for name in SCHEMAS] + _answer_pointers()


def _samples(pointer: str, count: int = 40) -> list[Any]:
    rng = random.Random(pointer)
    candidates = (_sample(pointer, rng) for _ in range(count * 4))
    return [value for value in candidates if _validator(pointer).is_valid(value)][:count]


def _assert_same(value: Any, pointer: str) -> None:
    expected = orjson.dumps(reference_nulls(copy.deepcopy(value), pointer))
    assert orjson.dumps(explicit_nulls(copy.deepcopy(value), pointer)) == expected  # same keys, same order


# --- the comparisons ---------------------------------------------------------------------------------


def test_every_answer_schema_is_compared() -> None:
    assert any("/paths/" in pointer for pointer in POINTERS)
    assert len(POINTERS) == len(SCHEMAS) + len(_answer_pointers())


@pytest.mark.parametrize("pointer", POINTERS)
def test_random_valid_samples_get_the_reference_nulls(pointer: str) -> None:
    samples = _samples(pointer)
    assert samples, "no valid sample: the sampler needs to learn this schema"
    for value in samples:
        _assert_same(value, pointer)


CASES = [(schema, name, payload) for schema, cases in VALID.items() for name, payload in cases]


@pytest.mark.parametrize(("schema", "name", "payload"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_every_example_payload_gets_the_reference_nulls(schema: str, name: str, payload: Any) -> None:
    _assert_same(payload, schema_pointer(schema))
    for pointer in POINTERS:  # and under every schema it is valid against (e.g. a Result as an answer)
        if _validator(pointer).is_valid(payload):
            _assert_same(payload, pointer)


def test_the_simulators_answers_invocations_and_notifications_get_the_reference_nulls() -> None:
    with DPATSimulator(slides=1) as dpat, DPATAIClient(dpat.url, token=dpat.token, app_id=dpat.app_id) as client:
        slide_id = dpat.slide_ids[0]
        result = Result(slideId=slide_id, displayResult="x", data=ResultData(context=AppContext.from_dict({"k": 1})))
        stored = client.create_results(result).id
        headers = {"Authorization": f"Bearer {dpat.token}"}
        answers = [
            (response_pointer(operation, 200), httpx.get(dpat.url + path, headers=headers).json())
            for operation, path in [
                ("getImageInfo", f"/slides/{slide_id}/info"),
                ("getResult", f"/applications/{dpat.app_id}/results/{stored}"),
                ("listResultsForSlide", f"/applications/{dpat.app_id}/results/slide/{slide_id}"),
            ]
        ]
        payloads = [
            (schema_pointer("Invocation"), dpat.driver.invocation(action=action, result_id=stored))
            for action in ("create", "modify", "delete", "cancel")
        ]
        payloads.append((schema_pointer("ImageNotification"), dpat.driver.notification(slide_id, with_action=True)))
    for pointer, payload in answers + payloads:
        assert pointer is not None
        _validator(pointer).validate(payload)
        _assert_same(payload, pointer)


class _Untouchable(list[Any]):
    """A point list that fails the test if anything walks it."""

    def __iter__(self) -> Any:
        raise AssertionError("the writer walked a point list")

    def __len__(self) -> int:
        raise AssertionError("the writer measured a point list")


def test_point_lists_are_never_walked() -> None:
    points = _Untouchable()
    result = {
        "slideId": "s",
        "id": 1,
        "versionId": "v",
        "data": {"result": {"type": "primitive", "content": [{"polygons": [{"points": points}]}]}},
    }
    filled = explicit_nulls(result, schema_pointer("ResultResponse"))
    [item] = filled["data"]["result"]["content"]
    assert item["polygons"][0]["points"] is points
    assert item["style"] is None
    assert filled["displayProperties"] is None
    assert filled["data"]["context"] is None


def test_a_union_picks_its_alternative_by_tag() -> None:
    unknown = explicit_nulls({"type": "fromTheFuture"}, schema_pointer("CreateInput"))
    assert unknown == {"type": "fromTheFuture", "content": None}
    tagged = {"type": "taggedPolygon", "content": {"polygon": {"points": [{"x": 0, "y": 0}] * 3}}}
    filled = explicit_nulls(tagged, schema_pointer("CreateInput"))
    assert filled["content"]["tags"] is None
    assert filled["content"]["tagIndex"] is None
