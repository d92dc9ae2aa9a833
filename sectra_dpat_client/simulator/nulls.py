"""Answer like a .NET DPAT: every optional property the payload leaves out is written as null.

The walk follows the spec's schema of the payload (`$ref`, `allOf`, the `anyOf`/`oneOf` alternative
the value matches, object properties, array items); `if`/`then` conditions are not object schemas.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sectra_dpat_client._generated import dpat_spec

__all__ = ["explicit_nulls", "response_pointer", "schema_pointer"]

_URI = "urn:sectra-dpat:simulator-nulls"


@cache
def _spec() -> dict[str, Any]:
    return dpat_spec.ia_api()


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_URI, resource)
    return registry


@cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{_URI}#{pointer}"}, registry=_registry())


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@cache
def _at(pointer: str) -> Any:
    node: Any = _spec()
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@cache
def _fills(pointer: str) -> bool:
    """Whether a value of this schema can leave out an optional property (else the walk skips it)."""
    return _can_fill(pointer, frozenset())


def _can_fill(pointer: str, seen: frozenset[str]) -> bool:
    if pointer in seen:
        return True  # a recursive schema: walk it
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


def schema_pointer(name: str) -> str:
    """The JSON pointer of a component schema."""
    return f"/components/schemas/{_escape(name)}"


@cache
def response_pointer(operation_id: str, status: int) -> str | None:
    """The pointer of an operation's JSON answer schema for ``status``, or None if it has none."""
    for path, item in _spec()["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or operation.get("operationId") != operation_id:
                continue
            responses = operation.get("responses", {})
            code = str(status) if str(status) in responses else "default"
            if "application/json" not in responses.get(code, {}).get("content", {}):
                return None
            return f"/paths/{_escape(path)}/{method}/responses/{code}/content/application~1json/schema"
    return None


def explicit_nulls(value: Any, pointer: str) -> Any:
    """``value`` with null written for every optional property it leaves out (in place for dicts)."""
    schema = _at(pointer)
    if not isinstance(schema, dict) or not _fills(pointer):
        return value  # nothing optional below (e.g. the points of a polygon): leave it as it is
    if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith("#/"):
        value = explicit_nulls(value, schema["$ref"][1:])
    for index, _ in enumerate(schema.get("allOf", [])):
        value = explicit_nulls(value, f"{pointer}/allOf/{index}")
    for key in ("anyOf", "oneOf"):
        for index, _ in enumerate(schema.get(key, [])):
            alternative = f"{pointer}/{key}/{index}"
            if _validator(alternative).is_valid(value):
                value = explicit_nulls(value, alternative)
                break
    properties = schema.get("properties")
    if isinstance(value, dict) and isinstance(properties, dict):
        required = set(schema.get("required", []))
        for name in properties:
            if name in value:
                value[name] = explicit_nulls(value[name], f"{pointer}/properties/{_escape(name)}")
            elif name not in required:
                value[name] = None
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        value = [explicit_nulls(item, f"{pointer}/items") for item in value]
    return value
