"""Answer like a .NET DPAT: every optional property the payload leaves out is written as null.

The walk follows the spec's schema of the payload (`$ref`, `allOf`, the `anyOf`/`oneOf` alternative
the value matches, object properties, array items); `if`/`then` conditions are not object schemas.
Each schema is compiled once into a filler: the optional properties to add, the children worth
visiting (a subtree with nothing optional in it, such as a polygon's points, is never entered) and,
per union, a cheap test of each alternative (JSON types, required keys, tag values) that picks the
alternative a valid payload matches without validating it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from sectra_dpat_client._generated import dpat_spec

__all__ = ["explicit_nulls", "response_pointer", "schema_pointer"]

_Test = Callable[[Any], bool]
_ANNOTATIONS = frozenset({"description", "title", "$comment", "x-enum-varnames", "x-sensitive"})


@cache
def _spec() -> dict[str, Any]:
    return dpat_spec.ia_api()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@cache
def _at(pointer: str) -> Any:
    node: Any = _spec()
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _local_ref(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref[1:] if isinstance(ref, str) and ref.startswith("#/") else None


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
    ref = _local_ref(schema)
    if ref is not None and _can_fill(ref, seen):
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


# --- the cheap tests: conditions every value valid against a schema meets -------------------------


def _json_type_of(value: Any) -> str | None:
    """The JSON Schema type name of ``value`` (integral floats are numbers here; see `_has_type`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None


def _has_type(value: Any, types: frozenset[str]) -> bool:
    kind = _json_type_of(value)
    if kind == "integer":
        return "integer" in types or "number" in types
    if kind == "number":
        return "number" in types or ("integer" in types and float(value).is_integer())
    return kind in types


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 equals 1.0, true does not equal 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_json_equal, a, b))
    return type(a) is type(b) and a == b


def _one_of_values(values: list[Any]) -> _Test:
    return lambda value: any(_json_equal(value, allowed) for allowed in values)


def _any_of(alternatives: list[list[_Test]]) -> _Test:
    return lambda value: any(all(test(value) for test in tests) for tests in alternatives)


def _value_tests(pointer: str, seen: frozenset[str]) -> list[_Test]:
    """Tests of a value's own type, const, enum and ``not`` (const/enum) along ``$ref`` and ``allOf``."""
    schema = _at(pointer)
    if not isinstance(schema, dict) or pointer in seen:
        return []
    seen = seen | {pointer}
    tests: list[_Test] = []
    kind = schema.get("type")
    if isinstance(kind, str | list):
        types = frozenset([kind] if isinstance(kind, str) else kind)
        tests.append(lambda value: _has_type(value, types))
    if "const" in schema:
        tests.append(_one_of_values([schema["const"]]))
    if isinstance(schema.get("enum"), list):
        tests.append(_one_of_values(schema["enum"]))
    forbidden = schema.get("not")
    if isinstance(forbidden, dict) and forbidden and set(forbidden) - _ANNOTATIONS <= {"const", "enum"}:
        values = [forbidden["const"]] if "const" in forbidden else forbidden.get("enum", [])
        if isinstance(values, list):
            is_forbidden = _one_of_values(values)
            tests.append(lambda value: not is_forbidden(value))
    for key in ("anyOf", "oneOf"):
        alternatives = [_value_tests(f"{pointer}/{key}/{i}", seen) for i, _ in enumerate(schema.get(key, []))]
        if alternatives and all(alternatives):
            tests.append(_any_of(alternatives))
    ref = _local_ref(schema)
    if ref is not None:
        tests += _value_tests(ref, seen)
    for index, _ in enumerate(schema.get("allOf", [])):
        tests += _value_tests(f"{pointer}/allOf/{index}", seen)
    return tests


def _object_parts(pointer: str, seen: frozenset[str]) -> tuple[set[str], dict[str, list[_Test]]]:
    """The required keys and the per-property value tests of a schema, along ``$ref`` and ``allOf``."""
    schema = _at(pointer)
    required: set[str] = set()
    properties: dict[str, list[_Test]] = {}
    if not isinstance(schema, dict) or pointer in seen:
        return required, properties
    seen = seen | {pointer}
    if isinstance(schema.get("required"), list):
        required.update(schema["required"])
    if isinstance(schema.get("properties"), dict):
        for name in schema["properties"]:
            tests = _value_tests(f"{pointer}/properties/{_escape(name)}", frozenset())
            properties.setdefault(name, []).extend(tests)
    parts = [f"{pointer}/allOf/{index}" for index, _ in enumerate(schema.get("allOf", []))]
    ref = _local_ref(schema)
    for part in [ref, *parts] if ref is not None else parts:
        more_required, more_properties = _object_parts(part, seen)
        required |= more_required
        for name, tests in more_properties.items():
            properties.setdefault(name, []).extend(tests)
    return required, properties


@cache
def _matches(pointer: str) -> _Test:
    """A cheap test every value valid against the schema passes (types, required keys, tag values)."""
    own = _value_tests(pointer, frozenset())
    required, properties = _object_parts(pointer, frozenset())
    keys = tuple(sorted(required))
    checked = tuple((name, tuple(tests)) for name, tests in properties.items() if tests)

    def test(value: Any) -> bool:
        if not all(t(value) for t in own):
            return False
        if not isinstance(value, dict):
            return True  # required and properties constrain objects only
        if not all(key in value for key in keys):
            return False
        return all(all(t(value[name]) for t in tests) for name, tests in checked if name in value)

    return test


# --- the fillers -----------------------------------------------------------------------------------


class _Filler:
    """Writes the nulls of one schema into a value (dicts in place; lists are rebuilt)."""

    __slots__ = ("items", "parts", "properties", "unions")

    def __init__(self) -> None:
        self.parts: list[_Filler] = []  # $ref, then allOf, in order
        self.unions: list[list[tuple[_Test, _Filler | None]]] = []  # anyOf, then oneOf
        self.properties: list[tuple[str, _Filler | None, bool]] | None = None  # (name, child, required)
        self.items: _Filler | None = None

    def fill(self, value: Any) -> Any:
        for part in self.parts:
            value = part.fill(value)
        for alternatives in self.unions:
            for matches, alternative in alternatives:
                if matches(value):
                    if alternative is not None:
                        value = alternative.fill(value)
                    break
        if self.properties is not None and isinstance(value, dict):
            for name, child, required in self.properties:
                if name in value:
                    if child is not None:
                        value[name] = child.fill(value[name])
                elif not required:
                    value[name] = None
        if self.items is not None and isinstance(value, list):
            fill = self.items.fill
            value = [fill(item) for item in value]
        return value


_FILLERS: dict[str, _Filler | None] = {}  # published only whole: other threads read it without the lock
_COMPILING = threading.Lock()


def _filler(pointer: str) -> _Filler | None:
    """The compiled filler of a schema, or None when its values have nothing optional to fill."""
    try:
        return _FILLERS[pointer]
    except KeyError:
        pass
    with _COMPILING:
        building: dict[str, _Filler | None] = {}
        filler = _compile(pointer, building)
        _FILLERS.update(building)
    return filler


def _compile(pointer: str, building: dict[str, _Filler | None]) -> _Filler | None:
    for known in (_FILLERS, building):
        if pointer in known:
            return known[pointer]
    schema = _at(pointer)
    if not isinstance(schema, dict) or not _fills(pointer):
        building[pointer] = None
        return None
    filler = building[pointer] = _Filler()  # registered first: a recursive schema finds itself

    def child(sub: str) -> _Filler | None:
        return _compile(sub, building)

    ref = _local_ref(schema)
    parts = [ref] if ref is not None else []
    parts += [f"{pointer}/allOf/{index}" for index, _ in enumerate(schema.get("allOf", []))]
    filler.parts = [part for part in map(child, parts) if part is not None]
    for key in ("anyOf", "oneOf"):
        alternatives = [f"{pointer}/{key}/{index}" for index, _ in enumerate(schema.get(key, []))]
        compiled = [(_matches(alternative), child(alternative)) for alternative in alternatives]
        if any(alternative is not None for _, alternative in compiled):
            filler.unions.append(compiled)
    properties = schema.get("properties")
    if isinstance(properties, dict):
        required = set(schema.get("required", []))
        filler.properties = [
            (name, child(f"{pointer}/properties/{_escape(name)}"), name in required) for name in properties
        ]
    if isinstance(schema.get("items"), dict):
        filler.items = child(f"{pointer}/items")
    return filler


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
    """``value`` with null written for every optional property it leaves out (in place for dicts).

    ``value`` is taken to be valid against the schema at ``pointer``: a union's alternative is the
    first one whose types, required keys and tag values the value has.
    """
    filler = _filler(pointer)
    return value if filler is None else filler.fill(value)
