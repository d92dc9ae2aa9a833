"""Optional properties: absent or null read as None; unknown enum values do not fail parsing.

The spec is walked for every optional property (each must accept null). For every schema DPAT sends
(responses, invocations, image notifications; examples.VALID), a payload is built from its examples
with every optional property, nested ones included, set to null: it passes `validate` and parses into
models where each of those properties is None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sectra_dpat_client._generated import dpat_spec
from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.errors import DPATValidationError
from sectra_dpat_client.models import QualityControlStatus, Result, ResultType
from sectra_dpat_client.validate import validate

from .test_generated_roundtrip import CASES, _model_for, _without_nulls

_SPEC = dpat_spec.ia_api()
_URI = "urn:test:ia-api"
_REGISTRY = Registry().with_resource(_URI, Resource.from_contents(_SPEC, default_specification=DRAFT202012))
_CONDITIONAL = {"if", "then", "else", "not"}


def _optional_pointers(node: Any, pointer: str) -> Iterator[str]:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            required = set(node.get("required", []))
            yield from (f"{pointer}/properties/{name}" for name in properties if name not in required)
        for key, value in node.items():
            if key not in _CONDITIONAL:
                yield from _optional_pointers(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _optional_pointers(value, f"{pointer}/{index}")


OPTIONAL = sorted(_optional_pointers(_SPEC["components"]["schemas"], "/components/schemas"))


def test_the_spec_has_optional_properties_to_check() -> None:
    assert len(OPTIONAL) > 60
    assert "/components/schemas/ImageInfo/properties/qualityControl" in OPTIONAL


@pytest.mark.parametrize("pointer", OPTIONAL)
def test_every_optional_property_accepts_null(pointer: str) -> None:
    validator = Draft202012Validator({"$ref": f"{_URI}#{pointer}"}, registry=_REGISTRY)
    assert validator.is_valid(None), f"{pointer} does not accept null"


def test_required_properties_stay_strict() -> None:
    info = next(p for s, _, p in CASES if s == "ImageInfo")
    with pytest.raises(DPATValidationError, match="tileSize"):
        validate({**info, "tileSize": None}, "ImageInfo")


def _null_filled(obj: Any) -> dict[str, Any]:
    """obj's JSON with every optional property null, and the same inside required nested models."""
    wire: dict[str, Any] = obj.to_dict()
    for field in attrs.fields(type(obj)):
        if field.name == "additional_properties":
            continue
        if field.default is None:
            wire[field.alias] = None
        elif field.alias in wire:
            wire[field.alias] = _nested(getattr(obj, field.name), wire[field.alias])
    return wire


def _nested(value: Any, wire: Any) -> Any:
    if attrs.has(type(value)) and isinstance(wire, dict):
        return _null_filled(value)
    if isinstance(value, list) and isinstance(wire, list):
        return [_nested(v, w) for v, w in zip(value, wire, strict=True)]
    return wire


def _optional_fields_are_none(obj: Any, path: str = "$") -> int:
    """Assert each optional field is None (recursing into required models); the number checked."""
    checked = 0
    for field in attrs.fields(type(obj)):
        if field.name == "additional_properties":
            continue
        value = getattr(obj, field.name)
        if field.default is None:
            assert value is None, f"{path}.{field.alias} is {value!r}, not None"
            checked += 1
        elif attrs.has(type(value)):
            checked += _optional_fields_are_none(value, f"{path}.{field.alias}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if attrs.has(type(item)):
                    checked += _optional_fields_are_none(item, f"{path}.{field.alias}[{index}]")
    return checked


@pytest.mark.parametrize(("schema", "name", "payload"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_nulls_for_every_optional_property_read_as_none(schema: str, name: str, payload: Any) -> None:
    model = _model_for(schema, payload)
    filled = _null_filled(model.from_dict(payload))
    validate(filled, schema)
    parsed = model.from_dict(filled)
    _optional_fields_are_none(parsed)
    assert None not in _values(parsed.to_dict()), "a None optional property was sent"


def _inner_nulls(obj: Any) -> dict[str, Any]:
    """obj's JSON with optional objects kept and their own optional properties null, all the way down."""
    wire: dict[str, Any] = obj.to_dict()
    for field in attrs.fields(type(obj)):
        if field.name == "additional_properties" or field.alias not in wire:
            continue
        value = getattr(obj, field.name)
        if field.default is None and not _has_models(value):
            wire[field.alias] = None
        else:
            wire[field.alias] = _inner(value, wire[field.alias])
    return wire


def _has_models(value: Any) -> bool:
    return attrs.has(type(value)) or (isinstance(value, list) and any(attrs.has(type(v)) for v in value))


def _inner(value: Any, wire: Any) -> Any:
    if attrs.has(type(value)) and isinstance(wire, dict):
        return _inner_nulls(value)
    if isinstance(value, list) and isinstance(wire, list):
        return [_inner(v, w) for v, w in zip(value, wire, strict=True)]
    return wire


def _inner_fields_are_none(obj: Any, path: str = "$") -> int:
    """Assert each optional non-model field is None and each model kept; the number of nested nulls checked."""
    checked = 0
    for field in attrs.fields(type(obj)):
        if field.name == "additional_properties":
            continue
        value = getattr(obj, field.name)
        items = value if isinstance(value, list) else [value]
        models = [item for item in items if attrs.has(type(item))]
        for index, item in enumerate(models):
            checked += _inner_fields_are_none(item, f"{path}.{field.alias}[{index}]")
            checked += field.default is None or path != "$"  # an optional (or nested) object kept
        if field.default is None and not models and path != "$":
            assert value is None, f"{path}.{field.alias} is {value!r}, not None"
            checked += 1
    return checked


@pytest.mark.parametrize(("schema", "name", "payload"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_nested_optional_objects_with_null_properties_read_as_none(schema: str, name: str, payload: Any) -> None:
    """An optional object that is present, with its own optional properties null, keeps its other values."""
    model = _model_for(schema, payload)
    filled = _inner_nulls(model.from_dict(payload))
    validate(filled, schema)
    parsed = model.from_dict(filled)
    _inner_fields_are_none(parsed)
    assert None not in _values(parsed.to_dict()), "a None optional property was sent"
    assert _without_nulls(model.from_dict(_without_nulls(filled)).to_dict()) == _without_nulls(filled)


def test_nested_optional_objects_are_exercised() -> None:
    kept = {"ImageInfo": 0, "ResultResponse": 0, "Invocation": 0}
    for schema, _, payload in CASES:
        if schema in kept:
            model = _model_for(schema, payload)
            kept[schema] += _inner_fields_are_none(model.from_dict(_inner_nulls(model.from_dict(payload))))
    assert all(count > 5 for count in kept.values()), kept


def test_every_schema_has_optional_properties_filled() -> None:
    total = 0
    for schema, _, payload in CASES:
        model = _model_for(schema, payload)
        total += _optional_fields_are_none(model.from_dict(_null_filled(model.from_dict(payload))))
    assert total > 100


def _values(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield v
            yield from _values(v)
    elif isinstance(value, list):
        for v in value:
            yield v
            yield from _values(v)


def _response_schemas() -> set[str]:
    """Every schema the spec's operations answer with (JSON bodies, list items included)."""
    names: set[str] = set()
    for operations in _SPEC["paths"].values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values() if isinstance(operation, dict) else ():
                for content in response.get("content", {}).values():
                    schema = content.get("schema", {})
                    ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
                    if ref:
                        names.add(ref.rsplit("/", 1)[1])
    return names


_SERVER = next(p for s, _, p in CASES if s == "ApplicationInfo")
_TOKEN = next(p for s, _, p in CASES if s == "Token")
_BEARER = "abc"
# How the client reads each response schema: the calls that parse it, returning what they parsed.
_READERS: dict[str, Callable[[DPATAIClient], list[Any]]] = {
    "ApplicationInfo": lambda client: [client.get_info()],
    "Token": lambda client: [client.get_info()][:0],  # parsed by the auth flow: its bearer is checked below
    "LaunchResponse": lambda client: [client.get_launch_data("r1", "session")],
    "Application": lambda client: [client.get_application()],
    "ImageInfo": lambda client: [client.get_image_info("S1"), client.get_image_info("S1", extended=True, phi=True)],
    "CaseImageInfo": lambda client: [
        *client.get_image_infos_in_case("A1"),
        *client.get_image_infos_in_case_by_slide_id("S1"),
    ],
    "ResultResponse": lambda client: [
        client.get_results(1),
        *client.list_results_for_slide("S1"),
        client.create_results(Result(slideId="S1")),
        client.update_results(1, Result(slideId="S1"), version_id="v"),
    ],
}
_LIST_PATHS = ("/images/info", "/results/slide/S1")
_THROUGH_CLIENT = [c for c in CASES if c[0] in _READERS]


def test_every_response_schema_is_read_through_the_client() -> None:
    assert _response_schemas() == set(_READERS)
    assert {c[0] for c in _THROUGH_CLIENT} == set(_READERS)


def _serve(schema: str, answer: Any, seen: list[httpx.Request]) -> httpx.MockTransport:
    """A DPAT that answers ``answer`` for ``schema``'s operations (a one-item list where the spec has a list)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("/token"):
            return httpx.Response(200, json=answer if schema == "Token" else {**_TOKEN, "access_token": _BEARER})
        if path == "/api/info":
            return httpx.Response(200, json=answer if schema == "ApplicationInfo" else _SERVER)
        if schema in ("ApplicationInfo", "Token"):
            return httpx.Response(404, json={})
        body = [answer] if path.endswith(_LIST_PATHS) else answer
        return httpx.Response(201 if request.method == "POST" else 200, json=body)

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("form", ["nulls", "absent"])
@pytest.mark.parametrize(
    ("schema", "name", "payload"), _THROUGH_CLIENT, ids=[f"{c[0]}:{c[1]}" for c in _THROUGH_CLIENT]
)
def test_absent_and_null_read_alike_through_the_client(schema: str, name: str, payload: Any, form: str) -> None:
    """Each response schema, with every optional property null or left out, parses to None via the client."""
    model = _model_for(schema, payload)
    filled = _null_filled(model.from_dict(payload))
    answer = filled if form == "nulls" else _without_nulls(filled)
    seen: list[httpx.Request] = []
    with DPATAIClient.from_credentials(
        "http://dpat.test/api", app_id="app", username="u", password="p", transport=_serve(schema, answer, seen)
    ) as client:
        parsed = _READERS[schema](client)
    assert parsed or schema == "Token"
    for read in parsed:
        assert isinstance(read, model)
        _optional_fields_are_none(read)
        assert "Unset" not in repr(read)
    if schema == "Token":
        assert [r.url.path for r in seen] == ["/api/token", "/api/info"]
        assert seen[-1].headers["Authorization"] == f"Bearer {answer['access_token']}"


def test_unknown_enum_values_keep_their_raw_value() -> None:
    newer = QualityControlStatus("approvedWithRemarks")
    assert isinstance(newer, QualityControlStatus)
    assert newer.value == "approvedWithRemarks"
    assert str(newer) == "approvedWithRemarks"
    assert newer.name == "UNKNOWN"
    assert newer not in list(QualityControlStatus)
    assert ResultType("heatmap").value == "heatmap"
    with pytest.raises(ValueError, match="3 is not a valid"):
        QualityControlStatus(3)  # type: ignore[arg-type]


def test_unknown_enum_values_round_trip_in_models() -> None:
    result = next(p for s, _, p in CASES if s == "ResultResponse")
    model = _model_for("ResultResponse", result)
    newer = {**result, "data": {**result["data"], "result": {**result["data"]["result"], "type": "heatmap"}}}
    parsed = model.from_dict(newer)
    assert parsed.data.result.type_.value == "heatmap"
    assert parsed.to_dict()["data"]["result"]["type"] == "heatmap"


def test_unknown_input_types_parse_and_keep_their_raw_value() -> None:
    """A newer DPAT's input type parses as UnknownInput (no ValueError), raw and round-tripping; validate agrees."""
    from sectra_dpat_client.models import CreateInvocation, ImageNotification, UnknownInput

    create = next(p for s, n, p in CASES if s == "Invocation" and "newer DPAT" in n)
    parsed = CreateInvocation.from_dict(create)
    assert isinstance(parsed.input_, UnknownInput)
    assert parsed.input_.type_ == "freehand"
    assert parsed.input_.content == {"strokes": [[0.1, 0.2]]}
    assert parsed.input_["extra"] == 1
    assert parsed.to_dict()["input"] == create["input"]
    validate(create, "Invocation")
    notification = {**next(p for s, _, p in CASES if s == "ImageNotification"), "input": {"type": "freehand"}}
    validate(notification, "ImageNotification")
    assert isinstance(ImageNotification.from_dict(notification).input_, UnknownInput)
    for known in ("wholeSlide", "taggedPolygon", "multiArea"):
        with pytest.raises(DPATValidationError, match=r"\$\.input"):
            validate({**create, "input": {"type": known, "content": "not this"}}, "Invocation")
